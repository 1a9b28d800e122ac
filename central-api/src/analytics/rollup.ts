/**
 * Consumption views from interval data: daily totals per meter in local days, weekly (ISO) and
 * monthly totals, aggregation up the unit → building → site hierarchy, hourly load profiles
 * (weekday vs weekend), top consumers, period-over-period comparison.
 *
 * Tables are row-major typed arrays (row = meter or group, column = day) so a year of 10 000
 * meters is 3.65 M cells, not objects. Energy stays integer Wh; a cell also says how many
 * intervals had data, so a view can show "92 % complete" instead of silently under-reporting.
 */
import { isoWeekLabel, isWeekend, monthLabel, type Calendar } from './calendar.ts'
import { missingOf, type IntervalStore } from './interval-store.ts'

export interface DailyTable {
  calendar: Calendar
  /** Meter numbers, or group keys after aggregation. */
  keys: readonly string[]
  /** Wh, row-major: wh[row * dayCount + day]. */
  wh: Float64Array
  /** Intervals with data (measured or estimated) per cell, summed over members. */
  covered: Uint32Array
  /** Of those, intervals estimated across a silent gap. */
  estimated: Uint32Array
  /** Meters behind each row (1 for a meter). */
  members: Uint32Array
}

export interface DayRange {
  /** Inclusive day indices into the calendar. */
  fromDay: number
  toDay: number
}

/** Daily totals of every meter: one pass over the intervals, day boundaries from the calendar. */
export function dailyRollup(store: IntervalStore, cal: Calendar): DailyTable {
  const a = store.grid
  const b = cal.grid
  if (a.startMs !== b.startMs || a.intervalMs !== b.intervalMs || a.count !== b.count)
    throw new RangeError('store and calendar are on different grids')
  const days = cal.dayCount
  const rows = store.size
  const wh = new Float64Array(rows * days)
  const covered = new Uint32Array(rows * days)
  const estimated = new Uint32Array(rows * days)
  const starts = cal.dayStart
  for (let r = 0; r < rows; r++) {
    const m = store.rows[r]!
    const e = m.energy
    const miss = missingOf(e)
    const base = r * days
    let i = starts[0]!
    for (let d = 0; d < days; d++) {
      const end = starts[d + 1]!
      let s = 0
      let c = 0
      for (; i < end; i++) {
        const v = e[i]!
        if (v !== miss) {
          s += v
          c++
        }
      }
      wh[base + d] = s
      covered[base + d] = c
    }
    // Estimated intervals are rare (silent meters): skip the bit loop when the bitmap is empty.
    const est = m.estimated
    let any = false
    for (let k = 0; k < est.length; k++)
      if (est[k] !== 0) {
        any = true
        break
      }
    if (!any) continue
    for (let d = 0; d < days; d++) {
      let n = 0
      for (let j = starts[d]!; j < starts[d + 1]!; j++)
        if ((est[j >>> 3]! & (1 << (j & 7))) !== 0 && e[j] !== miss) n++
      estimated[base + d] = n
    }
  }
  return {
    calendar: cal,
    keys: store.meterNos,
    wh,
    covered,
    estimated,
    members: new Uint32Array(rows).fill(1),
  }
}

/** Share of a cell's intervals that had data (0–1). */
export function coverage(t: DailyTable, row: number, day: number): number {
  const exp = t.calendar.expectedIntervals[day]! * t.members[row]!
  return exp === 0 ? 0 : t.covered[row * t.calendar.dayCount + day]! / exp
}

export function cell(t: DailyTable, row: number, day: number): number {
  return t.wh[row * t.calendar.dayCount + day]!
}

/** Total and coverage of one row over a day range. */
export function rangeTotal(
  t: DailyTable,
  row: number,
  range: DayRange,
): { wh: number; coverage: number } {
  const days = t.calendar.dayCount
  let wh = 0
  let cov = 0
  let exp = 0
  for (let d = Math.max(0, range.fromDay); d <= Math.min(days - 1, range.toDay); d++) {
    wh += t.wh[row * days + d]!
    cov += t.covered[row * days + d]!
    exp += t.calendar.expectedIntervals[d]! * t.members[row]!
  }
  return { wh, coverage: exp === 0 ? 0 : cov / exp }
}

/**
 * Sums rows into groups. `groupOf` names a row's group (undefined: left out). Group order is the
 * order of first appearance.
 */
export function aggregateRows(
  t: DailyTable,
  groupOf: (key: string, row: number) => string | undefined,
): DailyTable {
  const days = t.calendar.dayCount
  const index = new Map<string, number>()
  const rowGroup = new Int32Array(t.keys.length).fill(-1)
  t.keys.forEach((k, r) => {
    const g = groupOf(k, r)
    if (g === undefined) return
    let gi = index.get(g)
    if (gi === undefined) index.set(g, (gi = index.size))
    rowGroup[r] = gi
  })
  const n = index.size
  const wh = new Float64Array(n * days)
  const covered = new Uint32Array(n * days)
  const estimated = new Uint32Array(n * days)
  const members = new Uint32Array(n)
  for (let r = 0; r < t.keys.length; r++) {
    const g = rowGroup[r]!
    if (g < 0) continue
    members[g]! += t.members[r]!
    const src = r * days
    const dst = g * days
    for (let d = 0; d < days; d++) {
      wh[dst + d]! += t.wh[src + d]!
      covered[dst + d]! += t.covered[src + d]!
      estimated[dst + d]! += t.estimated[src + d]!
    }
  }
  return { calendar: t.calendar, keys: [...index.keys()], wh, covered, estimated, members }
}

/** Where a meter sits. Unit names repeat across buildings ("1203"), so group keys are paths. */
export interface Placement {
  site: string
  building: string
  unit: string
}

export interface HierarchyTables {
  /** Keys 'site/building/unit'. */
  unit: DailyTable
  /** Keys 'site/building'. */
  building: DailyTable
  site: DailyTable
}

export function hierarchyRollup(
  meters: DailyTable,
  placementOf: (meterNo: string) => Placement | undefined,
): HierarchyTables {
  const unit = aggregateRows(meters, (k) => {
    const p = placementOf(k)
    return p === undefined ? undefined : `${p.site}/${p.building}/${p.unit}`
  })
  const building = aggregateRows(unit, (k) => k.slice(0, k.lastIndexOf('/')))
  const site = aggregateRows(building, (k) => k.slice(0, k.indexOf('/')))
  return { unit, building, site }
}

export interface Period {
  /** '2025-W07' or '2025-02'. */
  label: string
  fromDay: number
  toDay: number
  /** False when the period reaches outside the calendar (its total is partial). */
  complete: boolean
}

export interface PeriodTable {
  keys: readonly string[]
  periods: readonly Period[]
  /** Wh, row-major: wh[row * periods.length + p]. */
  wh: Float64Array
  /** Share of the period's intervals that had data, 0–1 (counts days outside the calendar as missing). */
  coverage: Float64Array
}

/** ISO weeks (Monday first) or calendar months, in local time. */
export function periodRollup(t: DailyTable, kind: 'week' | 'month'): PeriodTable {
  const cal = t.calendar
  const days = cal.dayCount
  const labelOf = kind === 'week' ? isoWeekLabel : monthLabel
  const periods: Period[] = []
  for (let d = 0; d < days; d++) {
    const label = labelOf(cal.dayNumber[d]!)
    const last = periods[periods.length - 1]
    if (last?.label === label) last.toDay = d
    else periods.push({ label, fromDay: d, toDay: d, complete: true })
  }
  const nominal = Math.round(86_400_000 / cal.grid.intervalMs)
  const fullDays = periods.map((p) => {
    if (kind === 'week') return 7
    const dn = cal.dayNumber[p.fromDay]!
    const dt = new Date(dn * 86_400_000)
    return new Date(Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + 1, 0)).getUTCDate()
  })
  periods.forEach((p, i) => {
    const inside = p.toDay - p.fromDay + 1
    p.complete =
      inside === fullDays[i] &&
      (p.fromDay > 0 || isDayWhole(cal, 0)) &&
      (p.toDay < days - 1 || isDayWhole(cal, days - 1))
  })
  const n = periods.length
  const wh = new Float64Array(t.keys.length * n)
  const cov = new Float64Array(t.keys.length * n)
  for (let r = 0; r < t.keys.length; r++) {
    for (let pi = 0; pi < n; pi++) {
      const p = periods[pi]!
      let s = 0
      let c = 0
      let exp = 0
      for (let d = p.fromDay; d <= p.toDay; d++) {
        s += t.wh[r * days + d]!
        c += t.covered[r * days + d]!
        exp += cal.expectedIntervals[d]!
      }
      exp += (fullDays[pi]! - (p.toDay - p.fromDay + 1)) * nominal
      wh[r * n + pi] = s
      cov[r * n + pi] = c / (exp * t.members[r]!)
    }
  }
  return { keys: t.keys, periods, wh, coverage: cov }
}

/** The grid holds all of the day's intervals (the first and last days may be cut). */
function isDayWhole(cal: Calendar, d: number): boolean {
  return cal.dayStart[d + 1]! - cal.dayStart[d]! === cal.expectedIntervals[d]
}

export interface HourlyProfiles {
  keys: readonly string[]
  range: DayRange
  /**
   * Average demand in W (= average Wh per hour) per row, weekday hours 0–23 then weekend hours
   * 0–23: avgW[row * 48 + (weekend ? 24 : 0) + hour]. NaN where no interval had data.
   */
  avgW: Float64Array
  /** Intervals behind each figure. */
  samples: Uint32Array
}

/**
 * Load profile by local hour of day, weekday vs weekend, over a day range. Intervals with the
 * relay open are left out: their zero is a supply cut (credit ran out), not the household's load.
 */
export function hourlyProfiles(
  store: IntervalStore,
  cal: Calendar,
  range: DayRange,
): HourlyProfiles {
  const rows = store.size
  const avgW = new Float64Array(rows * 48)
  const samples = new Uint32Array(rows * 48)
  const perHour = 3_600_000 / cal.grid.intervalMs
  const hour = cal.intervalHour
  const sum = new Float64Array(48)
  const cnt = new Uint32Array(48)
  const from = Math.max(0, range.fromDay)
  const to = Math.min(cal.dayCount - 1, range.toDay)
  for (let r = 0; r < rows; r++) {
    const e = store.rows[r]!.energy
    const open = store.rows[r]!.relayOpen
    const miss = missingOf(e)
    sum.fill(0)
    cnt.fill(0)
    for (let d = from; d <= to; d++) {
      const off = isWeekend(cal.weekday[d]!) ? 24 : 0
      for (let i = cal.dayStart[d]!; i < cal.dayStart[d + 1]!; i++) {
        const v = e[i]!
        if (v === miss || (open[i >>> 3]! !== 0 && (open[i >>> 3]! & (1 << (i & 7))) !== 0))
          continue
        const k = off + hour[i]!
        sum[k]! += v
        cnt[k]!++
      }
    }
    for (let k = 0; k < 48; k++) {
      avgW[r * 48 + k] = cnt[k] === 0 ? Number.NaN : (sum[k]! / cnt[k]!) * perHour
      samples[r * 48 + k] = cnt[k]!
    }
  }
  return { keys: store.meterNos, range: { fromDay: from, toDay: to }, avgW, samples }
}

/** Average W over all days (weekday and weekend weighted by their samples) for one hour. */
export function allDaysHourW(p: HourlyProfiles, row: number, hour: number): number {
  const a = p.avgW[row * 48 + hour]!
  const b = p.avgW[row * 48 + 24 + hour]!
  const na = p.samples[row * 48 + hour]!
  const nb = p.samples[row * 48 + 24 + hour]!
  if (na + nb === 0) return Number.NaN
  return ((na > 0 ? a * na : 0) + (nb > 0 ? b * nb : 0)) / (na + nb)
}

/**
 * Night base load: the lowest of the hourly averages 00:00–05:00 (always-on devices: fridge,
 * router, water heater on standby). NaN without data.
 */
export function nightBaseW(p: HourlyProfiles, row: number): number {
  let min = Number.POSITIVE_INFINITY
  for (let h = 0; h < 5; h++) {
    const w = allDaysHourW(p, row, h)
    if (Number.isFinite(w) && w < min) min = w
  }
  return Number.isFinite(min) ? min : Number.NaN
}

/** Weekday evening peak: average demand 18:00–22:00 on weekdays. NaN without data. */
export function weekdayEveningW(p: HourlyProfiles, row: number): number {
  let s = 0
  let n = 0
  for (let h = 18; h < 22; h++) {
    const k = row * 48 + h
    const c = p.samples[k]!
    if (c > 0) {
      s += p.avgW[k]! * c
      n += c
    }
  }
  return n === 0 ? Number.NaN : s / n
}

export interface RankedConsumer {
  key: string
  wh: number
  /** Share of the total of all rows over the range, percent. */
  sharePct: number
  coverage: number
}

/** The n largest rows over a range (ties by key, for stable listings). */
export function topConsumers(t: DailyTable, range: DayRange, n: number): RankedConsumer[] {
  const all = t.keys.map((key, r) => ({ key, ...rangeTotal(t, r, range) }))
  const total = all.reduce((a, x) => a + x.wh, 0)
  return all
    .sort((a, b) => b.wh - a.wh || (a.key < b.key ? -1 : 1))
    .slice(0, n)
    .map((x) => ({
      key: x.key,
      wh: x.wh,
      sharePct: total > 0 ? (100 * x.wh) / total : 0,
      coverage: x.coverage,
    }))
}

export interface PeriodComparison {
  key: string
  currentWh: number
  previousWh: number
  changeWh: number
  /** Relative change in percent; null when the previous period had no consumption. */
  changePct: number | null
  /** Both periods at least 95 % covered: the change is not an artefact of missing data. */
  comparable: boolean
}

/** The range of the same length just before `range`. */
export function previousRange(range: DayRange): DayRange {
  const len = range.toDay - range.fromDay + 1
  return { fromDay: range.fromDay - len, toDay: range.fromDay - 1 }
}

/** Minimum coverage for a period comparison to count. */
export const COMPARABLE_COVERAGE = 0.95

export function comparePeriods(
  t: DailyTable,
  current: DayRange,
  previous: DayRange = previousRange(current),
): PeriodComparison[] {
  return t.keys.map((key, r) => {
    const c = rangeTotal(t, r, current)
    const p = rangeTotal(t, r, previous)
    const inCalendar = previous.fromDay >= 0 && current.toDay < t.calendar.dayCount
    return {
      key,
      currentWh: c.wh,
      previousWh: p.wh,
      changeWh: c.wh - p.wh,
      changePct: p.wh > 0 ? (100 * (c.wh - p.wh)) / p.wh : null,
      comparable:
        inCalendar && c.coverage >= COMPARABLE_COVERAGE && p.coverage >= COMPARABLE_COVERAGE,
    }
  })
}
