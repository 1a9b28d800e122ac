import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allocatePool, allocatePools, largestRemainder, lineLoss } from './allocation.ts'

describe('公摊 allocation (largest remainder, integer Wh)', () => {
  it('worked example: 1 000 Wh of stairwell lighting over 3 flats by floor area', () => {
    // Quotas 1000 × (60, 90, 89.5)/239.5 = 250.52, 375.78, 373.70 → floors 250, 375, 373 (998);
    // the 2 Wh left go to the largest remainders: .78 and .70.
    const a = allocatePool(
      1_000,
      [
        { unitId: '101', areaM2: 60 },
        { unitId: '102', areaM2: 90 },
        { unitId: '103', areaM2: 89.5 },
      ],
      'area',
    )
    expect(a.lines.map((l) => l.energyWh)).toEqual([250, 376, 374])
    expect(a.basisUsed).toBe('area')
    expect(a.lines.map((l) => l.sharePct)).toEqual([25, 37.6, 37.4])
  })

  it('by consumption share, and a 30 % area / 70 % consumption mix', () => {
    const units = [
      { unitId: 'A', areaM2: 100, consumptionWh: 300_000 },
      { unitId: 'B', areaM2: 100, consumptionWh: 100_000 },
    ]
    expect(allocatePool(10_000, units, 'consumption').lines.map((l) => l.energyWh)).toEqual([
      7_500, 2_500,
    ])
    const mixed = allocatePool(10_000, units, { areaShare: 0.3 })
    expect(mixed.basisUsed).toBe('mixed')
    expect(mixed.lines.map((l) => l.energyWh)).toEqual([1_500 + 5_250, 1_500 + 1_750])
  })

  it('ties go to the larger weight, then to the earlier unit — the same statement every time', () => {
    expect(largestRemainder(1, [1, 1, 1])).toEqual([1, 0, 0])
    expect(largestRemainder(2, [1, 2, 1])).toEqual([1, 1, 0])
    expect(largestRemainder(2, [1, 3])).toEqual([0, 2]) // quotas 0.5 and 1.5: the tie goes to the larger
    expect(largestRemainder(5, [1, 1, 1])).toEqual([2, 2, 1])
  })

  it('consumption basis with nobody consuming falls back to area, then to equal parts', () => {
    const noUse = [
      { unitId: 'A', areaM2: 30, consumptionWh: 0 },
      { unitId: 'B', areaM2: 90, consumptionWh: 0 },
    ]
    const a = allocatePool(400, noUse, 'consumption')
    expect(a.basisUsed).toBe('area')
    expect(a.lines.map((l) => l.energyWh)).toEqual([100, 300])
    const b = allocatePool(401, [{ unitId: 'A' }, { unitId: 'B' }], 'consumption')
    expect(b.basisUsed).toBe('equal')
    expect(b.lines.map((l) => l.energyWh)).toEqual([201, 200])
  })

  it('refuses a negative or fractional pool, negative weights, and no units', () => {
    expect(() => largestRemainder(-1, [1])).toThrow(RangeError)
    expect(() => largestRemainder(1.5, [1])).toThrow(RangeError)
    expect(() => largestRemainder(10, [1, -1])).toThrow(RangeError)
    expect(() => largestRemainder(10, [0, 0])).toThrow(RangeError)
    expect(() => allocatePool(10, [], 'area')).toThrow(RangeError)
  })

  it('line loss: master minus unit meters, never negative; a fault is flagged', () => {
    expect(lineLoss(100_000, [40_000, 55_000])).toEqual({
      lossWh: 5_000,
      lossPct: 5,
      subMetersExceedMaster: false,
    })
    expect(lineLoss(100_000, [60_000, 55_000])).toEqual({
      lossWh: 0,
      lossPct: 0,
      subMetersExceedMaster: true,
    })
  })

  it('a statement: stairwell per building by area, pump room site-wide by consumption, line loss', () => {
    const units = [
      { unitId: 'B1-101', areaM2: 80, consumptionWh: 250_000 },
      { unitId: 'B1-102', areaM2: 120, consumptionWh: 150_000 },
      { unitId: 'B2-101', areaM2: 100, consumptionWh: 100_000 },
    ]
    const loss = lineLoss(
      520_000,
      units.map((u) => u.consumptionWh),
    )
    const lines = allocatePools(
      [
        { poolId: 'stair:B1', energyWh: 30_001, method: 'area', unitIds: ['B1-101', 'B1-102'] },
        {
          poolId: 'pump',
          energyWh: 47_000,
          method: 'consumption',
          unitIds: ['B1-101', 'B1-102', 'B2-101'],
        },
        {
          poolId: 'loss',
          energyWh: loss.lossWh,
          method: 'consumption',
          unitIds: ['B1-101', 'B1-102', 'B2-101'],
        },
      ],
      units,
    )
    expect(lines.map((l) => l.totalWh).reduce((a, b) => a + b, 0)).toBe(30_001 + 47_000 + 20_000)
    expect(lines[2]!.parts.map((p) => p.poolId)).toEqual(['pump', 'loss']) // B2 shares no stairwell with B1
    expect(lines[0]!.parts[0]).toEqual({
      poolId: 'stair:B1',
      energyWh: 12_000,
      sharePct: 40,
      basis: 'area',
    })
    expect(() =>
      allocatePools([{ poolId: 'x', energyWh: 1, method: 'area', unitIds: ['nope'] }], units),
    ).toThrow(RangeError)
  })

  it('property: parts add up exactly and each is within 1 Wh of its exact quota', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (total, raw) => {
          const weights = raw.map((w) => Math.round(w * 100) / 100)
          const sumW = weights.reduce((a, b) => a + b, 0)
          if (sumW === 0) return
          const parts = largestRemainder(total, weights)
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
          parts.forEach((p, i) => {
            expect(Number.isInteger(p) && p >= 0).toBe(true)
            expect(Math.abs(p - (total * weights[i]!) / sumW)).toBeLessThan(1 + 1e-6)
          })
        },
      ),
      { numRuns: 300 },
    )
  })
})
