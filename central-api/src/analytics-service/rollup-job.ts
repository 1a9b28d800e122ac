/**
 * Keeps the hourly and daily caches up to date from the readings, incrementally: each meter's
 * readings from a little before its watermark on are ingested (analytics/ingest.ts) onto an hourly
 * grid, the hours written, and the local days they touch rolled up again from the hourly rows.
 *
 * Readings arriving more than LATE_MS after the watermark's hour are stored by the meter link but
 * not rolled up (a meter's backlog normally arrives within minutes; a rebuild re-reads everything).
 */
import {
  HOUR_MS,
  MISSING_16,
  MISSING_32,
  getBit,
  intervalsFromReadings,
} from '../analytics/index.ts'
import {
  HOUR_FLAG,
  type AnalyticsStore,
  type DailyEnergy,
  type HourlyEnergy,
  type MeterAnalyticsState,
} from '../storage/analytics-repository.ts'
import { hourlyCalendar } from './tables.ts'

/** How far before the watermark readings are re-read, so late and redelivered ones still count. */
export const LATE_MS = 6 * HOUR_MS

export interface RollupReport {
  meters: number
  hoursWritten: number
  daysWritten: number
}

type Store = Pick<AnalyticsStore, 'readingsForRollup' | 'hourlyEnergy' | 'writeRollup'>

const floorHour = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS

/** Local 'YYYY-MM-DD' of an instant. */
const dayFormats = new Map<string, Intl.DateTimeFormat>()
export function localDay(timeZone: string, utcMs: number): string {
  let f = dayFormats.get(timeZone)
  // en-CA formats dates as YYYY-MM-DD.
  if (f === undefined)
    dayFormats.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      })),
    )
  return f.format(utcMs)
}

/** Rolls one meter forward; returns what it wrote (null: nothing new). */
export async function rollupMeter(
  repo: Store,
  meterNo: string,
  state: MeterAnalyticsState | undefined,
  timeZone: string,
  now: number,
): Promise<{ hours: number; days: number } | null> {
  const fromMs = state === undefined ? 0 : state.throughMs - LATE_MS
  const readings = await repo.readingsForRollup(meterNo, fromMs)
  const last = readings.at(-1)
  if (
    last === undefined ||
    (state !== undefined &&
      state.lastReadingAt !== null &&
      last.at <= state.lastReadingAt &&
      state.throughMs >= floorHour(last.at))
  )
    return null
  const first = readings[0]!
  // Hours before the watermark's look-back were final; the anchor reading may be older than that.
  const startMs = floorHour(Math.max(first.at, fromMs))
  const endMs = floorHour(last.at)
  const nextState: MeterAnalyticsState = {
    meterNo,
    throughMs: Math.max(endMs, state?.throughMs ?? 0),
    lastReadingAt: last.at,
    lastCreditWh: last.creditWh,
    lastRelayClosed: last.relay === 'closed',
  }
  const count = (endMs - startMs) / HOUR_MS
  if (count <= 0) {
    await repo.writeRollup({ hours: [], days: [], state: nextState }, now)
    return { hours: 0, days: 0 }
  }
  const { intervals } = intervalsFromReadings(readings, { startMs, intervalMs: HOUR_MS, count })
  const fresh = new Map<number, HourlyEnergy>()
  const miss = intervals.energy instanceof Uint16Array ? MISSING_16 : MISSING_32
  for (let i = 0; i < count; i++) {
    const wh = intervals.energy[i]!
    if (wh === miss) continue
    const flags =
      (getBit(intervals.estimated, i) ? HOUR_FLAG.estimated : 0) |
      (getBit(intervals.relayOpen, i) ? HOUR_FLAG.relayOpen : 0) |
      (getBit(intervals.tamper, i) ? HOUR_FLAG.tamper : 0)
    const hourMs = startMs + i * HOUR_MS
    fresh.set(hourMs, { meterNo, hourMs, wh, flags })
  }
  // The local days touched, rolled up from the hourly rows already stored plus the fresh ones.
  const cal = hourlyCalendar(timeZone, localDay(timeZone, startMs), localDay(timeZone, endMs - 1))
  const spanStart = cal.grid.startMs
  const spanEnd = spanStart + cal.grid.count * HOUR_MS
  const hourly = new Map<number, HourlyEnergy>()
  for (const h of await repo.hourlyEnergy([meterNo], spanStart, spanEnd)) hourly.set(h.hourMs, h)
  for (const [t, h] of fresh) hourly.set(t, h)
  const days: DailyEnergy[] = []
  for (let d = 0; d < cal.dayCount; d++) {
    let wh = 0
    let covered = 0
    let estimated = 0
    for (let i = cal.dayStart[d]!; i < cal.dayStart[d + 1]!; i++) {
      const h = hourly.get(spanStart + i * HOUR_MS)
      if (h === undefined) continue
      wh += h.wh
      covered++
      if ((h.flags & HOUR_FLAG.estimated) !== 0) estimated++
    }
    if (covered > 0) days.push({ meterNo, day: cal.dayLabel[d]!, wh, covered, estimated })
  }
  await repo.writeRollup({ hours: [...fresh.values()], days, state: nextState }, now)
  return { hours: fresh.size, days: days.length }
}

/** Rolls every listed meter forward. */
export async function rollupAll(
  repo: Store & Pick<AnalyticsStore, 'analyticsStates'>,
  meterNos: readonly string[],
  timeZone: string,
  now: number,
): Promise<RollupReport> {
  const states = new Map((await repo.analyticsStates()).map((s) => [s.meterNo, s]))
  const report: RollupReport = { meters: 0, hoursWritten: 0, daysWritten: 0 }
  for (const m of meterNos) {
    const r = await rollupMeter(repo, m, states.get(m), timeZone, now)
    if (r === null) continue
    report.meters++
    report.hoursWritten += r.hours
    report.daysWritten += r.days
  }
  return report
}
