import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../support.ts'
import {
  channelValuesMinor,
  Cmd,
  crc16Ssp,
  decode,
  encode,
  encodeEvents,
  encodeSetup,
  Event,
  packet,
  parseChannelValues,
  parseEvents,
  parseSetup,
  type SspDecoded,
  type SspPacket,
} from './codec.ts'

function decodeAll(buf: Uint8Array): { frames: SspPacket[]; bad: number; rest: Uint8Array } {
  const frames: SspPacket[] = []
  let bad = 0
  let r: SspDecoded
  for (;;) {
    r = decode(buf)
    buf = r.rest
    if (r.kind === 'incomplete') break
    if (r.kind === 'badChecksum') bad++
    else frames.push(r.frame)
  }
  return { frames, bad, rest: buf }
}

describe('SSP codec (kiosk-hardware.md §2.3)', () => {
  it('CRC-16 poly 0x8005 seed 0xFFFF, not reflected (CRC-16/CMS check value)', () => {
    expect(crc16Ssp(new TextEncoder().encode('123456789'))).toBe(0xaee7)
  })

  it('encodes SYNC and POLL exactly', () => {
    expect(toHex(packet(1, Cmd.SYNC))).toBe('7F 80 01 11 65 82')
    expect(toHex(packet(0, Cmd.POLL))).toBe('7F 00 01 07 11 88')
    const r = decode(fromHex('7F 80 01 11 65 82'))
    expect(r.kind).toBe('frame')
    if (r.kind === 'frame')
      expect(r.frame).toEqual({ seq: 1, address: 0, data: Uint8Array.of(0x11) })
  })

  it('byte-stuffs 0x7F in data and in the CRC, and de-stuffs it', () => {
    const data = Uint8Array.of(0xf0, 0x7f, 0x01, 0x7f, 0x7f)
    const bytes = encode({ seq: 1, address: 0, data })
    expect(toHex(bytes)).toContain('F0 7F 7F 01 7F 7F 7F 7F')
    const r = decode(bytes)
    expect(r.kind === 'frame' && [...r.frame.data]).toEqual([...data])
    // find a payload whose CRC itself contains 0x7F
    let found = false
    for (let v = 0; v < 0x10000 && !found; v++) {
      const d = Uint8Array.of(0xf0, v & 0xff, v >> 8)
      const body = Uint8Array.of(0x80, 3, ...d)
      const crc = crc16Ssp(body)
      if ((crc & 0xff) !== 0x7f && crc >> 8 !== 0x7f) continue
      found = true
      const enc = encode({ seq: 1, address: 0, data: d })
      expect(enc.length).toBeGreaterThan(1 + body.length + 2)
      const back = decode(enc)
      expect(back.kind === 'frame' && [...back.frame.data]).toEqual([...d])
    }
    expect(found).toBe(true)
  })

  it('reassembles a stuffed packet split at every boundary', () => {
    const whole = encode({ seq: 0, address: 0, data: Uint8Array.of(0xf0, 0x7f, 0xee, 0x03) })
    for (let cut = 1; cut < whole.length; cut++) {
      const first = decode(whole.subarray(0, cut))
      expect(first.kind).toBe('incomplete')
      const r = decode(new Uint8Array([...first.rest, ...whole.subarray(cut)]))
      expect(r.kind).toBe('frame')
    }
  })

  it('packets run together; a bad CRC and a cut-off packet resync on the next STX', () => {
    const a = packet(0, 0xf0, 0xe8)
    const b = packet(1, 0xf0)
    const corrupt = Uint8Array.from(packet(0, 0xf0, 0xee, 0x02))
    corrupt[4] = (corrupt[4] ?? 0) ^ 0x01
    const cut = packet(1, 0xf0, 0xcc).subarray(0, 4)
    const r = decodeAll(
      new Uint8Array([0x00, 0x42, ...a, ...corrupt, ...cut, ...b, 0x7f, 0x7f, 0x11, ...a, 0x7f]),
    )
    expect(r.frames.map((f) => toHex(encode(f)))).toEqual([toHex(a), toHex(b), toHex(a)])
    expect(r.bad).toBe(2)
    expect(toHex(r.rest)).toBe('7F')
  })

  it('parses poll events, with and without channels, and stops at an unknown code', () => {
    const bytes = encodeEvents([
      { code: Event.SLAVE_RESET },
      { code: Event.READ_NOTE, channel: 3 },
      { code: Event.CREDIT_NOTE, channel: 3 },
      { code: Event.STACKED },
      { code: Event.DISABLED },
    ])
    expect(toHex(Uint8Array.from(bytes))).toBe('F1 EF 03 EE 03 EB E8')
    expect(parseEvents(Uint8Array.from(bytes)).events).toEqual([
      { code: 0xf1 },
      { code: 0xef, channel: 3 },
      { code: 0xee, channel: 3 },
      { code: 0xeb },
      { code: 0xe8 },
    ])
    expect(parseEvents(fromHex('E8 99 EE 01'))).toEqual({ events: [{ code: 0xe8 }], unknown: 0x99 })
    expect(parseEvents(fromHex('EE'))).toEqual({ events: [], unknown: 0xee })
  })

  it('round-trips SETUP REQUEST (protocol 6, expanded table) and CHANNEL VALUE REQUEST', () => {
    const setup = {
      unitType: 0,
      firmware: '0100',
      country: 'CNY',
      valueMultiplier: 1,
      channelValues: [1, 5, 10, 20, 50, 100],
      channelSecurity: [2, 2, 2, 2, 2, 2],
      realValueMultiplier: 100,
      protocolVersion: 6,
      channelCountries: ['CNY', 'CNY', 'CNY', 'CNY', 'CNY', 'CNY'],
      expandedValues: [1, 5, 10, 20, 50, 100],
    }
    const bytes = Uint8Array.from(encodeSetup(setup))
    expect(bytes.length).toBe(16 + 9 * 6)
    expect(toHex(bytes.subarray(0, 12))).toBe('00 30 31 30 30 43 4E 59 00 00 01 06')
    const parsed = parseSetup(bytes)
    expect(parsed).toEqual(setup)
    expect(channelValuesMinor(parsed!)).toEqual([100, 500, 1000, 2000, 5000, 10000])
    expect(parseSetup(bytes.subarray(0, 10))).toBeUndefined()
    const cv = parseChannelValues(fromHex('02 01 05 43 4E 59 43 4E 59 01 00 00 00 05 00 00 00'))
    expect(cv).toEqual({ values: [1, 5], countries: ['CNY', 'CNY'], expanded: [1, 5] })
  })
})
