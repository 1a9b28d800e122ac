import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AMOUNT_MAX, decodeAmount, encodeAmount } from './amount.ts'

const field = (e: number, m: number): number => (e << 14) | m

describe('amount encoding (sts.md §4)', () => {
  it.each([
    [0, field(0, 0), 0],
    [1, field(0, 1), 1],
    [16_383, field(0, 16_383), 16_383],
    [16_384, field(1, 0), 16_384],
    [16_385, field(1, 1), 16_394],
    [163_830, 0x7999, 163_834], // e=1, m=14 745: the spec's round-up example
    [180_214, field(1, 16_383), 180_214],
    [180_215, field(2, 0), 180_224], // between two ranges: up to the next base
    [180_224, field(2, 0), 180_224],
    [1_818_524, field(2, 16_383), 1_818_524],
    [1_818_525, field(3, 0), 1_818_624],
    [1_818_624, field(3, 0), 1_818_624],
    [18_201_620, 0xffff, AMOUNT_MAX],
    [AMOUNT_MAX, 0xffff, 18_201_624],
  ])('%i → field %i, credits %i', (units, f, credited) => {
    expect(encodeAmount(units)).toBe(f)
    expect(decodeAmount(f)).toBe(credited)
  })

  it('refuses what a token cannot carry', () => {
    for (const bad of [-1, 0.5, AMOUNT_MAX + 1, Number.NaN])
      expect(() => encodeAmount(bad)).toThrow(/amount/)
    expect(() => decodeAmount(0x10000)).toThrow()
  })

  it('is exact on every field: encode(decode(f)) = f for all 65 536 fields', () => {
    for (let f = 0; f <= 0xffff; f++) {
      if (encodeAmount(decodeAmount(f)) !== f) throw new Error(`field ${f}`)
    }
  })

  it('always rounds up, by less than one step of the chosen range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: AMOUNT_MAX }), (units) => {
        const f = encodeAmount(units)
        const credited = decodeAmount(f)
        const step = 10 ** (f >>> 14)
        expect(credited).toBeGreaterThanOrEqual(units)
        // Below a range's base the next base is the smallest value ≥ units.
        expect(credited - units < step || (f & 0x3fff) === 0).toBe(true)
      }),
    )
  })
})
