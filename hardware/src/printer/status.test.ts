import { describe, expect, it } from 'vitest'
import {
  decodeErrorCauseBits,
  decodeOfflineCauseBits,
  decodePaperBits,
  decodePrinterBits,
  decodeStatus,
  encodePaperSensor,
  encodeStatus,
  isPaperSensorByte,
  isRealtimeStatusByte,
  statusQuery,
  type PrinterStatus,
} from './status.ts'

describe('DLE EOT status', () => {
  it('queries are 10 04 n', () => {
    expect([...statusQuery(1)]).toEqual([0x10, 0x04, 0x01])
    expect([...statusQuery(4)]).toEqual([0x10, 0x04, 0x04])
  })

  it('recognises status bytes by their fixed bits', () => {
    expect(isRealtimeStatusByte(0x12)).toBe(true)
    expect(isRealtimeStatusByte(0x16)).toBe(true)
    expect(isRealtimeStatusByte(0x7e)).toBe(true)
    expect(isRealtimeStatusByte(0x92)).toBe(false) // bit 7 set
    expect(isRealtimeStatusByte(0x10)).toBe(false) // bit 1 clear
    expect(isRealtimeStatusByte(0x02)).toBe(false) // bit 4 clear
    expect(isPaperSensorByte(0x00)).toBe(true)
    expect(isPaperSensorByte(0x0f)).toBe(true)
    expect(isPaperSensorByte(0x12)).toBe(false)
  })

  it('n = 1 printer: drawer b2, offline b3, waiting b5, feed button b6', () => {
    expect(decodePrinterBits(0x12)).toEqual({
      drawerPinHigh: false,
      offline: false,
      waitingForRecovery: false,
      feedButtonPressed: false,
    })
    expect(decodePrinterBits(0x16).drawerPinHigh).toBe(true)
    expect(decodePrinterBits(0x1a).offline).toBe(true)
    expect(decodePrinterBits(0x32).waitingForRecovery).toBe(true)
    expect(decodePrinterBits(0x52).feedButtonPressed).toBe(true)
  })

  it('n = 2 offline cause: cover b2, feeding b3, paper end b5, error b6', () => {
    expect(decodeOfflineCauseBits(0x12)).toEqual({
      coverOpen: false,
      feedingByButton: false,
      stoppedByPaperEnd: false,
      error: false,
    })
    expect(decodeOfflineCauseBits(0x16).coverOpen).toBe(true)
    expect(decodeOfflineCauseBits(0x1a).feedingByButton).toBe(true)
    expect(decodeOfflineCauseBits(0x32).stoppedByPaperEnd).toBe(true)
    expect(decodeOfflineCauseBits(0x52).error).toBe(true)
  })

  it('n = 3 error cause: recoverable b2, cutter b3, unrecoverable b5, auto-recoverable b6', () => {
    expect(decodeErrorCauseBits(0x12)).toEqual({
      recoverable: false,
      cutterError: false,
      unrecoverable: false,
      autoRecoverable: false,
    })
    expect(decodeErrorCauseBits(0x16).recoverable).toBe(true)
    expect(decodeErrorCauseBits(0x1a).cutterError).toBe(true)
    expect(decodeErrorCauseBits(0x32).unrecoverable).toBe(true)
    expect(decodeErrorCauseBits(0x52).autoRecoverable).toBe(true)
  })

  it('n = 4 paper: near end b2+b3, out b5+b6 (either bit counts)', () => {
    expect(decodePaperBits(0x12)).toEqual({ nearEnd: false, paperOut: false })
    expect(decodePaperBits(0x1e)).toEqual({ nearEnd: true, paperOut: false })
    expect(decodePaperBits(0x16).nearEnd).toBe(true)
    expect(decodePaperBits(0x1a).nearEnd).toBe(true)
    expect(decodePaperBits(0x72)).toEqual({ nearEnd: false, paperOut: true })
    expect(decodePaperBits(0x32).paperOut).toBe(true)
  })

  it('combines the four answers', () => {
    expect(
      decodeStatus({ printer: 0x12, offlineCause: 0x12, errorCause: 0x12, paper: 0x12 }),
    ).toEqual({
      online: true,
      coverOpen: false,
      paperNearEnd: false,
      paperOut: false,
      cutterError: false,
    })
    // offline because the paper ran out: the offline-cause byte alone says so
    expect(
      decodeStatus({ printer: 0x1a, offlineCause: 0x32, errorCause: 0x12, paper: 0x12 }).paperOut,
    ).toBe(true)
  })

  it('encodeStatus round-trips through decodeStatus', () => {
    const cases: PrinterStatus[] = [
      { online: true, coverOpen: false, paperNearEnd: false, paperOut: false, cutterError: false },
      { online: true, coverOpen: false, paperNearEnd: true, paperOut: false, cutterError: false },
      { online: false, coverOpen: true, paperNearEnd: false, paperOut: false, cutterError: false },
      { online: false, coverOpen: false, paperNearEnd: true, paperOut: true, cutterError: false },
      { online: false, coverOpen: false, paperNearEnd: false, paperOut: false, cutterError: true },
    ]
    for (const s of cases) {
      const raw = encodeStatus(s)
      for (const b of [raw.printer, raw.offlineCause, raw.errorCause, raw.paper])
        expect(isRealtimeStatusByte(b)).toBe(true)
      expect(decodeStatus(raw)).toEqual(s)
    }
    expect(encodePaperSensor({ paperNearEnd: false, paperOut: false })).toBe(0)
    expect(encodePaperSensor({ paperNearEnd: true, paperOut: false })).toBe(0x03)
    expect(encodePaperSensor({ paperNearEnd: true, paperOut: true })).toBe(0x0f)
  })
})
