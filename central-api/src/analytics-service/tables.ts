/**
 * The analytics core's in-memory tables built from the storage caches: a DailyTable from the daily
 * roll-ups and an IntervalStore (hourly grid) from the hourly rows, over whole local days.
 */
import {
  HOUR_MS,
  IntervalStore,
  buildCalendar,
  dayNumberOf,
  gridForLocalDays,
  labelOfDayNumber,
  type Calendar,
  type DailyTable,
} from '../analytics/index.ts'
import { putEnergy, setBit } from '../analytics/interval-store.ts'
import {
  HOUR_FLAG,
  type DailyEnergy,
  type HourlyEnergy,
  type MeterAnalyticsState,
} from '../storage/analytics-repository.ts'

/** An hourly calendar over local days fromDay … toDay (inclusive). */
export function hourlyCalendar(timeZone: string, fromDay: string, toDay: string): Calendar {
  const days = dayNumberOf(toDay) - dayNumberOf(fromDay) + 1
  if (days < 1) throw new RangeError(`empty day range ${fromDay} … ${toDay}`)
  return buildCalendar(gridForLocalDays(timeZone, fromDay, days, HOUR_MS), timeZone)
}

export function addDays(day: string, n: number): string {
  return labelOfDayNumber(dayNumberOf(day) + n)
}

/** Daily rows → the core's DailyTable (row order = meterNos; absent cells are 0 Wh, 0 covered). */
export function dailyTableFrom(
  cal: Calendar,
  meterNos: readonly string[],
  rows: readonly DailyEnergy[],
): DailyTable {
  const days = cal.dayCount
  const index = new Map(meterNos.map((m, i) => [m, i]))
  const wh = new Float64Array(meterNos.length * days)
  const covered = new Uint32Array(meterNos.length * days)
  const estimated = new Uint32Array(meterNos.length * days)
  const first = cal.dayNumber[0]!
  for (const r of rows) {
    const row = index.get(r.meterNo)
    const d = dayNumberOf(r.day) - first
    if (row === undefined || d < 0 || d >= days) continue
    wh[row * days + d] = r.wh
    covered[row * days + d] = r.covered
    estimated[row * days + d] = r.estimated
  }
  return {
    calendar: cal,
    keys: [...meterNos],
    wh,
    covered,
    estimated,
    members: new Uint32Array(meterNos.length).fill(1),
  }
}

/** Hourly rows → an IntervalStore on the calendar's grid, with each meter's latest-reading state. */
export function intervalStoreFrom(
  cal: Calendar,
  meterNos: readonly string[],
  rows: readonly HourlyEnergy[],
  states: ReadonlyMap<string, MeterAnalyticsState>,
): IntervalStore {
  const store = new IntervalStore(cal.grid, meterNos)
  const { startMs, count } = cal.grid
  for (const r of rows) {
    const row = store.rowOf(r.meterNo)
    const i = (r.hourMs - startMs) / HOUR_MS
    if (row === undefined || i < 0 || i >= count || !Number.isInteger(i)) continue
    const m = store.rows[row]!
    putEnergy(m, i, r.wh)
    if ((r.flags & HOUR_FLAG.estimated) !== 0) setBit(m.estimated, i)
    if ((r.flags & HOUR_FLAG.relayOpen) !== 0) setBit(m.relayOpen, i)
    if ((r.flags & HOUR_FLAG.tamper) !== 0) setBit(m.tamper, i)
  }
  meterNos.forEach((meterNo, k) => {
    const s = states.get(meterNo)
    const m = store.rows[k]!
    m.lastReadingAt = s?.lastReadingAt ?? Number.NaN
    m.lastCreditWh = s?.lastCreditWh ?? Number.NaN
    m.lastRelayClosed = s?.lastRelayClosed ?? true
  })
  return store
}
