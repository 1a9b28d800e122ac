import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StsError } from './errors.ts'
import type { StsKey } from './key.ts'
import type { DecodedToken, KeyChange, KeyChangeSection, StsToken } from './tokens.ts'
import {
  assembleKeyChange,
  decodeToken,
  encodeKeyChange,
  encodeToken,
  isKeyChangeSection,
} from './tokens.ts'

const DKGA02_EXAMPLE: StsKey = { ea: '07', dk: 0xe653341f9d5bf36fn }
const DKGA04_EXAMPLE: StsKey = { ea: '11', dk: 0xf94b6ed353c3bfdb113e2d3a7ea3c41dn }

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof StsError ? e.code : `not an StsError: ${String(e)}`
  }
  return undefined
}

describe('the worked examples of sts.md §10', () => {
  it('STA, class 0/0, RND 5, TID 5 871 715, 0.1 kWh', () => {
    const t = { class: 0, subclass: 0, rnd: 5, tid: 5_871_715, units: 1 } as const
    expect(encodeToken(DKGA02_EXAMPLE, t)).toBe('23716100501183194197')
    expect(decodeToken(DKGA02_EXAMPLE, '23716100501183194197')).toEqual(t)
  })

  it('STA, the IEC example: RND 11, TID 1 698 595, 25.6 kWh', () => {
    const key: StsKey = { ea: '07', dk: 0x0abc12def3456789n }
    const t = { class: 0, subclass: 0, rnd: 11, tid: 1_698_595, units: 256 } as const
    expect(encodeToken(key, t)).toBe('29054347139309851356')
    expect(decodeToken(key, '29054347139309851356')).toEqual(t)
  })

  it('class 1/0, control all ones, manufacturer 0 (not encrypted: any key)', () => {
    const t = { class: 1, subclass: 0, control: 0xf_ffff_ffffn, mfrCode: 0 } as const
    expect(encodeToken(DKGA02_EXAMPLE, t)).toBe('56493153725450313471')
    expect(encodeToken(DKGA04_EXAMPLE, t)).toBe('56493153725450313471')
    expect(decodeToken(DKGA04_EXAMPLE, '56493153725450313471')).toEqual(t)
  })

  it('MISTY1, class 0/0, RND 5, TID 5 871 660, 0.1 kWh', () => {
    const t = { class: 0, subclass: 0, rnd: 5, tid: 5_871_660, units: 1 } as const
    expect(encodeToken(DKGA04_EXAMPLE, t)).toBe('59386323472137426967')
    expect(decodeToken(DKGA04_EXAMPLE, '59386323472137426967')).toEqual(t)
  })

  it('STA key change to 060b8643c59a27f1 (KT 2, KRN 1, TI 02, KEN 255, RO 0)', () => {
    const change: KeyChange = {
      dk: 0x060b8643c59a27f1n,
      kt: 2,
      krn: 1,
      ti: '02',
      sgc: '123456',
      ken: 255,
      rollover: false,
    }
    const tokens = encodeKeyChange(DKGA02_EXAMPLE, change)
    expect(tokens).toEqual(['51638423060042734509', '15361891762113502242'])
    expect(decodeToken(DKGA02_EXAMPLE, tokens[0]!)).toEqual({
      class: 2,
      subclass: 3,
      kenHo: 15,
      krn: 1,
      rollover: false,
      kt: 2,
      dkPart: 0x060b8643,
    })
    expect(decodeToken(DKGA02_EXAMPLE, tokens[1]!)).toEqual({
      class: 2,
      subclass: 4,
      kenLo: 15,
      ti: '02',
      dkPart: 0xc59a27f1,
    })
  })
})

describe('class 2 management tokens', () => {
  it('encodes power limits with the amount encoding, rounding up', () => {
    const key = DKGA02_EXAMPLE
    const t = encodeToken(key, { class: 2, subclass: 0, rnd: 1, tid: 7, value: 70_000 })
    expect(decodeToken(key, t)).toEqual({ class: 2, subclass: 0, rnd: 1, tid: 7, value: 70_004 })
    const u = encodeToken(key, { class: 2, subclass: 6, rnd: 1, tid: 7, value: 16_383 })
    expect(decodeToken(key, u)).toEqual({ class: 2, subclass: 6, rnd: 1, tid: 7, value: 16_383 })
  })

  it('carries the register, tariff rate and water factor as raw 16-bit fields, and 0 for clear tamper', () => {
    const key = DKGA02_EXAMPLE
    for (const [subclass, value] of [
      [1, 0xffff],
      [2, 12_345],
      [7, 65_535],
      [5, 0],
    ] as const) {
      const t = encodeToken(key, { class: 2, subclass, rnd: 0, tid: 1, value })
      expect(decodeToken(key, t)).toEqual({ class: 2, subclass, rnd: 0, tid: 1, value })
    }
    expect(
      codeOf(() => encodeToken(key, { class: 2, subclass: 5, rnd: 0, tid: 1, value: 1 })),
    ).toBe('ERR_STS_INPUT')
    expect(
      codeOf(() => encodeToken(key, { class: 2, subclass: 1, rnd: 0, tid: 1, value: 0x10000 })),
    ).toBe('ERR_STS_INPUT')
  })
})

describe('input validation', () => {
  const key = DKGA02_EXAMPLE
  it.each([
    ['rnd 16', { class: 0, subclass: 0, rnd: 16, tid: 1, units: 1 }],
    ['negative tid', { class: 0, subclass: 0, rnd: 0, tid: -1, units: 1 }],
    ['tid beyond 24 bits', { class: 0, subclass: 0, rnd: 0, tid: 0x1000000, units: 1 }],
    ['units beyond the maximum', { class: 0, subclass: 0, rnd: 0, tid: 1, units: 18_201_625 }],
    ['fractional units', { class: 0, subclass: 0, rnd: 0, tid: 1, units: 1.5 }],
    ['class 0 subclass 4', { class: 0, subclass: 4, rnd: 0, tid: 1, units: 1 }],
    ['class 2 subclass 3 (a key change)', { class: 2, subclass: 3, rnd: 0, tid: 1, value: 1 }],
    ['class 1/0 control of 37 bits', { class: 1, subclass: 0, control: 1n << 36n, mfrCode: 0 }],
    ['class 1/0 manufacturer 256', { class: 1, subclass: 0, control: 0n, mfrCode: 256 }],
    ['class 1/1 control of 29 bits', { class: 1, subclass: 1, control: 1n << 28n, mfrCode: 0 }],
    ['class 3', { class: 3, subclass: 0 }],
  ])('refuses %s', (_, token) => {
    expect(codeOf(() => encodeToken(key, token as unknown as StsToken))).toBe('ERR_STS_INPUT')
  })

  it('refuses keys that do not fit their algorithm', () => {
    const t = { class: 0, subclass: 0, rnd: 0, tid: 1, units: 1 } as const
    expect(codeOf(() => encodeToken({ ea: '07', dk: 1n << 64n }, t))).toBe('ERR_STS_INPUT')
    expect(codeOf(() => encodeToken({ ea: '12' as '07', dk: 1n }, t))).toBe('ERR_STS_INPUT')
    const change: KeyChange = {
      dk: 1n << 64n,
      kt: 2,
      krn: 1,
      ti: '01',
      sgc: '123456',
      ken: 255,
      rollover: false,
    }
    expect(codeOf(() => encodeKeyChange(key, change))).toBe('ERR_STS_INPUT')
    expect(codeOf(() => encodeKeyChange(key, { ...change, dk: 1n, krn: 10 }))).toBe('ERR_STS_INPUT')
    expect(codeOf(() => encodeKeyChange(key, { ...change, dk: 1n, ti: '1' }))).toBe('ERR_STS_INPUT')
  })

  it('decodes only 20 digits below 2^66', () => {
    expect(codeOf(() => decodeToken(key, '2371610050118319419'))).toBe('ERR_STS_INPUT')
    expect(codeOf(() => decodeToken(key, '99999999999999999999'))).toBe('ERR_STS_INPUT')
    expect(decodeToken(key, '2371 6100 5011 8319 4197')).toMatchObject({ tid: 5_871_715 })
  })

  it('answers ERR_STS_CRC for another meter’s token', () => {
    expect(
      codeOf(() => decodeToken({ ea: '07', dk: 0x0abc12def3456789n }, '23716100501183194197')),
    ).toBe('ERR_STS_CRC')
    expect(codeOf(() => decodeToken(DKGA04_EXAMPLE, '23716100501183194197'))).toBe('ERR_STS_CRC')
  })
})

// Arbitraries for the round trips.
const staKey = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((dk): StsKey => ({ ea: '07', dk }))
const mistyKey = fc
  .bigInt({ min: 0n, max: (1n << 128n) - 1n })
  .map((dk): StsKey => ({ ea: '11', dk }))
const anyKey = fc.oneof(staKey, mistyKey)
const rnd = fc.integer({ min: 0, max: 15 })
const tid = fc.integer({ min: 0, max: 0xffffff })
const field16 = fc.integer({ min: 0, max: 0xffff })
// Amounts the encoding carries exactly (anything else decodes to the rounded-up value).
const exactAmount = field16.map((f) =>
  f >>> 14 === 0
    ? f & 0x3fff
    : [0, 16_384, 180_224, 1_818_624][f >>> 14]! + (f & 0x3fff) * 10 ** (f >>> 14),
)

const creditToken = fc.record({
  class: fc.constant(0 as const),
  subclass: fc.constantFrom(0, 1, 2, 3 as const),
  rnd,
  tid,
  units: exactAmount,
})
const managementToken = fc.oneof(
  fc.record({
    class: fc.constant(2 as const),
    subclass: fc.constantFrom(0, 6 as const),
    rnd,
    tid,
    value: exactAmount,
  }),
  fc.record({
    class: fc.constant(2 as const),
    subclass: fc.constantFrom(1, 2, 7 as const),
    rnd,
    tid,
    value: field16,
  }),
  fc.record({
    class: fc.constant(2 as const),
    subclass: fc.constant(5 as const),
    rnd,
    tid,
    value: fc.constant(0),
  }),
)
const testToken = fc.oneof(
  fc.record({
    class: fc.constant(1 as const),
    subclass: fc.constant(0 as const),
    control: fc.bigInt({ min: 0n, max: (1n << 36n) - 1n }),
    mfrCode: fc.integer({ min: 0, max: 0xff }),
  }),
  fc.record({
    class: fc.constant(1 as const),
    subclass: fc.constant(1 as const),
    control: fc.bigInt({ min: 0n, max: (1n << 28n) - 1n }),
    mfrCode: field16,
  }),
)
const anyToken: fc.Arbitrary<StsToken> = fc.oneof(creditToken, managementToken, testToken)

const keyChangeFor = (key: StsKey): fc.Arbitrary<KeyChange> =>
  fc.record({
    dk: fc.bigInt({ min: 0n, max: (1n << (key.ea === '07' ? 64n : 128n)) - 1n }),
    kt: fc.integer({ min: 0, max: 3 }),
    krn: fc.integer({ min: 1, max: 9 }),
    ti: fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0')),
    sgc: fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0')),
    ken: fc.integer({ min: 0, max: 255 }),
    rollover: fc.boolean(),
  })

describe('round trips: decode(encode(x)) = x', () => {
  it('for every class 0, 1 and 2 token under random STA and MISTY1 keys', () => {
    fc.assert(
      fc.property(anyKey, anyToken, (key, token) => {
        const digits = encodeToken(key, token)
        expect(digits).toMatch(/^\d{20}$/)
        expect(decodeToken(key, digits)).toEqual(token)
      }),
      { numRuns: 3000 },
    )
  })

  it('for key changes: the sections decode and reassemble into the change', () => {
    fc.assert(
      fc.property(
        anyKey.chain((key) => fc.tuple(fc.constant(key), keyChangeFor(key))),
        ([key, change]) => {
          const tokens = encodeKeyChange(key, change)
          expect(tokens).toHaveLength(key.ea === '07' ? 2 : 4)
          const sections = tokens.map((t) => decodeToken(key, t))
          expect(sections.map((s) => s.subclass)).toEqual(key.ea === '07' ? [3, 4] : [3, 4, 8, 9])
          expect(sections.every(isKeyChangeSection)).toBe(true)
          // Any order: reverse them before reassembly.
          const back = assembleKeyChange(key.ea, (sections as KeyChangeSection[]).reverse())
          expect(back).toEqual({ ...change, sgc: key.ea === '07' ? null : change.sgc })
        },
      ),
      { numRuns: 1000 },
    )
  })
})

describe('error detection', () => {
  it('rejects single-digit changes at the rate a 16-bit CRC promises', () => {
    // Every class, random keys; change one digit to another. A change slips through only if the
    // decrypted block happens to carry a matching CRC: about 1 in 65 536.
    const runs = 30_000
    let slipped = 0
    let crc = 0
    let input = 0
    fc.assert(
      fc.property(
        anyKey,
        anyToken,
        fc.integer({ min: 0, max: 19 }),
        fc.integer({ min: 1, max: 9 }),
        (key, token, pos, delta) => {
          const digits = encodeToken(key, token)
          const d = (Number(digits[pos]) + delta) % 10
          const changed = digits.slice(0, pos) + String(d) + digits.slice(pos + 1)
          let decoded: DecodedToken | undefined
          try {
            decoded = decodeToken(key, changed)
          } catch (e) {
            if (!(e instanceof StsError)) throw e
            if (e.code === 'ERR_STS_CRC') crc++
            else input++ // ≥ 2^66, or a CRC-valid block of an unknown type
          }
          if (decoded !== undefined) slipped++
        },
      ),
      { numRuns: runs, seed: 62055 },
    )
    // Expected slips: 30 000 / 65 536 ≈ 0.46; five or more has probability < 0.1 %.
    expect(slipped).toBeLessThanOrEqual(4)
    expect(crc + input + slipped).toBe(runs)
    expect(crc).toBeGreaterThan(runs * 0.7)
  })
})
