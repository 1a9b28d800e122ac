/**
 * ESC/POS real-time status, `DLE EOT n` (10 04 n), kiosk-hardware.md §4.2. Each answer is one
 * byte with bit 7 = 0 and bits 1 and 4 = 1 (an idle online printer answers 0x12 or 0x16); the
 * fixed bits let the driver tell a status byte from any other byte on the line. Pure.
 */

export const StatusQuery = {
  printer: 1,
  offlineCause: 2,
  errorCause: 3,
  paper: 4,
} as const
export type StatusQuery = (typeof StatusQuery)[keyof typeof StatusQuery]

export function statusQuery(n: StatusQuery): Uint8Array {
  return Uint8Array.of(0x10, 0x04, n)
}

/** `GS r 1`: paper sensor status. Not real time: it is answered only after all data before it. */
export const PAPER_SENSOR_QUERY: Uint8Array = Uint8Array.of(0x1d, 0x72, 0x01)

const FIXED_MASK = 0x93
const FIXED_VALUE = 0x12

export function isRealtimeStatusByte(b: number): boolean {
  return (b & FIXED_MASK) === FIXED_VALUE
}

/** A `GS r` answer has bits 4 and 7 clear, so it never looks like a `DLE EOT` answer. */
export function isPaperSensorByte(b: number): boolean {
  return (b & 0x90) === 0
}

const bit = (b: number, n: number): boolean => (b & (1 << n)) !== 0

/** n = 1. */
export interface PrinterBits {
  drawerPinHigh: boolean
  offline: boolean
  waitingForRecovery: boolean
  feedButtonPressed: boolean
}
export function decodePrinterBits(b: number): PrinterBits {
  return {
    drawerPinHigh: bit(b, 2),
    offline: bit(b, 3),
    waitingForRecovery: bit(b, 5),
    feedButtonPressed: bit(b, 6),
  }
}

/** n = 2. */
export interface OfflineCauseBits {
  coverOpen: boolean
  feedingByButton: boolean
  stoppedByPaperEnd: boolean
  error: boolean
}
export function decodeOfflineCauseBits(b: number): OfflineCauseBits {
  return {
    coverOpen: bit(b, 2),
    feedingByButton: bit(b, 3),
    stoppedByPaperEnd: bit(b, 5),
    error: bit(b, 6),
  }
}

/** n = 3. */
export interface ErrorCauseBits {
  recoverable: boolean
  cutterError: boolean
  unrecoverable: boolean
  autoRecoverable: boolean
}
export function decodeErrorCauseBits(b: number): ErrorCauseBits {
  return {
    recoverable: bit(b, 2),
    cutterError: bit(b, 3),
    unrecoverable: bit(b, 5),
    autoRecoverable: bit(b, 6),
  }
}

/** n = 4. Printers set both bits of each pair; either one counts, so one bad sensor still warns. */
export interface PaperBits {
  nearEnd: boolean
  paperOut: boolean
}
export function decodePaperBits(b: number): PaperBits {
  return { nearEnd: bit(b, 2) || bit(b, 3), paperOut: bit(b, 5) || bit(b, 6) }
}

/** What the kiosk needs to know, from the four answers. */
export interface PrinterStatus {
  online: boolean
  coverOpen: boolean
  paperNearEnd: boolean
  paperOut: boolean
  cutterError: boolean
}

export interface RawStatus {
  printer: number
  offlineCause: number
  errorCause: number
  paper: number
}

export function decodeStatus(raw: RawStatus): PrinterStatus {
  const p = decodePrinterBits(raw.printer)
  const o = decodeOfflineCauseBits(raw.offlineCause)
  const e = decodeErrorCauseBits(raw.errorCause)
  const r = decodePaperBits(raw.paper)
  return {
    online: !p.offline,
    coverOpen: o.coverOpen,
    paperNearEnd: r.nearEnd,
    paperOut: r.paperOut || o.stoppedByPaperEnd,
    cutterError: e.cutterError,
  }
}

/** The inverse, for simulators: the four status bytes a printer in this state answers. */
export function encodeStatus(s: PrinterStatus): RawStatus {
  const offline = !s.online || s.coverOpen || s.paperOut || s.cutterError
  return {
    printer: FIXED_VALUE | (offline ? 0x08 : 0),
    offlineCause:
      FIXED_VALUE | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.cutterError ? 0x40 : 0),
    errorCause: FIXED_VALUE | (s.cutterError ? 0x08 : 0),
    paper: FIXED_VALUE | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0),
  }
}

/** `GS r 1` answer: bits 0–1 near end, bits 2–3 paper end. */
export function encodePaperSensor(s: Pick<PrinterStatus, 'paperNearEnd' | 'paperOut'>): number {
  return (s.paperNearEnd || s.paperOut ? 0x03 : 0) | (s.paperOut ? 0x0c : 0)
}
