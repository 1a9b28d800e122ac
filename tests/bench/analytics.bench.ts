/**
 * `npm run bench -- analytics`: a year of 15-minute interval data for 10 000 meters (20 sites:
 * residential communities, commercial complexes, industrial parks), generated deterministically,
 * then timed:
 *  - analytics.rollup_s: the daily roll-up of every meter (350 M intervals → 3.65 M local days);
 *  - analytics.forecast_s: the site sales forecast for every site (Holt-Winters with its held-out
 *    evaluation) plus days of credit left for every meter;
 *  - beside them, in the same run: anomaly detection with 40 planted cases, advice for every
 *    meter, ingest of raw readings, and the baseline for the roll-up's speed — a plain per-reading
 *    roll-up over MeterReading objects with an Intl day key per reading (as receipt numbers do),
 *    and a kinder one with a fixed-offset day key, both on a 1 % sample and scaled to the fleet.
 * Generation is not part of any timed figure; it is reported as analytics.generate_s.
 * Memory: peak RSS of the process (resourceUsage().maxRSS) and the typed arrays of the store.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MeterReading } from '@gridtill/shared'
import { API_PREFIX } from '@gridtill/shared'
import Database from 'better-sqlite3'
import {
  analytics as analyticsApi,
  buildApp,
  DEMO_ADMIN_TOKEN,
  loadConfig,
  sqlitePath,
} from '@gridtill/central-api'

import type { Report } from './run.ts'

const {
  IntervalStore,
  PRICE_FEN_PER_KWH,
  buildAdviceFacts,
  adviceFor,
  buildCalendar,
  creditRunway,
  dailyRollup,
  dailySeries,
  dayStartMs,
  detectAnomalies,
  fillStore,
  forecastSiteSales,
  generateMeter,
  gridForLocalDays,
  hierarchyRollup,
  historyOf,
  hourlyProfiles,
  intervalsFromReadings,
  periodRollup,
  sizeClass,
  syntheticFleet,
} = analyticsApi
type Plant = analyticsApi.Plant
type VendRecord = analyticsApi.VendRecord

const METERS = 10_000
const SAMPLE = 100 // 1 % for the naive baseline and the ingest figure
const TZ = 'Asia/Shanghai'
const HOUR_MS = 3_600_000

let peakRssMb = 0
function sampleRss(): void {
  peakRssMb = Math.max(
    peakRssMb,
    process.memoryUsage().rss / 2 ** 20,
    process.resourceUsage().maxRSS / 1024,
  )
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000
}

/** The baseline: one object per reading, a Map per meter-day, an Intl call per reading. */
function naiveDailyRollup(
  readings: readonly MeterReading[],
  out: Map<string, number>,
  fmt: Intl.DateTimeFormat,
): void {
  const sorted = [...readings].sort((a, b) => a.at - b.at)
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!
    const cur = sorted[k]!
    const delta = cur.energyWh - prev.energyWh
    if (delta < 0) continue
    const key = `${cur.meterNo}|${fmt.format(prev.at)}`
    out.set(key, (out.get(key) ?? 0) + delta)
  }
}

/**
 * A kinder baseline: the same objects and Map, but the day from a fixed UTC offset (no Intl) —
 * right for Asia/Shanghai, wrong for any zone with daylight saving.
 */
function naiveFixedOffsetRollup(
  readings: readonly MeterReading[],
  out: Map<string, number>,
  offsetMs: number,
): void {
  const sorted = [...readings].sort((a, b) => a.at - b.at)
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]!
    const cur = sorted[k]!
    const delta = cur.energyWh - prev.energyWh
    if (delta < 0) continue
    const key = `${cur.meterNo}|${Math.floor((prev.at + offsetMs) / 86_400_000)}`
    out.set(key, (out.get(key) ?? 0) + delta)
  }
}

export default async function analytics(report: Report): Promise<void> {
  const grid = gridForLocalDays(TZ, '2025-01-01', 365)
  const cal = buildCalendar(grid, TZ)
  const fleet = syntheticFleet({ seed: 2025, meters: METERS })
  const day = (d: number, h = 0): number => dayStartMs(cal, d) + h * HOUR_MS
  const last = cal.dayCount - 1

  // 40 planted anomalies in the last days of the year, evaluated as of the last day.
  const homes = fleet.filter((m) => m.profile === 'household')
  const shops = fleet.filter((m) => m.profile === 'shop')
  const plants: Plant[] = []
  const planted = new Map<string, string>()
  const plant = (p: Plant & { meterNo: string }, kind: string): void => {
    plants.push(p)
    planted.set(p.meterNo, kind)
  }
  for (let k = 0; k < 10; k++) {
    plant(
      {
        kind: 'drop',
        meterNo: homes[37 * k + 1]!.meterNo,
        fromMs: day(last - 8),
        factor: 0.2,
        tamperFlag: k % 2 === 0,
      },
      'suddenDrop',
    )
    plant(
      {
        kind: 'zero',
        meterNo: homes[37 * k + 2]!.meterNo,
        fromMs: day(last - 4, 8),
        toMs: Number.POSITIVE_INFINITY,
      },
      'zeroWithRelayClosed',
    )
    plant(
      {
        kind: 'silent',
        meterNo: homes[37 * k + 3]!.meterNo,
        fromMs: day(last - 3),
        toMs: Number.POSITIVE_INFINITY,
      },
      'silent',
    )
    const riser = k < 5 ? homes[37 * k + 4]! : shops[11 * k]!
    plant({ kind: 'rise', meterNo: riser.meterNo, fromMs: day(last - 6), factor: 3 }, 'suddenRise')
  }

  // ── generation (not timed as part of any figure) ──
  let t = performance.now()
  const store = new IntervalStore(
    grid,
    fleet.map((m) => m.meterNo),
  )
  const vends: VendRecord[] = []
  fillStore(store, cal, fleet, plants, vends)
  report('analytics.generate_s', seconds(t), 's')
  report('analytics.intervals', METERS * grid.count, 'intervals')
  report('analytics.store_mb', store.byteLength() / 2 ** 20, 'MB')
  sampleRss()

  // ── the daily roll-up ──
  dailyRollup(store, cal) // warm-up, so the figure is the steady state the server sees
  t = performance.now()
  const cpu = process.cpuUsage()
  const daily = dailyRollup(store, cal)
  const rollupS = seconds(t)
  report('analytics.rollup_s', rollupS, 's')
  // CPU time beside the wall time: on a shared machine the difference is other people's load.
  report('analytics.rollup_cpu_s', process.cpuUsage(cpu).user / 1e6, 's')
  sampleRss()

  t = performance.now()
  const byNo = new Map(fleet.map((m) => [m.meterNo, m]))
  const tables = hierarchyRollup(daily, (k) => byNo.get(k))
  periodRollup(daily, 'week')
  periodRollup(daily, 'month')
  hourlyProfiles(store, cal, { fromDay: last - 27, toDay: last })
  report('analytics.views_s', seconds(t), 's') // hierarchy, weeks, months, 28-day hourly profiles

  // ── forecasts: every site's sales, every meter's days of credit ──
  const sites = tables.site
  const vendsBySite = new Map<string, { at: number; value: number }[]>()
  for (const v of vends) {
    const s = byNo.get(v.meterNo)!.site
    let list = vendsBySite.get(s)
    if (list === undefined) vendsBySite.set(s, (list = []))
    list.push({ at: v.at, value: v.energyWh })
  }
  t = performance.now()
  const consMape: number[] = []
  const consNaive: number[] = []
  const salesMape: number[] = []
  const salesNaive: number[] = []
  for (let s = 0; s < sites.keys.length; s++) {
    const y = sites.wh.subarray(s * cal.dayCount, (s + 1) * cal.dayCount)
    const v = dailySeries(cal, vendsBySite.get(sites.keys[s]!) ?? [])
    const f = forecastSiteSales(y, { weeks: 4, vendWh: v, fenPerKwh: PRICE_FEN_PER_KWH.household })
    consMape.push(f.holdoutConsumption.mapePct)
    consNaive.push(f.holdoutConsumption.naiveMapePct)
    salesMape.push(f.holdoutSales!.mapePct)
    salesNaive.push(f.holdoutSales!.naiveMapePct)
  }
  let withRunway = 0
  for (let r = 0; r < store.size; r++) {
    const rw = creditRunway(
      historyOf(daily, r, last),
      store.rows[r]!.lastCreditWh,
      (cal.weekday[last]! + 1) % 7,
    )
    if (rw.status === 'ok') withRunway++
  }
  const forecastS = seconds(t)
  report('analytics.forecast_s', forecastS, 's')
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  report('analytics.forecast_sites', sites.keys.length, 'sites')
  report('analytics.forecast_mape_pct', mean(consMape), '%') // site consumption, 4 held-out weeks
  report('analytics.forecast_naive_mape_pct', mean(consNaive), '%')
  report('analytics.sales_mape_pct', mean(salesMape), '%') // the same forecast against actual vends
  report('analytics.sales_naive_mape_pct', mean(salesNaive), '%')
  report('analytics.runway_meters', withRunway, 'meters')
  sampleRss()

  // ── anomalies ──
  t = performance.now()
  const found = detectAnomalies({
    store,
    daily,
    asOfDay: last,
    peerGroupsOf: (r) => [`${fleet[r]!.site}:${fleet[r]!.profile}`, fleet[r]!.site],
  })
  report('analytics.anomalies_s', seconds(t), 's')
  const hits = [...planted].filter(([no, kind]) =>
    found.alerts.some((a) => a.meterNo === no && a.kind === kind),
  ).length
  const fpMeters = new Set(
    found.alerts.filter((a) => !planted.has(a.meterNo)).map((a) => a.meterNo),
  ).size
  report('analytics.anomaly_planted', planted.size, 'cases')
  report('analytics.anomaly_found', hits, 'cases')
  report('analytics.anomaly_fp_meters', fpMeters, 'meters')

  // ── advice ──
  t = performance.now()
  const facts = buildAdviceFacts({
    store,
    daily,
    asOfDay: last,
    classesOf: (r) => [sizeClass(fleet[r]!.profile, fleet[r]!.areaM2), fleet[r]!.profile],
    creditWhOf: (r) => store.rows[r]!.lastCreditWh,
  })
  let items = 0
  for (const f of facts) items += adviceFor(f).length
  report('analytics.advice_s', seconds(t), 's')
  report('analytics.advice_items', items, 'items')
  sampleRss()

  // ── baseline and ingest, on a 1 % sample ──
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  })
  let naiveMs = 0
  let fixedMs = 0
  let ingestMs = 0
  let readingsSeen = 0
  const step = Math.floor(METERS / SAMPLE)
  for (let k = 0; k < SAMPLE; k++) {
    // Unplanted meters: a silent gap is spread by ingest but lumped into one day by the baseline.
    let i = k * step
    while (planted.has(fleet[i]!.meterNo)) i++
    const m = fleet[i]!
    const readings: MeterReading[] = []
    generateMeter(m, cal, plants, { onReading: (r) => readings.push(r) })
    readingsSeen += readings.length
    const naive = new Map<string, number>()
    let s = performance.now()
    naiveDailyRollup(readings, naive, fmt)
    naiveMs += performance.now() - s
    s = performance.now()
    naiveFixedOffsetRollup(readings, new Map<string, number>(), 8 * HOUR_MS)
    fixedMs += performance.now() - s
    s = performance.now()
    const row = intervalsFromReadings(readings, grid).intervals
    ingestMs += performance.now() - s
    // The two must agree before their speeds mean anything.
    const r = store.rowOf(m.meterNo)!
    for (let d = 0; d < cal.dayCount; d++) {
      const want = naive.get(`${m.meterNo}|${cal.dayLabel[d]!}`) ?? 0
      if (daily.wh[r * cal.dayCount + d] !== want)
        throw new Error(`naive and columnar roll-ups disagree: ${m.meterNo} ${cal.dayLabel[d]!}`)
    }
    if (row.energy.length !== grid.count) throw new Error('ingest produced a row off the grid')
  }
  const naiveS = (naiveMs / 1000) * (METERS / SAMPLE)
  report('analytics.rollup_naive_s', naiveS, 's')
  report('analytics.rollup_vs_naive', naiveS / rollupS, 'x')
  const fixedS = (fixedMs / 1000) * (METERS / SAMPLE)
  report('analytics.rollup_naive_fixed_offset_s', fixedS, 's')
  report('analytics.rollup_vs_naive_fixed_offset', fixedS / rollupS, 'x')
  report(
    'analytics.ingest_readings_per_s',
    Math.round(readingsSeen / (ingestMs / 1000)),
    'readings/s',
  )
  sampleRss()
  report('analytics.rss_mb', Math.round(peakRssMb), 'MB')
  await serviceOverStorage(report)
}

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.floor(v.length / 2)]!
}

/**
 * The analytics service end to end over storage (SQLite), on the demo estate `npm start` seeds
 * (50 meters, a year of history): a fresh demo's start, then the console's consumption view
 * (every meter, every day of the last six weeks) through the route, against the baseline of
 * building the same table from the hourly rows on each request (no daily roll-up cache).
 */
async function serviceOverStorage(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gridtill-bench-analytics-'))
  try {
    const { config } = loadConfig({
      GRIDTILL_DEMO: '1',
      DATA_DIR: dir,
      PORT: '0',
      MQTT_PORT: '0',
      METER_COUNT: '50',
      LOG_LEVEL: 'silent',
    })
    let t = performance.now()
    const app = await buildApp({ config, meterLink: false })
    report('analytics.service_demo_start_s', seconds(t), 's')
    try {
      const headers = { 'x-gridtill-admin-token': DEMO_ADMIN_TOKEN, 'x-gridtill-staff': 'S001' }
      const get = async (url: string): Promise<unknown> => {
        const res = await app.inject({
          method: 'GET',
          url: `${API_PREFIX}/console/analytics${url}`,
          headers,
        })
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
        return res.json()
      }
      const scopes = (await get('/scopes')) as { today: string; sites: { key: string }[] }
      const addDays = (d: string, n: number): string =>
        new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
      const to = addDays(scopes.today, -1)
      const from = addDays(to, -41)
      const url = `/consumption?level=meter&granularity=day&from=${from}&to=${to}`
      const runs = 7
      const served: number[] = []
      for (let k = 0; k < runs; k++) {
        t = performance.now()
        await get(url)
        served.push(performance.now() - t)
      }
      // Baseline: the same meter × day table summed from the hourly rows on every request.
      const cal = analyticsApi.buildCalendar(
        analyticsApi.gridForLocalDays(TZ, from, 42, HOUR_MS),
        TZ,
      )
      // Read beside the app (WAL lets a reader in while the central holds the database).
      const db = new Database(sqlitePath(config), { readonly: true })
      const hourly = db.prepare<[number, number], { meterNo: string; hourMs: number; wh: number }>(
        'SELECT meter_no AS meterNo, hour_ms AS hourMs, wh FROM analytics_hourly WHERE hour_ms >= ? AND hour_ms < ? ORDER BY meter_no, hour_ms',
      )
      const base: number[] = []
      let cells = 0
      for (let k = 0; k < runs; k++) {
        t = performance.now()
        const rows = hourly.all(cal.grid.startMs, cal.grid.startMs + cal.grid.count * HOUR_MS)
        const table = new Map<string, number[]>()
        for (const h of rows) {
          const d = analyticsApi.dayOfInstant(cal, h.hourMs)
          let row = table.get(h.meterNo)
          if (row === undefined)
            table.set(h.meterNo, (row = new Array<number>(cal.dayCount).fill(0)))
          row[d] = (row[d] ?? 0) + h.wh
        }
        cells = JSON.stringify([...table]).length
        base.push(performance.now() - t)
      }
      db.close()
      if (cells === 0) throw new Error('baseline built nothing')
      const servedMs = median(served)
      const baseMs = median(base)
      report('analytics.service_query_ms', servedMs, 'ms') // route + refresh check + daily cache + core
      report('analytics.service_query_hourly_baseline_ms', baseMs, 'ms')
      report('analytics.service_query_vs_hourly_baseline', baseMs / servedMs, 'x')
      // Everything the console page asks for, one request after another.
      const site = encodeURIComponent(scopes.sites[0]!.key)
      t = performance.now()
      for (const u of [
        '/consumption',
        '/profile',
        '/top',
        '/comparison',
        '/forecasts/days-left',
        `/forecasts/sales?site=${site}&weeks=6`,
        '/alerts',
        `/allocation?site=${site}`,
        '/advice?meterNo=58101000005',
      ])
        await get(u)
      report('analytics.service_page_s', seconds(t), 's')
    } finally {
      await app.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
