import { describe, expect, it } from 'vitest'
import { DAY_MS, estimateDaysLeft, type DaysLeftReading } from './days-left.ts'
import { Prng } from './prng.ts'

const NOW = Date.UTC(2026, 10, 25, 12)

/** Daily readings ending at `NOW`, `usePerDayWh` consumed per day, credit falling to `creditWh`. */
function daily(days: number, usePerDayWh: number, creditWh: number): DaysLeftReading[] {
  return Array.from({ length: days + 1 }, (_, i) => {
    const back = days - i
    return {
      at: NOW - back * DAY_MS,
      energyWh: 100_000 + i * usePerDayWh,
      creditWh: creditWh + back * usePerDayWh,
    }
  })
}

describe('estimateDaysLeft', () => {
  it('divides credit by the average daily use', () => {
    const r = estimateDaysLeft(daily(20, 5_000, 15_000), NOW)
    expect(r.avgDailyWh).toBe(5_000)
    expect(r.basisDays).toBe(14)
    expect(r.daysLeft).toBe(3)
  })

  it('returns null with fewer than the minimum basis days of data', () => {
    expect(estimateDaysLeft([], NOW)).toEqual({ daysLeft: null, avgDailyWh: null, basisDays: 0 })
    const one = [{ at: NOW, energyWh: 1, creditWh: 1 }]
    expect(estimateDaysLeft(one, NOW).daysLeft).toBeNull()
    const halfDay = [
      { at: NOW - DAY_MS / 2, energyWh: 0, creditWh: 10 },
      { at: NOW, energyWh: 100, creditWh: 5 },
    ]
    expect(estimateDaysLeft(halfDay, NOW)).toMatchObject({ daysLeft: null, basisDays: 0.5 })
    expect(estimateDaysLeft(halfDay, NOW, { minBasisDays: 0.25 }).avgDailyWh).toBe(200)
  })

  it('is unbiased across a gap in the readings', () => {
    // Ten days without readings in the middle: the delta still spans the gap.
    const full = daily(14, 3_000, 9_000)
    const gappy = full.filter((_, i) => i <= 2 || i >= 12)
    const r = estimateDaysLeft(gappy, NOW)
    expect(r.avgDailyWh).toBe(3_000)
    expect(r.basisDays).toBe(14)
    expect(r.daysLeft).toBe(3)
  })

  it('leaves out an interval whose register went backwards (reset or meter swap)', () => {
    const rs = daily(10, 2_000, 8_000).map((x, i) =>
      i >= 6 ? { ...x, energyWh: x.energyWh - 100_000 - 6 * 2_000 + 50 } : x,
    )
    const r = estimateDaysLeft(rs, NOW)
    // 9 of the 10 intervals count; the reset interval's energy and time are both dropped.
    expect(r.basisDays).toBe(9)
    expect(r.avgDailyWh).toBeCloseTo((5 * 2_000 + (4 * 2_000 + 0)) / 9 + 0, 6)
    expect(r.daysLeft).toBeCloseTo(8_000 / r.avgDailyWh!, 9)
  })

  it('only averages the recent window, pro-rating the interval that straddles its start', () => {
    // 30 days at 10 kWh/day, then 14 days at 4 kWh/day: the estimate follows the recent rate.
    const old = Array.from({ length: 31 }, (_, i) => ({
      at: NOW - (44 - i) * DAY_MS,
      energyWh: i * 10_000,
      creditWh: 1e6,
    }))
    const recent = Array.from({ length: 14 }, (_, i) => ({
      at: NOW - (13 - i) * DAY_MS,
      energyWh: 300_000 + (i + 1) * 4_000,
      creditWh: 8_000,
    }))
    const r = estimateDaysLeft([...recent, ...old], NOW) // order must not matter
    expect(r.basisDays).toBe(14)
    expect(r.avgDailyWh).toBe(4_000)
    expect(r.daysLeft).toBe(2)
    // A sparse history: one reading 20 days ago and one now — the 14-day share is pro-rated.
    const sparse = [
      { at: NOW - 20 * DAY_MS, energyWh: 0, creditWh: 0 },
      { at: NOW, energyWh: 20_000, creditWh: 5_000 },
    ]
    expect(estimateDaysLeft(sparse, NOW)).toEqual({ daysLeft: 5, avgDailyWh: 1_000, basisDays: 14 })
  })

  it('burns the credit for the time since the latest reading, never below zero', () => {
    const rs = daily(14, 1_000, 3_000).map((x) => ({ ...x, at: x.at - 2 * DAY_MS }))
    const r = estimateDaysLeft(rs, NOW)
    expect(r.avgDailyWh).toBe(1_000)
    expect(r.daysLeft).toBe(1)
    expect(estimateDaysLeft(rs, NOW + 5 * DAY_MS).daysLeft).toBe(0)
  })

  it('gives no days-left when nothing is consumed, ignores future and duplicate readings', () => {
    const flat = daily(5, 0, 10_000)
    expect(estimateDaysLeft(flat, NOW)).toEqual({ daysLeft: null, avgDailyWh: 0, basisDays: 5 })
    const withJunk = [
      ...daily(5, 1_000, 2_000),
      { at: NOW + DAY_MS, energyWh: 0, creditWh: 0 },
      { at: NOW - DAY_MS, energyWh: 104_000, creditWh: 3_000 },
    ]
    expect(estimateDaysLeft(withJunk, NOW)).toMatchObject({ avgDailyWh: 1_000, daysLeft: 2 })
  })

  it('recovers the true rate from noisy, irregular readings (seeded)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Prng(seed)
      const rate = 1_000 + rng.next() * 20_000 // Wh/day
      const rs: DaysLeftReading[] = []
      let t = NOW - 30 * DAY_MS
      while (t <= NOW) {
        rs.push({ at: t, energyWh: Math.round(((t - (NOW - 30 * DAY_MS)) / DAY_MS) * rate), creditWh: 50_000 })
        t += Math.round((0.1 + rng.next() * 1.5) * DAY_MS)
      }
      const r = estimateDaysLeft(rs, NOW)
      expect(r.avgDailyWh! / rate).toBeGreaterThan(0.999)
      expect(r.avgDailyWh! / rate).toBeLessThan(1.001)
      expect(r.daysLeft).not.toBeNull()
    }
  })
})
