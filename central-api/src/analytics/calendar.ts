/**
 * The time grid of interval data and its local calendar: which intervals make up each local day,
 * the local hour of each interval, weekdays, ISO weeks and months — all in the deployment's time
 * zone (DESIGN.md, Time: business days are local). Built once per grid and zone, then shared by
 * every meter, so per-meter loops never touch Intl or Date.
 */
import { offsetFromSegments, zoneOffsets, type ZoneOffsets } from './time-zone.ts'

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
export const QUARTER_HOUR_MS = 900_000
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'

/** Interval i covers [startMs + i·intervalMs, startMs + (i+1)·intervalMs). */
export interface IntervalGrid {
  startMs: number
  intervalMs: number
  count: number
}

export interface Calendar {
  grid: IntervalGrid
  timeZone: string
  zone: ZoneOffsets
  /** Local days that overlap the grid, oldest first. */
  dayCount: number
  /** Days since 1970-01-01 in local time, per day. */
  dayNumber: Int32Array
  /** 'YYYY-MM-DD', per day. */
  dayLabel: readonly string[]
  /** 0 = Sunday … 6 = Saturday, per day. */
  weekday: Uint8Array
  /** Interval index where each day starts inside the grid; dayStart[dayCount] = grid.count. */
  dayStart: Int32Array
  /** Intervals in the whole local day (92 or 100 on a DST change day), for coverage ratios. */
  expectedIntervals: Uint16Array
  /** Local hour (0–23) of each interval's start. */
  intervalHour: Uint8Array
}

/** Days since the epoch of a 'YYYY-MM-DD' label. */
export function dayNumberOf(label: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(label)
  if (m === null) throw new RangeError(`not a date: ${label}`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS
}

export function labelOfDayNumber(dn: number): string {
  return new Date(dn * DAY_MS).toISOString().slice(0, 10)
}

export function weekdayOfDayNumber(dn: number): number {
  // 1970-01-01 was a Thursday.
  return (((dn + 4) % 7) + 7) % 7
}

export function isWeekend(weekday: number): boolean {
  return weekday === 0 || weekday === 6
}

/** ISO 8601 week ('2025-W01'): weeks start on Monday and belong to the year of their Thursday. */
export function isoWeekLabel(dn: number): string {
  const isoWeekday = ((((dn + 3) % 7) + 7) % 7) + 1
  const thursday = dn - (isoWeekday - 1) + 3
  const year = new Date(thursday * DAY_MS).getUTCFullYear()
  const week = Math.floor((thursday - Date.UTC(year, 0, 1) / DAY_MS) / 7) + 1
  return `${year}-W${String(week).padStart(2, '0')}`
}

export function monthLabel(dn: number): string {
  return labelOfDayNumber(dn).slice(0, 7)
}

/** Local day number of an instant. */
export function localDayNumber(zone: ZoneOffsets, utcMs: number): number {
  return Math.floor((utcMs + offsetFromSegments(zone, utcMs) * MINUTE_MS) / DAY_MS)
}

/**
 * The first instant of a local day. Where midnight itself does not exist (a DST jump at 00:00),
 * the day starts at the first instant that is on that date.
 */
export function localDayStartMs(zone: ZoneOffsets, dn: number): number {
  const wall = dn * DAY_MS
  let best = Number.POSITIVE_INFINITY
  // Midnight under each offset the zone uses; real where that offset is in force at that instant
  // (twice on a fall-back at midnight: the earlier one).
  for (const seg of zone.segments) {
    const t = wall - seg.offsetMinutes * MINUTE_MS
    if (t < best && offsetFromSegments(zone, t) === seg.offsetMinutes) best = t
  }
  if (Number.isFinite(best)) return best
  // Midnight fell into a gap: the day begins where the gap ends.
  for (const seg of zone.segments) {
    if (localDayNumber(zone, seg.fromMs) === dn && localDayNumber(zone, seg.fromMs - 1) === dn - 1)
      return seg.fromMs
  }
  throw new RangeError(
    `cannot place the start of local day ${labelOfDayNumber(dn)} in ${zone.timeZone}`,
  )
}

/** A grid of `days` whole local days starting at local midnight of `firstDay`. */
export function gridForLocalDays(
  timeZone: string,
  firstDay: string,
  days: number,
  intervalMs = QUARTER_HOUR_MS,
): IntervalGrid {
  const dn = dayNumberOf(firstDay)
  const zone = zoneOffsets(timeZone, (dn - 2) * DAY_MS, (dn + days + 2) * DAY_MS)
  const startMs = localDayStartMs(zone, dn)
  const endMs = localDayStartMs(zone, dn + days)
  if (startMs % intervalMs !== 0 || endMs % intervalMs !== 0)
    throw new RangeError(`local midnight in ${timeZone} is not on a ${intervalMs} ms boundary`)
  return { startMs, intervalMs, count: (endMs - startMs) / intervalMs }
}

export function buildCalendar(grid: IntervalGrid, timeZone: string): Calendar {
  const { startMs, intervalMs, count } = grid
  if (!(intervalMs > 0) || DAY_MS % intervalMs !== 0)
    throw new RangeError('the interval must divide a day')
  const endMs = startMs + count * intervalMs
  const zone = zoneOffsets(timeZone, startMs, endMs)
  const intervalHour = new Uint8Array(count)
  const starts: number[] = []
  const numbers: number[] = []
  // Walk the intervals and the offset segments together: one comparison per interval.
  const segs = zone.segments
  let seg = 0
  let prevDn = Number.NaN
  for (let i = 0; i < count; i++) {
    const t = startMs + i * intervalMs
    while (seg + 1 < segs.length && segs[seg + 1]!.fromMs <= t) seg++
    const local = t + segs[seg]!.offsetMinutes * MINUTE_MS
    const dn = Math.floor(local / DAY_MS)
    intervalHour[i] = Math.floor((local - dn * DAY_MS) / HOUR_MS)
    if (dn !== prevDn) {
      starts.push(i)
      numbers.push(dn)
      prevDn = dn
    }
  }
  const dayCount = numbers.length
  const dayStart = new Int32Array(dayCount + 1)
  dayStart.set(starts)
  dayStart[dayCount] = count
  const dayNumber = Int32Array.from(numbers)
  const weekday = new Uint8Array(dayCount)
  const expectedIntervals = new Uint16Array(dayCount)
  const dayLabel: string[] = []
  for (let d = 0; d < dayCount; d++) {
    const dn = dayNumber[d]!
    weekday[d] = weekdayOfDayNumber(dn)
    dayLabel.push(labelOfDayNumber(dn))
    const inside = dayStart[d + 1]! - dayStart[d]!
    const whole = d > 0 && d < dayCount - 1
    expectedIntervals[d] = whole
      ? inside
      : Math.round((localDayStartMs(zone, dn + 1) - localDayStartMs(zone, dn)) / intervalMs)
  }
  return {
    grid,
    timeZone,
    zone,
    dayCount,
    dayNumber,
    dayLabel,
    weekday,
    dayStart,
    expectedIntervals,
    intervalHour,
  }
}

/** Index of the day with this label, or -1. */
export function dayIndex(cal: Calendar, label: string): number {
  const dn = dayNumberOf(label)
  const d = dn - (cal.dayNumber[0] ?? 0)
  return d >= 0 && d < cal.dayCount && cal.dayNumber[d] === dn ? d : -1
}

/** Index of the day containing the instant, or -1 outside the grid. */
export function dayOfInstant(cal: Calendar, utcMs: number): number {
  const i = Math.floor((utcMs - cal.grid.startMs) / cal.grid.intervalMs)
  if (i < 0 || i >= cal.grid.count) return -1
  let lo = 0
  let hi = cal.dayCount - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (cal.dayStart[mid]! <= i) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * UTC instant where day d starts inside the grid (the grid start for a partial first day);
 * d = dayCount gives the end of the grid.
 */
export function dayStartMs(cal: Calendar, d: number): number {
  const i = cal.dayStart[d]
  if (i === undefined) throw new RangeError(`day ${d} is outside the calendar (0–${cal.dayCount})`)
  return cal.grid.startMs + i * cal.grid.intervalMs
}
