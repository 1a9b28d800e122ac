import { describe, expect, it } from 'vitest'
import {
  CARD_REPORT_LENGTH,
  WedgeDecoder,
  decodeReport,
  encodeCardReport,
  encodeReport,
  encodeWedgeKeystrokes,
  type CardData,
} from './codec.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (h: string): Uint8Array => {
  const out = new Uint8Array(CARD_REPORT_LENGTH)
  out.set(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
  return out
}

const resident: CardData = { uid: '04A1B2C3', cardNo: '1000000001', cardKind: 'resident' }
const cashier: CardData = {
  uid: '04FF0011223344',
  cardNo: '9000000001',
  cardKind: 'staff',
  staffRole: 'cashier',
}

/** A report with a correct checksum around an arbitrary CARD_READ payload. */
const withPayload = (payload: number[]): Uint8Array => encodeReport(0x10, Uint8Array.from(payload))

describe('raw report codec', () => {
  it('encodes a resident card byte for byte', () => {
    const report = encodeCardReport(resident)
    expect(report).toHaveLength(64)
    expect(hex(report.subarray(0, 22))).toBe(
      '011012' + '0404a1b2c3' + '0100' + '0a31303030303030303031' + 'd9',
    )
    expect(report.subarray(22).every((b) => b === 0)).toBe(true)
  })

  it('encodes a staff card with its role', () => {
    const report = encodeCardReport(cashier)
    // 7-byte UID, kind 02, role 02 (cashier)
    expect(hex(report.subarray(0, 14))).toBe('011015' + '0704ff0011223344' + '0202' + '0a')
  })

  it('decodes exact hex', () => {
    expect(decodeReport(fromHex('011012 0404a1b2c3 0100 0a31303030303030303031 d9'))).toEqual({
      ok: true,
      card: resident,
    })
  })

  it('round-trips every kind and role, with 4, 7 and 10 byte UIDs', () => {
    const cards: CardData[] = [
      resident,
      cashier,
      { uid: '04FF0011223344', cardNo: '1', cardKind: 'staff', staffRole: 'field' },
      {
        uid: '0102030405060708090A',
        cardNo: '12345678901234567890',
        cardKind: 'staff',
        staffRole: 'admin',
      },
    ]
    for (const card of cards)
      expect(decodeReport(encodeCardReport(card))).toEqual({ ok: true, card })
  })

  it('refuses to encode an invalid card', () => {
    expect(() => encodeCardReport({ ...resident, uid: '04a1b2c3' })).toThrow(RangeError)
    expect(() => encodeCardReport({ ...resident, uid: '04A1B2' })).toThrow(/4, 7 or 10/)
    expect(() => encodeCardReport({ ...resident, cardNo: '12AB' })).toThrow(/digits/)
    expect(() => encodeCardReport({ ...resident, cardKind: 'staff' })).toThrow(/without a role/)
    expect(() => encodeCardReport({ ...resident, staffRole: 'admin' })).toThrow(
      /resident card with a staff role/,
    )
  })

  const good = encodeCardReport(resident)
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /short report: 0 of 64/],
    ['short', good.subarray(0, 22), /short report: 22 of 64/],
    ['oversize', Uint8Array.from([...good, 0]), /oversize report: 65 of 64/],
    [
      'wrong report id',
      Uint8Array.from(good, (b, i) => (i === 0 ? 0x02 : b)),
      /unexpected report id 0x02/,
    ],
    ['bad checksum', Uint8Array.from(good, (b, i) => (i === 21 ? b ^ 1 : b)), /bad checksum/],
    ['changed payload', Uint8Array.from(good, (b, i) => (i === 12 ? 0x39 : b)), /bad checksum/],
    ['length over 60', Uint8Array.from(good, (b, i) => (i === 2 ? 61 : b)), /exceeds 60/],
    ['unknown type', encodeReport(0x20, Uint8Array.of(1, 2, 3)), /unknown report type 0x20/],
    ['empty payload', withPayload([]), /bad uid length missing/],
    ['bad uid length', withPayload([5, 1, 2, 3, 4, 5, 1, 0, 1, 0x31]), /bad uid length 5/],
    ['truncated', withPayload([4, 1, 2, 3, 4, 1]), /truncated/],
    ['unknown kind', withPayload([4, 1, 2, 3, 4, 9, 0, 1, 0x31]), /unknown card kind 0x09/],
    ['unknown role', withPayload([4, 1, 2, 3, 4, 2, 7, 1, 0x31]), /unknown staff role 0x07/],
    [
      'resident with role',
      withPayload([4, 1, 2, 3, 4, 1, 1, 1, 0x31]),
      /resident card with a staff role/,
    ],
    [
      'staff without role',
      withPayload([4, 1, 2, 3, 4, 2, 0, 1, 0x31]),
      /staff card without a role/,
    ],
    ['zero-length card no', withPayload([4, 1, 2, 3, 4, 1, 0, 0]), /bad card number length 0/],
    [
      'card no too long',
      withPayload([4, 1, 2, 3, 4, 1, 0, 21, ...Array<number>(21).fill(0x31)]),
      /bad card number length 21/,
    ],
    ['length mismatch', withPayload([4, 1, 2, 3, 4, 1, 0, 1, 0x31, 0x31]), /length mismatch/],
    ['non-digit card no', withPayload([4, 1, 2, 3, 4, 1, 0, 2, 0x31, 0x41]), /not all digits/],
  ]
  for (const [name, report, reason] of cases) {
    it(`rejects ${name} with a reason`, () => {
      const r = decodeReport(report)
      expect(r.ok).toBe(false)
      expect(!r.ok && r.reason).toMatch(reason)
    })
  }

  it('ignores the padding', () => {
    const r = Uint8Array.from(good)
    r[63] = 0xff
    expect(decodeReport(r)).toEqual({ ok: true, card: resident })
  })
})

describe('keyboard wedge', () => {
  const press = (usage: number, mod = 0): Uint8Array => Uint8Array.of(mod, 0, usage, 0, 0, 0, 0, 0)
  const release = new Uint8Array(8)

  it('encodes keystrokes as press/release pairs ending in Enter', () => {
    const reports = encodeWedgeKeystrokes('10')
    expect(reports.map(hex)).toEqual([
      '00001e0000000000',
      '0000000000000000',
      '0000270000000000',
      '0000000000000000',
      '0000280000000000',
      '0000000000000000',
    ])
  })

  it('decodes digits and Enter into a line', () => {
    const d = new WedgeDecoder()
    const out = encodeWedgeKeystrokes('1234567890').flatMap((r, i) => d.push(r, i))
    expect(out).toEqual([{ type: 'line', text: '1234567890' }])
  })

  it('decodes keypad digits and keypad Enter', () => {
    const d = new WedgeDecoder()
    const out = [press(0x59), release, press(0x62), release, press(0x58)].flatMap((r) =>
      d.push(r, 0),
    )
    expect(out).toEqual([{ type: 'line', text: '10' }])
  })

  it('counts a held key once, and a key pressed again in the next report', () => {
    const d = new WedgeDecoder()
    const out = [
      press(0x1e),
      press(0x1e),
      Uint8Array.of(0, 0, 0x1e, 0x1f, 0, 0, 0, 0),
      release,
      press(0x1e),
      press(0x28),
    ].flatMap((r) => d.push(r, 0))
    expect(out).toEqual([{ type: 'line', text: '121' }])
  })

  it('reads Shift + letter as upper case', () => {
    const d = new WedgeDecoder()
    expect(encodeWedgeKeystrokes('Ab1').flatMap((r) => d.push(r, 0))).toEqual([
      { type: 'line', text: 'Ab1' },
    ])
  })

  it('ignores Enter on its own and rollover reports', () => {
    const d = new WedgeDecoder()
    expect(d.push(press(0x28), 0)).toEqual([])
    expect(d.push(Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1), 0)).toEqual([])
  })

  it('reports an unexpected key and drops the partial line', () => {
    const d = new WedgeDecoder()
    d.push(press(0x1e), 0)
    expect(d.push(press(0x3e), 0)).toEqual([{ type: 'bad', reason: 'unexpected key usage 0x3e' }])
    expect([release, press(0x1f), press(0x28)].flatMap((r) => d.push(r, 0))).toEqual([
      { type: 'line', text: '2' },
    ])
  })

  it('reports a wrong-size report', () => {
    expect(new WedgeDecoder().push(new Uint8Array(9), 0)).toEqual([
      { type: 'bad', reason: 'keyboard report of 9 bytes, expected 8' },
    ])
  })

  it('drops a half-typed number after a pause', () => {
    const d = new WedgeDecoder({ interKeyTimeoutMs: 500 })
    d.push(press(0x1e), 0)
    d.push(release, 10)
    expect([press(0x1f), release, press(0x28)].flatMap((r) => d.push(r, 2000))).toEqual([
      { type: 'line', text: '2' },
    ])
  })

  it('drops an over-long line up to Enter', () => {
    const d = new WedgeDecoder({ maxLength: 4 })
    const out = encodeWedgeKeystrokes('123456').flatMap((r) => d.push(r, 0))
    expect(out).toEqual([{ type: 'bad', reason: 'typed input longer than 4 characters' }])
    expect(encodeWedgeKeystrokes('12').flatMap((r) => d.push(r, 0))).toEqual([
      { type: 'line', text: '12' },
    ])
  })
})
