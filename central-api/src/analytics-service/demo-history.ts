/**
 * A year of synthetic usage history for the demo estate (analytics/synthetic.ts), written once at
 * seed time so the console's charts, forecasts and anomaly list have something to show before the
 * meter fleet has reported for weeks. It goes into the analytics caches as imported history, not
 * into the readings table (the record of what meters actually sent): hourly rows for the last
 * HOURLY_DAYS days, daily rows for the year (older days count as estimated: daily register reads).
 * Also: floor areas for the units, one common-area meter per building and a site pump room for
 * 公摊 statements, and a few planted anomalies so the alert list is not empty.
 */
import {
  HOUR_MS,
  applySilence,
  buildCalendar,
  dayIndex,
  dailyRollup,
  gridForLocalDays,
  IntervalStore,
  MISSING_16,
  MISSING_32,
  getBit,
  generateMeter,
  syntheticMeterFor,
  type Plant,
  type SyntheticMeter,
} from '../analytics/index.ts'
import { hash32, seedFrom } from '../analytics/prng.ts'
import {
  HOUR_FLAG,
  type AnalyticsHistoryPlan,
  type AnalyticsStore,
  type DailyEnergy,
  type HourlyEnergy,
  type MeterAnalyticsState,
} from '../storage/analytics-repository.ts'
import { localDay } from './rollup-job.ts'
import { addDays } from './tables.ts'

export const HISTORY_DAYS = 365
export const HOURLY_DAYS = 42
const DAY_MS = 86_400_000

export interface DemoHistoryReport {
  meters: number
  commonMeters: number
  hourlyRows: number
  dailyRows: number
  plants: number
  ms: number
  /** Of which building the history in memory. */
  genMs: number
}

/** Deterministic floor area (m²) of a demo unit: homes 45–150 m², shops 30–200 m². */
function areaOf(key: string, profile: string): number {
  const u = hash32(seedFrom(key)) / 2 ** 32
  return Math.round((profile === 'household' ? 45 + u * 105 : 30 + u * 170) * 10) / 10
}

/** Anomalies planted in the demo, by position in the meter list (skipped where the estate is smaller). */
function demoPlants(meters: readonly SyntheticMeter[], now: number): Plant[] {
  const at = (i: number): string | undefined => meters[i]?.meterNo
  const out: Plant[] = []
  const add = (i: number, make: (meterNo: string) => Plant): void => {
    const m = at(i)
    if (m !== undefined) out.push(make(m))
  }
  // A bypass: only 30 % of the load reaches the register from six days ago, tamper flag raised.
  add(12, (meterNo) => ({
    kind: 'drop',
    meterNo,
    fromMs: now - 6 * DAY_MS,
    factor: 0.3,
    tamperFlag: true,
  }))
  // A stopped register with the relay closed for the last 2½ days.
  add(21, (meterNo) => ({ kind: 'zero', meterNo, fromMs: now - 2.5 * DAY_MS, toMs: now + DAY_MS }))
  // Use tripled five days ago (a new electric heater, or a neighbour tapping in).
  add(33, (meterNo) => ({ kind: 'rise', meterNo, fromMs: now - 5 * DAY_MS, factor: 3 }))
  // Communication lost two days ago.
  add(41, (meterNo) => ({ kind: 'silent', meterNo, fromMs: now - 2 * DAY_MS, toMs: now + DAY_MS }))
  // An always-on 900 W load for two months: the night-base advice.
  add(4, (meterNo) => ({ kind: 'extraLoad', meterNo, fromMs: now - 60 * DAY_MS, addW: 900 }))
  return out
}

/** Builds the history for the estate as stored (call right after the demo seed). */
export async function writeDemoHistory(
  repo: AnalyticsStore,
  timeZone: string,
  now: number,
): Promise<DemoHistoryReport> {
  const t0 = performance.now()
  const estate = await repo.analyticsEstate()
  if (estate.length === 0)
    return { meters: 0, commonMeters: 0, hourlyRows: 0, dailyRows: 0, plants: 0, ms: 0, genMs: 0 }
  const today = localDay(timeZone, now)
  const firstDay = addDays(today, -(HISTORY_DAYS - 1))
  const start = gridForLocalDays(timeZone, firstDay, 1, HOUR_MS).startMs
  const grid = { startMs: start, intervalMs: HOUR_MS, count: Math.floor((now - start) / HOUR_MS) }
  const cal = buildCalendar(grid, timeZone)

  const unitAreas = new Map<string, { building: string; unit: string; areaM2: number }>()
  const meters = estate.map((m) => {
    const key = `${m.building}/${m.unit}`
    const areaM2 = unitAreas.get(key)?.areaM2 ?? areaOf(key, m.profile)
    unitAreas.set(key, { building: m.building, unit: m.unit, areaM2 })
    return syntheticMeterFor({
      meterNo: m.meterNo,
      profile: m.profile,
      areaM2,
      site: m.site,
      siteKind: 'residential',
      building: m.building,
      unit: m.unit,
      seed: seedFrom(m.meterNo),
    })
  })
  const buildings = [...new Set(estate.map((m) => `${m.site}\u0000${m.building}`))].map(
    (k) => k.split('\u0000') as [string, string],
  )
  const bases = ['area', 'consumption', 'mixed'] as const
  const commonMeters = [
    ...buildings.map(([site, building], i) => ({
      meterNo: `5810900${String(i + 1).padStart(4, '0')}`,
      name: `${building} 公共照明与电梯 stairwell lights and lift`,
      site,
      building,
      basis: bases[i % 3]!,
      areaShare: 0.5,
    })),
    {
      meterNo: '58109009999',
      name: '水泵房 pump room',
      site: estate[0]!.site,
      building: null,
      basis: 'area' as const,
      areaShare: 0.5,
    },
  ]
  const commonSynthetic = commonMeters.map((c, i) =>
    syntheticMeterFor({
      meterNo: c.meterNo,
      profile: 'shop',
      areaM2: 100,
      site: c.site,
      siteKind: 'residential',
      building: c.building ?? '',
      unit: '',
      seed: seedFrom(c.meterNo) ^ i,
      alwaysTopsUp: true,
    }),
  )
  const all = [...meters, ...commonSynthetic]
  const plants = demoPlants(meters, now)
  const store = new IntervalStore(
    grid,
    all.map((m) => m.meterNo),
  )
  all.forEach((m, r) => {
    const { row, silent } = generateMeter(m, cal, plants, { into: store.rows[r]! })
    applySilence(row, silent, grid.count)
    store.setRow(r, row)
  })
  const daily = dailyRollup(store, cal)

  const hours: HourlyEnergy[] = []
  const days: DailyEnergy[] = []
  const states: MeterAnalyticsState[] = []
  const hourlyFirstDay = addDays(today, -(HOURLY_DAYS - 1))
  const hourlyFrom = cal.dayStart[Math.max(0, dayIndex(cal, hourlyFirstDay))]!
  all.forEach((m, r) => {
    const row = store.rows[r]!
    const miss = row.energy instanceof Uint16Array ? MISSING_16 : MISSING_32
    for (let i = hourlyFrom; i < grid.count; i++) {
      const wh = row.energy[i]!
      if (wh === miss) continue
      const hourMs = grid.startMs + i * HOUR_MS
      const flags =
        (getBit(row.estimated, i) ? HOUR_FLAG.estimated : 0) |
        (getBit(row.relayOpen, i) ? HOUR_FLAG.relayOpen : 0) |
        (getBit(row.tamper, i) ? HOUR_FLAG.tamper : 0)
      hours.push({ meterNo: m.meterNo, hourMs, wh, flags })
    }
    for (let d = 0; d < cal.dayCount; d++) {
      const covered = daily.covered[r * cal.dayCount + d]!
      if (covered === 0) continue
      const day = cal.dayLabel[d]!
      // Before the hourly window the history stands for daily register reads: its hours are spread.
      const estimated = day < hourlyFirstDay ? covered : daily.estimated[r * cal.dayCount + d]!
      days.push({
        meterNo: m.meterNo,
        day,
        wh: daily.wh[r * cal.dayCount + d]!,
        covered,
        estimated,
      })
    }
    if (r < meters.length)
      states.push({
        meterNo: m.meterNo,
        throughMs: grid.startMs + grid.count * HOUR_MS,
        lastReadingAt: Number.isFinite(row.lastReadingAt) ? row.lastReadingAt : null,
        lastCreditWh: Number.isFinite(row.lastCreditWh) ? row.lastCreditWh : null,
        lastRelayClosed: row.lastRelayClosed,
      })
  })
  const tGen = performance.now() - t0
  const plan: AnalyticsHistoryPlan = {
    unitAreas: [...unitAreas.values()],
    commonMeters,
    hours,
    days,
    states,
    now,
  }
  await repo.importAnalyticsHistory(plan)
  return {
    meters: meters.length,
    commonMeters: commonMeters.length,
    hourlyRows: hours.length,
    dailyRows: days.length,
    plants: plants.length,
    ms: Math.round(performance.now() - t0),
    genMs: Math.round(tGen),
  }
}
