import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AMOUNT_MAX, decodeAmount, encodeAmount } from '@gridtill/shared'
import { breakdownBalances, computeFlatVend, largestExactTokenUnits, unitsForMoney } from './compute.ts'

const DEMO = { priceFenPerKwh: 60, minVendFen: 1000, maxVendFen: 200_000 }

describe('flat tariff vend computation', () => {
  it('buys whole 0.1 kWh units and carries the rest in the wallet', () => {
    const r = computeFlatVend(DEMO, 7000, 0)
    expect(r).toEqual({
      ok: true,
      units01: 1166,
      energyWh: 116_600,
      breakdown: { energyFen: 6996, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 4 },
    })
    // The 4 fen come back next time: 10 yuan + 4 fen buys 16.7 kWh, not 16.6.
    expect(computeFlatVend(DEMO, 1000, 4)).toMatchObject({ units01: 167, breakdown: { energyFen: 1002, walletUsedFen: 4, carriedOverFen: 2 } })
  })

  it('refuses amounts outside the tariff limits', () => {
    expect(computeFlatVend(DEMO, 999, 0)).toEqual({ ok: false, reason: 'belowMinimum', limitFen: 1000 })
    expect(computeFlatVend(DEMO, 200_001, 0)).toEqual({ ok: false, reason: 'aboveMaximum', limitFen: 200_000 })
  })

  it('never lets a token round up: large amounts step down to what the token carries exactly', () => {
    // 33 333 units is not representable (e=1 steps by 10 from 16 384): 33 324 is.
    expect(largestExactTokenUnits(33_333)).toBe(33_324)
    expect(largestExactTokenUnits(16_383)).toBe(16_383)
    expect(largestExactTokenUnits(16_384)).toBe(16_384)
    expect(largestExactTokenUnits(16_385)).toBe(16_384)
    expect(largestExactTokenUnits(180_223)).toBe(180_214)
    expect(largestExactTokenUnits(180_224)).toBe(180_224)
    expect(largestExactTokenUnits(AMOUNT_MAX + 5)).toBe(AMOUNT_MAX)
    const r = computeFlatVend({ ...DEMO, maxVendFen: 100_000_000 }, 200_000, 0)
    expect(r).toMatchObject({ ok: true, units01: 33_324, breakdown: { energyFen: 199_944, carriedOverFen: 56 } })
  })

  it('keeps the cost a whole number of fen at prices like 57 fen/kWh', () => {
    // 10 yuan at 0.57/kWh: 175 units would cost 997.5 fen; 170 cost exactly 969.
    expect(unitsForMoney(1000, 57)).toBe(170)
  })

  it('property: exact token amounts, whole-fen cost, and money in = money out', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 5000 }),
        (amountFen, walletFen, priceFenPerKwh) => {
          const r = computeFlatVend({ priceFenPerKwh, minVendFen: 1, maxVendFen: 100_000_000 }, amountFen, walletFen)
          if (!r.ok) return (amountFen + walletFen) * 10 < priceFenPerKwh * 10
          const { units01, breakdown: b } = r
          expect(decodeAmount(encodeAmount(units01))).toBe(units01)
          expect(Number.isInteger(b.energyFen)).toBe(true)
          expect(b.energyFen * 10).toBe(units01 * priceFenPerKwh)
          expect(breakdownBalances(b, amountFen)).toBe(true)
          expect(b.carriedOverFen).toBeGreaterThanOrEqual(0)
          expect(r.energyWh).toBe(units01 * 100)
          return true
        },
      ),
      { numRuns: 1000 },
    )
  })
})
