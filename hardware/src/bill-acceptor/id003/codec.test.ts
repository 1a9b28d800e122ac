import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../support.ts'
import {
  Cmd,
  crc16Kermit,
  decode,
  decodeCurrencyAssign,
  encode,
  encodeCurrencyAssign,
  frame,
  Status,
  type Id003Decoded,
} from './codec.ts'

/** Decode everything in `buf` the way the driver does (loop until incomplete). */
function decodeAll(buf: Uint8Array): {
  frames: string[]
  bad: number
  skipped: number
  rest: Uint8Array
} {
  const frames: string[] = []
  let bad = 0
  let skipped = 0
  let r: Id003Decoded
  for (;;) {
    r = decode(buf)
    skipped += r.skipped
    buf = r.rest
    if (r.kind === 'incomplete') break
    if (r.kind === 'badChecksum') bad++
    else frames.push(toHex(encode(r.frame)))
  }
  return { frames, bad, skipped, rest: buf }
}

describe('ID-003 codec (kiosk-hardware.md §2.1)', () => {
  it('CRC-16/KERMIT check value', () => {
    expect(crc16Kermit(new TextEncoder().encode('123456789'))).toBe(0x2189)
  })

  it.each([
    ['STATUS REQUEST', Cmd.STATUS_REQUEST, [], 'FC 05 11 27 56'],
    ['RESET', Cmd.RESET, [], 'FC 05 40 2B 15'],
    ['STACK-1', Cmd.STACK_1, [], 'FC 05 41 A2 04'],
    ['STACK-2', Cmd.STACK_2, [], 'FC 05 42 39 36'],
    ['RETURN', Cmd.RETURN, [], 'FC 05 43 B0 27'],
    ['HOLD', Cmd.HOLD, [], 'FC 05 44 0F 53'],
    ['ACK', Cmd.ACK, [], 'FC 05 50 AA 05'],
    ['SET ENABLE/INHIBIT DENOMS all', Cmd.SET_DENOMINATION, [0, 0], 'FC 07 C0 00 00 2D B5'],
    ['SET COMMUNICATION MODE interrupt', Cmd.SET_COMMUNICATION_MODE, [1], 'FC 06 C2 01 55 DE'],
    ['SET INHIBIT accept', Cmd.SET_INHIBIT, [0], 'FC 06 C3 00 04 D6'],
    ['SET INHIBIT inhibit', Cmd.SET_INHIBIT, [1], 'FC 06 C3 01 8D C7'],
  ])('encodes %s exactly', (_name, cmd, data, hex) => {
    expect(toHex(frame(cmd, ...data))).toBe(hex)
    const r = decode(fromHex(hex))
    expect(r.kind).toBe('frame')
    if (r.kind === 'frame') {
      expect(r.frame.cmd).toBe(cmd)
      expect([...r.frame.data]).toEqual(data)
      expect(r.rest.length).toBe(0)
    }
  })

  it('decodes frames run together and keeps the partial tail', () => {
    const escrow = frame(Status.ESCROW, 0x63)
    const stream = new Uint8Array([
      ...fromHex('FC 05 11 27 56'),
      ...escrow,
      ...fromHex('FC 06 C3 01 8D C7 FC 05 50'),
    ])
    const r = decodeAll(stream)
    expect(r.frames).toEqual(['FC 05 11 27 56', toHex(escrow), 'FC 06 C3 01 8D C7'])
    expect(toHex(r.rest)).toBe('FC 05 50')
  })

  it('reassembles a frame split across every possible chunk boundary', () => {
    const whole = frame(Status.ESCROW, 0x65)
    for (let cut = 1; cut < whole.length; cut++) {
      const first = decode(whole.subarray(0, cut))
      expect(first.kind).toBe('incomplete')
      const joined = new Uint8Array([...first.rest, ...whole.subarray(cut)])
      const second = decode(joined)
      expect(second.kind).toBe('frame')
    }
  })

  it('reports a bad checksum and resynchronises on the next SYNC', () => {
    const bad = fromHex('FC 05 11 27 57')
    const good = frame(Status.ENABLE)
    const r = decodeAll(new Uint8Array([...bad, ...good]))
    expect(r.bad).toBe(1)
    expect(r.frames).toEqual([toHex(good)])
  })

  it('skips garbage and impossible lengths before a frame', () => {
    const good = frame(Status.DISABLE)
    const r = decodeAll(new Uint8Array([0x00, 0x13, 0xfc, 0x02, 0xfc, 0x01, 0x99, ...good]))
    expect(r.frames).toEqual([toHex(good)])
    expect(r.skipped).toBe(7)
  })

  it('a corrupted length never swallows the frame behind it for good', () => {
    const good = frame(Status.ENABLE)
    // LNG claims 9 bytes: CRC fails once enough bytes arrive, then the real frame is found
    const r = decodeAll(new Uint8Array([0xfc, 0x09, 0x11, ...good, 0x00, 0x00]))
    expect(r.frames).toContain(toHex(good))
  })

  it('round-trips the 0x8A currency assignment table', () => {
    const table = [100, 500, 1000, 2000, 5000, 10000, 50].map((valueFen, i) => ({
      escrowCode: 0x61 + i,
      country: 0x8c,
      valueFen,
    }))
    const data = encodeCurrencyAssign(table)
    expect(toHex(data.subarray(0, 8))).toBe('61 8C 01 00 62 8C 05 00') // 1×10^0 and 5×10^0 yuan
    expect(toHex(data.subarray(20, 24))).toBe('66 8C 01 02') // 100 yuan = 1×10^2
    expect(toHex(data.subarray(24, 28))).toBe('67 8C 05 FF') // 0.5 yuan = 5×10^-1
    expect(decodeCurrencyAssign(data)).toEqual(table)
    // empty slots (value 0) are skipped
    expect(decodeCurrencyAssign(fromHex('68 00 00 00'))).toEqual([])
  })
})
