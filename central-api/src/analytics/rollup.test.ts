import { describe, expect, it } from 'vitest'
import { buildCalendar, dayIndex, gridForLocalDays, HOUR_MS } from './calendar.ts'
import { IntervalStore, MISSING_16 } from './interval-store.ts'
import { MIN_PEERS, peerPositions, sizeClass } from './peers.ts'
import {
  comparePeriods,
  coverage,
  dailyRollup,
  hierarchyRollup,
  hourlyProfiles,
  nightBaseW,
  periodRollup,
  previousRange,
  topConsumers,
  weekdayEveningW,
} from './rollup.ts'
import { percentileRank } from './stats.ts'
import { fillStore, syntheticFleet } from './synthetic.ts'

const sumOf = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0)

describe('daily roll-up', () => {
  it('matches a per-interval reference keyed by Intl local dates (Europe/Berlin, across both DST changes)', () => {
    const tz = 'Europe/Berlin'
    const grid = gridForLocalDays(tz, '2025-03-20', 230)
    const cal = buildCalendar(grid, tz)
    const fleet = syntheticFleet({ seed: 11, meters: 12, sites: 1 })
    const store = new IntervalStore(
      grid,
      fleet.map((m) => m.meterNo),
    )
    fillStore(store, cal, fleet)
    store.rows[3]!.energy.fill(MISSING_16, 500, 700) // missing data stays out of the totals
    const t = dailyRollup(store, cal)
    const fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    for (const r of [0, 3, 7]) {
      const ref = new Map<string, number>()
      const e = store.rows[r]!.energy
      for (let i = 0; i < grid.count; i++) {
        if (e[i] === MISSING_16) continue
        const k = fmt.format(grid.startMs + i * grid.intervalMs)
        ref.set(k, (ref.get(k) ?? 0) + e[i]!)
      }
      // A day with no data at all is absent from the reference and 0 Wh / 0 intervals in the table.
      const got = new Map(
        cal.dayLabel.flatMap((l, d) =>
          t.covered[r * cal.dayCount + d]! > 0 ? [[l, t.wh[r * cal.dayCount + d]!]] : [],
        ),
      )
      expect(got).toEqual(ref)
    }
    const dstDay = dayIndex(cal, '2025-03-30')
    expect(cal.expectedIntervals[dstDay]).toBe(92)
    expect(coverage(t, 0, dstDay)).toBe(1)
    expect(coverage(t, 3, 5)).toBeLessThan(1)
    expect(Array.from(t.covered.subarray(3 * cal.dayCount + 5, 3 * cal.dayCount + 8))).toEqual([
      96 - 76,
      0,
      96 - 28,
    ])
    expect(t.wh[3 * cal.dayCount + 6]).toBe(0)
  })

  describe('a year of 300 meters in Asia/Shanghai', () => {
    const tz = 'Asia/Shanghai'
    const grid = gridForLocalDays(tz, '2025-01-01', 365)
    const cal = buildCalendar(grid, tz)
    const fleet = syntheticFleet({ seed: 5, meters: 300, sites: 10 })
    const store = new IntervalStore(
      grid,
      fleet.map((m) => m.meterNo),
    )
    fillStore(store, cal, fleet)
    const t = dailyRollup(store, cal)
    const byNo = new Map(fleet.map((m) => [m.meterNo, m]))

    it('sums agree at every level of the hierarchy, and with the intervals themselves', () => {
      const h = hierarchyRollup(t, (k) => byNo.get(k))
      const total = sumOf(t.wh)
      let raw = 0
      for (const row of store.rows) raw += sumOf(row.energy)
      expect(total).toBe(raw)
      expect(sumOf(h.unit.wh)).toBe(total)
      expect(sumOf(h.building.wh)).toBe(total)
      expect(sumOf(h.site.wh)).toBe(total)
      expect(h.site.keys).toHaveLength(10)
      expect(sumOf(h.site.members)).toBe(300)
      expect(h.unit.keys[0]).toMatch(/^S01\/S01-B01\/\d+$/)
      expect(h.building.keys[0]).toBe('S01/S01-B01')
    })

    it('weeks are ISO weeks and months calendar months; partial periods are marked', () => {
      const w = periodRollup(t, 'week')
      const m = periodRollup(t, 'month')
      expect(m.periods.map((p) => p.label)).toHaveLength(12)
      expect(m.periods.every((p) => p.complete)).toBe(true)
      expect(w.periods[0]).toMatchObject({ label: '2025-W01', complete: false }) // starts Wed 1 Jan
      expect(w.periods[1]).toMatchObject({ label: '2025-W02', complete: true })
      expect(w.coverage[1]).toBe(1)
      expect(w.coverage[0]).toBeCloseTo(5 / 7, 10)
      expect(sumOf(w.wh)).toBe(sumOf(t.wh))
      expect(sumOf(m.wh)).toBe(sumOf(t.wh))
    })

    it('load profiles: households peak in the evening, factories on weekday daytime, sleep at night', () => {
      const p = hourlyProfiles(store, cal, { fromDay: 0, toDay: 364 })
      // A household whose credit never ran out: relay-open intervals are left out of profiles.
      const hh = fleet.findIndex(
        (x, r) => x.profile === 'household' && store.rows[r]!.relayOpen.every((b) => b === 0),
      )
      const fac = fleet.findIndex((x) => x.profile === 'factory')
      const at = (r: number, h: number, weekend = false): number =>
        p.avgW[r * 48 + (weekend ? 24 : 0) + h]!
      expect(at(hh, 19)).toBeGreaterThan(3 * at(hh, 3))
      expect(at(fac, 10)).toBeGreaterThan(5 * at(fac, 10, true) * 0.6) // weekend runs at 30 %
      expect(weekdayEveningW(p, hh)).toBeGreaterThan(nightBaseW(p, hh))
      // Average W × hours = energy: the profile reproduces the year's total within 1 %.
      const yearWh = sumOf(t.wh.subarray(hh * 365, hh * 365 + 365))
      let fromProfile = 0
      for (let h = 0; h < 24; h++) fromProfile += at(hh, h) * 261 + at(hh, h, true) * 104 // 2025: 261 weekdays
      expect(Math.abs(fromProfile - yearWh) / yearWh).toBeLessThan(0.01)
    })

    it('top consumers are ordered, and their shares are of the whole', () => {
      const top = topConsumers(t, { fromDay: 0, toDay: 30 }, 5)
      expect(top).toHaveLength(5)
      for (let i = 1; i < top.length; i++) expect(top[i - 1]!.wh).toBeGreaterThanOrEqual(top[i]!.wh)
      const all = topConsumers(t, { fromDay: 0, toDay: 30 }, 1000)
      expect(sumOf(all.map((x) => x.sharePct))).toBeCloseTo(100, 6)
      expect(fleet.find((m) => m.meterNo === top[0]!.key)!.profile).toBe('factory')
    })

    it('period over period: July vs June rises for households (air-conditioning), comparable when covered', () => {
      const july = { fromDay: dayIndex(cal, '2025-07-01'), toDay: dayIndex(cal, '2025-07-30') }
      expect(previousRange(july)).toEqual({ fromDay: july.fromDay - 30, toDay: july.fromDay - 1 })
      const c = comparePeriods(t, july)
      const hh = c.filter((_, r) => fleet[r]!.profile === 'household')
      expect(hh.every((x) => x.comparable)).toBe(true)
      const median = hh.map((x) => x.changePct!).sort((a, b) => a - b)[hh.length >> 1]!
      expect(median).toBeGreaterThan(10)
      expect(comparePeriods(t, { fromDay: 0, toDay: 9 })[0]!.comparable).toBe(false) // nothing before day 0
    })

    it('similar units: percentile among the same size class, nothing for classes below the minimum', () => {
      const yearly = Float64Array.from(
        fleet.map((_, r) => sumOf(t.wh.subarray(r * 365, r * 365 + 365))),
      )
      const pos = peerPositions(yearly, (r) => sizeClass(fleet[r]!.profile, fleet[r]!.areaM2))
      const withPeers = pos.filter((p) => p !== null)
      expect(withPeers.length).toBeGreaterThan(150)
      for (const p of withPeers) {
        expect(p.peers).toBeGreaterThanOrEqual(MIN_PEERS)
        expect(p.percentile).toBeGreaterThanOrEqual(0)
        expect(p.percentile).toBeLessThanOrEqual(100)
      }
      const factories = fleet.flatMap((m, r) => (m.profile === 'factory' ? [r] : []))
      expect(factories.length).toBeLessThan(MIN_PEERS)
      for (const r of factories) expect(pos[r]).toBeNull()
    })
  })

  it('percentile ranks count ties half; size classes band household floor area', () => {
    expect(percentileRank([1, 2, 3, 4], 3)).toBe(62.5)
    expect(percentileRank([5, 5, 5], 5)).toBe(50)
    expect(percentileRank([1, 2, 3], 0)).toBe(0)
    expect(sizeClass('household', 59.9)).toBe('household:<60')
    expect(sizeClass('household', 95)).toBe('household:90-120')
    expect(sizeClass('shop', 95)).toBe('shop')
  })

  it('hourly profile of a constant 1.2 kW load reads 1200 W at every hour', () => {
    const tz = 'Asia/Shanghai'
    const grid = gridForLocalDays(tz, '2025-05-01', 14)
    const cal = buildCalendar(grid, tz)
    const store = new IntervalStore(grid, ['30000000000'])
    store.rows[0]!.energy.fill(300)
    const p = hourlyProfiles(store, cal, { fromDay: 0, toDay: 13 })
    expect(new Set(Array.from(p.avgW))).toEqual(new Set([1200]))
    expect(nightBaseW(p, 0)).toBe(1200)
    expect(HOUR_MS).toBe(3_600_000)
  })
})
