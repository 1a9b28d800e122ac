import { describe, expect, it } from 'vitest'
import { energyCost, maxAffordableUnits } from './energy-cost.ts'
import { LADDER } from './test-tariffs.ts'

const withVat = { ...LADDER, vatRateBasisPoints: 1300 }

describe('energyCost', () => {
  it('splits energy over all three blocks', () => {
    // From 150 kWh, buy 300 kWh: 50 kWh × 56 = 2800; 200 kWh × 61 = 12 200; 50 kWh × 86 = 4300.
    const c = energyCost(LADDER, { fromWh: 150_000, energyWh: 300_000 })
    expect(c.blocks.map((b) => [b.blockNumber, b.energyWh, b.costFen])).toEqual([
      [1, 50_000, 2800],
      [2, 200_000, 12_200],
      [3, 50_000, 4300],
    ])
    expect(c).toMatchObject({ energyFen: 19_300, vatFen: 0, totalFen: 19_300 })
  })

  it('rounds once per vend, sharing the rounding between lines', () => {
    // From 199.95 kWh: 50 Wh × 56 = 2800 m-fen (2.8 fen), then 50 Wh × 61 = 3050 m-fen.
    // Σ 5850 m-fen → ⌈5.85⌉ = 6 fen, not ⌈2.8⌉ + ⌈3.05⌉ = 7: block 1 gets 3, block 2 gets 6 − 3 = 3.
    const c = energyCost(LADDER, { fromWh: 199_950, energyWh: 100 })
    expect(c.blocks.map((b) => b.costFen)).toEqual([3, 3])
    expect(c.energyFen).toBe(6)
  })

  it('rounds VAT half up on the net amount', () => {
    // 0.1 kWh at 56 = 5.6 → 6 fen; 6 × 13 % = 0.78 → 1; 5 fen would give 0.65 → 1; 3 fen: 0.39 → 0.
    expect(energyCost(withVat, { fromWh: 0, energyWh: 100 })).toMatchObject({
      energyFen: 6,
      vatFen: 1,
      totalFen: 7,
    })
    expect(energyCost(withVat, { fromWh: 0, energyWh: 0 })).toMatchObject({
      energyFen: 0,
      vatFen: 0,
      totalFen: 0,
      blocks: [],
    })
  })

  it('finds the most units a budget buys', () => {
    expect(maxAffordableUnits(LADDER, { fromWh: 0, budgetFen: 0 })).toBe(0)
    // 5 fen buys nothing at 5.6 fen a unit; 6 fen buys one (⌈5.6⌉ = 6).
    expect(maxAffordableUnits(LADDER, { fromWh: 0, budgetFen: 5 })).toBe(0)
    expect(maxAffordableUnits(LADDER, { fromWh: 0, budgetFen: 6 })).toBe(1)
    expect(maxAffordableUnits(LADDER, { fromWh: 190_000, budgetFen: 2000 })).toBe(336)
  })
})
