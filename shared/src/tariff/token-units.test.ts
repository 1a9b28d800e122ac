import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AMOUNT_MAX, decodeAmount, encodeAmount } from '../sts/amount.ts'
import { isExactTokenUnits, TOKEN_UNITS_MAX, tokenUnitsAtMost } from './token-units.ts'

describe('token units', () => {
  it('keeps every amount up to 16 383 and steps down above it (sts.md §4)', () => {
    expect(tokenUnitsAtMost(16_383)).toBe(16_383)
    expect(tokenUnitsAtMost(16_393)).toBe(16_384)
    expect(tokenUnitsAtMost(180_223)).toBe(180_214)
    expect(tokenUnitsAtMost(180_323)).toBe(180_224)
    expect(tokenUnitsAtMost(1_819_623)).toBe(1_818_624)
    expect(tokenUnitsAtMost(99_999_999)).toBe(TOKEN_UNITS_MAX)
  })

  it('agrees with the STS codec: exactly the amounts that survive encoding', () => {
    expect(TOKEN_UNITS_MAX).toBe(AMOUNT_MAX)
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: AMOUNT_MAX })),
        (units) => {
          expect(isExactTokenUnits(units)).toBe(decodeAmount(encodeAmount(units)) === units)
          const kept = tokenUnitsAtMost(units)
          expect(kept).toBeLessThanOrEqual(units)
          expect(decodeAmount(encodeAmount(kept))).toBe(kept)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
