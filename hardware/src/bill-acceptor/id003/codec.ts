/**
 * JCM ID-003 framing (kiosk-hardware.md §2.1). Pure: bytes in, bytes out; no I/O, no timers.
 *
 *   SYNC(0xFC) | LNG | CMD | DATA… | CRCL | CRCH
 *
 * LNG counts the whole frame (SYNC to CRC, min 5). The CRC is CRC-16/KERMIT (poly 0x1021 reflected
 * = 0x8408, init 0, no final XOR) over SYNC..DATA, sent little-endian.
 */

export const SYNC = 0xfc
export const MIN_FRAME = 5

/** Host → acceptor (§2.1, first table). */
export const Cmd = {
  STATUS_REQUEST: 0x11,
  RESET: 0x40,
  STACK_1: 0x41,
  STACK_2: 0x42,
  RETURN: 0x43,
  HOLD: 0x44,
  WAIT: 0x45,
  /** Answers VEND VALID; the acceptor does not reply to it. */
  ACK: 0x50,
  SET_DENOMINATION: 0xc0,
  SET_SECURITY: 0xc1,
  SET_COMMUNICATION_MODE: 0xc2,
  SET_INHIBIT: 0xc3,
  SET_DIRECTION: 0xc4,
  SET_OPTIONAL_FUNCTION: 0xc5,
  GET_DENOMINATION: 0x80,
  GET_SECURITY: 0x81,
  GET_COMMUNICATION_MODE: 0x82,
  GET_INHIBIT: 0x83,
  GET_DIRECTION: 0x84,
  GET_OPTIONAL_FUNCTION: 0x85,
  GET_VERSION: 0x88,
  GET_BOOT_VERSION: 0x89,
  GET_CURRENCY_ASSIGN: 0x8a,
} as const

/** Acceptor → host status codes (§2.1, second table). */
export const Status = {
  ENABLE: 0x11,
  ACCEPTING: 0x12,
  ESCROW: 0x13,
  STACKING: 0x14,
  VEND_VALID: 0x15,
  STACKED: 0x16,
  REJECTING: 0x17,
  RETURNING: 0x18,
  HOLDING: 0x19,
  DISABLE: 0x1a,
  INITIALIZE: 0x1b,
  POWER_UP: 0x40,
  POWER_UP_BILL_IN_ACCEPTOR: 0x41,
  POWER_UP_BILL_IN_STACKER: 0x42,
  STACKER_FULL: 0x43,
  STACKER_OPEN: 0x44,
  JAM_IN_ACCEPTOR: 0x45,
  JAM_IN_STACKER: 0x46,
  PAUSE: 0x47,
  CHEATED: 0x48,
  FAILURE: 0x49,
  COMMUNICATION_ERROR: 0x4a,
  INVALID_COMMAND: 0x4b,
  ACK: 0x50,
} as const

/** The status replies a STATUS REQUEST can get (everything but ACK and setting echoes). */
export function isStatusCode(code: number): boolean {
  return (
    (code >= Status.ENABLE && code <= Status.INITIALIZE) ||
    (code >= Status.POWER_UP && code <= Status.INVALID_COMMAND)
  )
}

/** REJECTING (0x17) reasons, §2.1 "Reject reasons". */
export const RejectReason: Readonly<Record<number, string>> = {
  0x71: 'insertion',
  0x72: 'magnetic',
  0x73: 'residual bill at head',
  0x74: 'calibration',
  0x75: 'conveying',
  0x76: 'denomination discrimination',
  0x77: 'photo pattern 1',
  0x78: 'photo level',
  0x79: 'inhibited',
  0x7b: 'operation',
  0x7c: 'residual bill at stacker',
  0x7d: 'length',
  0x7e: 'photo pattern 2',
  0x7f: 'true-bill feature',
}

/** FAILURE (0x49) detail codes, §2.1. */
export const FailureCode: Readonly<Record<number, string>> = {
  0xa2: 'stack motor',
  0xa5: 'feed motor speed',
  0xa6: 'feed motor',
  0xa8: 'solenoid',
  0xa9: 'PB unit',
  0xab: 'cash box not ready',
  0xaf: 'head removed',
  0xb0: 'boot ROM',
  0xb1: 'external ROM',
  0xb2: 'RAM',
  0xb3: 'external ROM write',
}

/** Escrow codes start here; bit n of the SET DENOMINATION mask inhibits escrow code 0x61 + n. */
export const FIRST_ESCROW_CODE = 0x61

export interface Id003Frame {
  cmd: number
  data: Uint8Array
}

export type Id003Decoded =
  | { kind: 'frame'; frame: Id003Frame; rest: Uint8Array; skipped: number }
  | { kind: 'incomplete'; rest: Uint8Array; skipped: number }
  | { kind: 'badChecksum'; rest: Uint8Array; skipped: number }

const KERMIT_TABLE = (() => {
  const t = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1
    t[n] = c
  }
  return t
})()

/** CRC-16/KERMIT (check value for "123456789" is 0x2189). */
export function crc16Kermit(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0
  for (let i = start; i < end; i++)
    crc = (crc >>> 8) ^ (KERMIT_TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0)
  return crc & 0xffff
}

export function encode(frame: Id003Frame): Uint8Array {
  const lng = MIN_FRAME + frame.data.length
  if (lng > 0xff) throw new RangeError(`ID-003 frame too long: ${lng} bytes`)
  const out = new Uint8Array(lng)
  out[0] = SYNC
  out[1] = lng
  out[2] = frame.cmd
  out.set(frame.data, 3)
  const crc = crc16Kermit(out, 0, lng - 2)
  out[lng - 2] = crc & 0xff
  out[lng - 1] = crc >>> 8
  return out
}

/** Shorthand: `frame(0xc3, 0x00)` → `FC 06 C3 00 04 D6`. */
export function frame(cmd: number, ...data: number[]): Uint8Array {
  return encode({ cmd, data: Uint8Array.from(data) })
}

/**
 * Take the first frame off `buf`. Garbage before a SYNC is skipped (`skipped` counts it); a bad
 * checksum drops only the SYNC byte, because a corrupted LNG may hide a good frame right behind.
 * A SYNC whose LNG promises more bytes than have come is not waited for when a complete frame
 * with a good CRC already follows it: that stray 0xFC was garbage (§7.2 resynchronisation).
 * Callers loop until 'incomplete' and keep `rest` for the next chunk.
 */
export function decode(buf: Uint8Array): Id003Decoded {
  let i = 0
  let skipped = 0
  for (;;) {
    while (i < buf.length && buf[i] !== SYNC) {
      i++
      skipped++
    }
    if (buf.length - i < 2) return { kind: 'incomplete', rest: buf.subarray(i), skipped }
    const lng = buf[i + 1] ?? 0
    if (lng < MIN_FRAME) {
      // not a frame start after all (SYNC value inside garbage): resync on the next SYNC
      i++
      skipped++
      continue
    }
    if (buf.length - i < lng) {
      const k = nextCompleteFrame(buf, i + 1)
      if (k < 0) return { kind: 'incomplete', rest: buf.subarray(i), skipped }
      skipped += k - i
      i = k
      continue
    }
    if (!crcOk(buf, i, lng)) return { kind: 'badChecksum', rest: buf.subarray(i + 1), skipped }
    return {
      kind: 'frame',
      frame: { cmd: buf[i + 2] ?? 0, data: buf.slice(i + 3, i + lng - 2) },
      rest: buf.subarray(i + lng),
      skipped,
    }
  }
}

function crcOk(buf: Uint8Array, at: number, lng: number): boolean {
  const got = (buf[at + lng - 2] ?? 0) | ((buf[at + lng - 1] ?? 0) << 8)
  return crc16Kermit(buf, at, at + lng - 2) === got
}

/** Index of the first SYNC at or after `from` that starts a complete frame with a good CRC, or -1. */
function nextCompleteFrame(buf: Uint8Array, from: number): number {
  for (let k = buf.indexOf(SYNC, from); k >= 0; k = buf.indexOf(SYNC, k + 1)) {
    const lng = buf[k + 1] ?? 0
    if (lng >= MIN_FRAME && k + lng <= buf.length && crcOk(buf, k, lng)) return k
  }
  return -1
}

/** One entry of the 0x8A CURRENCY ASSIGN table: `code, country, value, exponent`. */
export interface CurrencyAssignment {
  escrowCode: number
  country: number
  valueFen: number
}

/**
 * JCM country code bytes are firmware-specific [unverified]; we only need a stable byte per ISO
 * code for the simulator and pass the byte through in the driver.
 */
export const CountryCode: Readonly<Record<string, number>> = {
  CNY: 0x8c,
  USD: 0x01,
  EUR: 0x4b,
  JPY: 0x00,
}

/**
 * value × 10^exponent major units. The exponent is read as a signed byte so sub-unit notes
 * (exponent 0xFF = 10^-1) still map to whole fen.
 */
export function encodeCurrencyAssign(entries: readonly CurrencyAssignment[]): Uint8Array {
  const out = new Uint8Array(entries.length * 4)
  entries.forEach((e, n) => {
    let value = e.valueFen
    let exp = -2
    while (value % 10 === 0 && value > 0) {
      value /= 10
      exp++
    }
    if (value > 0xff)
      throw new RangeError(`note of ${e.valueFen} fen does not fit the 0x8A value byte`)
    out.set([e.escrowCode, e.country, value, exp & 0xff], n * 4)
  })
  return out
}

export function decodeCurrencyAssign(data: Uint8Array): CurrencyAssignment[] {
  const out: CurrencyAssignment[] = []
  for (let n = 0; n + 4 <= data.length; n += 4) {
    const escrowCode = data[n] ?? 0
    const country = data[n + 1] ?? 0
    const value = data[n + 2] ?? 0
    const expByte = data[n + 3] ?? 0
    const exp = expByte > 0x7f ? expByte - 0x100 : expByte
    const fen = Math.round(value * 10 ** (exp + 2))
    // 0 / empty slots are how a unit marks unused escrow codes
    if (value === 0 || !Number.isSafeInteger(fen) || fen <= 0) continue
    out.push({ escrowCode, country, valueFen: fen })
  }
  return out
}
