/**
 * The analytics service: loads the caches for a scope and period, runs the pure core
 * (central-api/src/analytics) and answers the console's questions. It keeps the caches current
 * (rollup-job.ts) and the stored anomaly alerts fresh, at most once per REFRESH_EVERY_MS however
 * many requests ask.
 */
import type { Clock, Language } from '@gridtill/shared'
import {
  DEFAULT_HOLDOUT_WEEKS,
  HOUR_MS,
  RUNWAY_METHOD,
  SALES_METHOD,
  adviceFor,
  aggregateRows,
  allocatePools,
  buildAdviceFacts,
  comparePeriods,
  creditRunway,
  detectAnomalies,
  forecastSiteSales,
  historyOf,
  hourlyProfiles,
  peerPositions,
  periodRollup,
  rangeTotal,
  sizeClass,
  topConsumers,
  type Advice,
  type AllocationMethod,
  type DailyTable,
  type PeerPosition,
} from '../analytics/index.ts'
import { estimateDaysLeft } from '../analytics/days-left.ts'
import type {
  AnalyticsStore,
  EstateMeter,
  MeterAnalyticsState,
  UsageAlertRecord,
} from '../storage/analytics-repository.ts'
import type { Repository } from '../storage/repository.ts'
import { rollupAll, localDay, type RollupReport } from './rollup-job.ts'
import { groupKey, metersWithin, scopeTree, unitKey, type Level, type ScopeTree } from './scope.ts'
import { addDays, dailyTableFrom, hourlyCalendar, intervalStoreFrom } from './tables.ts'

export const REFRESH_EVERY_MS = 30_000
/** The detectors read six weeks of hourly data for every meter: not on every refresh. */
export const DETECT_EVERY_MS = 10 * 60_000
/** Days of hourly data the detectors look at: 28-day baseline + 7-day window + onset look-back. */
const DETECT_DAYS = 42
const SALES_HISTORY_DAYS = 364
const round = (x: number, k = 1): number => Math.round(x * 10 ** k) / 10 ** k

type Repo = AnalyticsStore & Pick<Repository, 'getAccount'>

export interface DayRange {
  from: string
  to: string
}

export interface ConsumptionView {
  level: Level
  granularity: 'day' | 'week' | 'month'
  from: string
  to: string
  periods: string[]
  rows: { key: string; members: number; totalWh: number; values: number[]; coverage: number[] }[]
}

export interface ProfileView {
  from: string
  to: string
  meters: number
  weekdayW: (number | null)[]
  weekendW: (number | null)[]
  nightBaseW: number | null
  eveningPeakW: number | null
}

export interface ComparisonRow {
  key: string
  currentWh: number
  previousWh: number
  changeWh: number
  changePct: number | null
  comparable: boolean
  peer: { peerClass: string; peers: number; medianWh: number; percentile: number } | null
}

export interface RunwayRow {
  meterNo: string
  unit: string
  creditWh: number | null
  status: 'ok' | 'insufficientData' | 'noConsumption' | 'noCredit'
  days: number | null
  low: number | null
  high: number | null
  expectedDailyWh: number | null
  /** analytics/days-left.ts (what kiosks, receipts and low-credit alerts use) on the same history. */
  daysLeftSimple: number | null
}

export interface SalesView {
  site: string
  method: string
  params: { alpha: number; beta: number; gamma: number; phi: number; seasonal: string }
  weeks: { weekStart: string; energyWh: number; amountFen: number | null }[]
  fenPerKwh: number | null
  holdout: {
    weeks: number
    mapePct: number | null
    maeWh: number
    naiveMapePct: number | null
    naiveMaeWh: number
    skill: number
    actualWeeklyWh: number[]
    forecastWeeklyWh: number[]
  }
  history: { day: string; wh: number }[]
  forecast: { day: string; wh: number }[]
  filledDays: number
}

export interface AlertView extends UsageAlertRecord {
  unit: string | null
}

export interface AllocationView {
  site: string
  month: string
  pools: {
    meterNo: string
    name: string
    building: string | null
    basis: string
    energyWh: number
  }[]
  lines: {
    unit: string
    areaM2: number | null
    ownWh: number
    sharedWh: number
    parts: { meterNo: string; energyWh: number; sharePct: number; basis: string }[]
  }[]
}

export interface AdviceView {
  meterNo: string
  unit: string
  asOf: string
  peerClass: string | null
  advice: (Omit<Advice, 'text'> & { text: Record<Language, string> })[]
}

export class AnalyticsService {
  private refreshing: Promise<RollupReport> | null = null
  private lastRefreshAt = Number.NEGATIVE_INFINITY
  private lastDetectAt = Number.NEGATIVE_INFINITY
  lastRefresh: (RollupReport & { at: number; ms: number; alerts: number }) | null = null

  constructor(
    private readonly repo: Repo,
    private readonly clock: Clock,
    readonly timeZone: string,
  ) {}

  today(): string {
    return localDay(this.timeZone, this.clock.now())
  }

  /** Last complete local day. */
  yesterday(): string {
    return addDays(this.today(), -1)
  }

  /** Rolls new readings up (and re-runs the detectors every DETECT_EVERY_MS), unless done moments ago. */
  async refresh(force = false): Promise<RollupReport> {
    const now = this.clock.now()
    if (this.refreshing !== null) return this.refreshing
    if (!force && now - this.lastRefreshAt < REFRESH_EVERY_MS && this.lastRefresh !== null)
      return this.lastRefresh
    this.refreshing = (async () => {
      const t0 = performance.now()
      const estate = await this.repo.analyticsEstate()
      const report = await rollupAll(
        this.repo,
        estate.map((m) => m.meterNo),
        this.timeZone,
        now,
      )
      let alerts = this.lastRefresh?.alerts ?? 0
      if (force || now - this.lastDetectAt >= DETECT_EVERY_MS) {
        alerts = await this.detect(estate)
        this.lastDetectAt = now
      }
      this.lastRefreshAt = now
      this.lastRefresh = { ...report, at: now, ms: Math.round(performance.now() - t0), alerts }
      return report
    })()
    try {
      return await this.refreshing
    } finally {
      this.refreshing = null
    }
  }

  private async states(): Promise<Map<string, MeterAnalyticsState>> {
    return new Map((await this.repo.analyticsStates()).map((s) => [s.meterNo, s]))
  }

  /** Runs the anomaly detectors over the last DETECT_DAYS days and stores what they find. */
  private async detect(estate: readonly EstateMeter[]): Promise<number> {
    if (estate.length === 0) return 0
    const to = this.yesterday()
    const from = addDays(to, -(DETECT_DAYS - 1))
    const meterNos = estate.map((m) => m.meterNo)
    const cal = hourlyCalendar(this.timeZone, from, to)
    const store = intervalStoreFrom(
      cal,
      meterNos,
      await this.repo.hourlyEnergy(
        meterNos,
        cal.grid.startMs,
        cal.grid.startMs + cal.grid.count * HOUR_MS,
      ),
      await this.states(),
    )
    const daily = dailyTableFrom(cal, meterNos, await this.repo.dailyEnergy(meterNos, from, to))
    const report = detectAnomalies({
      store,
      daily,
      asOfDay: cal.dayCount - 1,
      nowMs: this.clock.now(),
      peerGroupsOf: (r) => [`${estate[r]!.site}:${estate[r]!.profile}`, estate[r]!.site],
    })
    await this.repo.upsertUsageAlerts(
      report.alerts.map((a) => ({
        id: a.id,
        kind: a.kind,
        meterNo: a.meterNo,
        severity: a.severity,
        fromMs: a.from,
        toMs: a.to,
        evidence: a.evidence,
      })),
      this.clock.now(),
    )
    return report.alerts.length
  }

  async scopes(): Promise<
    ScopeTree & { firstDay: string | null; lastDay: string | null; today: string }
  > {
    const [estate, range] = await Promise.all([this.repo.analyticsEstate(), this.repo.dailyRange()])
    return {
      ...scopeTree(estate),
      firstDay: range?.first ?? null,
      lastDay: range?.last ?? null,
      today: this.today(),
    }
  }

  private async daily(meters: readonly EstateMeter[], range: DayRange): Promise<DailyTable> {
    const cal = hourlyCalendar(this.timeZone, range.from, range.to)
    const meterNos = meters.map((m) => m.meterNo)
    return dailyTableFrom(
      cal,
      meterNos,
      await this.repo.dailyEnergy(meterNos, range.from, range.to),
    )
  }

  async consumption(
    q: { level: Level; within: string; granularity: 'day' | 'week' | 'month' } & DayRange,
  ): Promise<ConsumptionView> {
    const meters = metersWithin(await this.repo.analyticsEstate(), q.within)
    const byNo = new Map(meters.map((m) => [m.meterNo, m]))
    const t = aggregateRows(await this.daily(meters, q), (k) => groupKey(byNo.get(k)!, q.level))
    const cal = t.calendar
    if (q.granularity === 'day') {
      const days = cal.dayCount
      return {
        ...q,
        periods: [...cal.dayLabel],
        rows: t.keys.map((key, r) => ({
          key,
          members: t.members[r]!,
          totalWh: rangeTotal(t, r, { fromDay: 0, toDay: days - 1 }).wh,
          values: Array.from(t.wh.subarray(r * days, (r + 1) * days)),
          coverage: Array.from({ length: days }, (_, d) =>
            round(t.covered[r * days + d]! / (cal.expectedIntervals[d]! * t.members[r]!), 3),
          ),
        })),
      }
    }
    const p = periodRollup(t, q.granularity)
    const n = p.periods.length
    return {
      ...q,
      periods: p.periods.map((x) => x.label),
      rows: t.keys.map((key, r) => ({
        key,
        members: t.members[r]!,
        totalWh: rangeTotal(t, r, { fromDay: 0, toDay: cal.dayCount - 1 }).wh,
        values: Array.from(p.wh.subarray(r * n, (r + 1) * n)),
        coverage: Array.from(p.coverage.subarray(r * n, (r + 1) * n), (c) => round(c, 3)),
      })),
    }
  }

  async profile(q: { within: string } & DayRange): Promise<ProfileView> {
    const meters = metersWithin(await this.repo.analyticsEstate(), q.within)
    const meterNos = meters.map((m) => m.meterNo)
    const cal = hourlyCalendar(this.timeZone, q.from, q.to)
    const store = intervalStoreFrom(
      cal,
      meterNos,
      await this.repo.hourlyEnergy(
        meterNos,
        cal.grid.startMs,
        cal.grid.startMs + cal.grid.count * HOUR_MS,
      ),
      new Map(),
    )
    const p = hourlyProfiles(store, cal, { fromDay: 0, toDay: cal.dayCount - 1 })
    // The scope's load: the sum of its meters' average demand, hour by hour.
    const sum = new Array<number | null>(48).fill(null)
    for (let r = 0; r < meterNos.length; r++)
      for (let k = 0; k < 48; k++) {
        const w = p.avgW[r * 48 + k]!
        if (Number.isFinite(w)) sum[k] = (sum[k] ?? 0) + w
      }
    const rounded = sum.map((w) => (w === null ? null : Math.round(w)))
    const weekdayW = rounded.slice(0, 24)
    const weekendW = rounded.slice(24)
    const all = weekdayW.map((w, h) =>
      w === null
        ? (weekendW[h] ?? null)
        : weekendW[h] === null
          ? w
          : (w * 5 + weekendW[h]! * 2) / 7,
    )
    const night = all.slice(0, 5).filter((w): w is number => w !== null)
    const evening = weekdayW.slice(18, 22).filter((w): w is number => w !== null)
    return {
      from: q.from,
      to: q.to,
      meters: meterNos.length,
      weekdayW,
      weekendW,
      nightBaseW: night.length === 0 ? null : Math.round(Math.min(...night)),
      eveningPeakW:
        evening.length === 0
          ? null
          : Math.round(evening.reduce((a, b) => a + b, 0) / evening.length),
    }
  }

  async top(
    q: { level: 'meter' | 'unit' | 'building'; within: string; limit: number } & DayRange,
  ): Promise<{ key: string; wh: number; sharePct: number; coverage: number }[]> {
    const meters = metersWithin(await this.repo.analyticsEstate(), q.within)
    const byNo = new Map(meters.map((m) => [m.meterNo, m]))
    const t = aggregateRows(await this.daily(meters, q), (k) => groupKey(byNo.get(k)!, q.level))
    return topConsumers(t, { fromDay: 0, toDay: t.calendar.dayCount - 1 }, q.limit).map((x) => ({
      ...x,
      sharePct: round(x.sharePct, 2),
      coverage: round(x.coverage, 3),
    }))
  }

  /** Against the period of the same length just before, and (meters, units) against similar ones. */
  async comparison(
    q: { level: Level; within: string } & DayRange,
  ): Promise<{ current: DayRange; previous: DayRange; rows: ComparisonRow[] }> {
    const estate = await this.repo.analyticsEstate()
    const meters = metersWithin(estate, q.within)
    const len = Math.round((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000) + 1
    const previous = { from: addDays(q.from, -len), to: addDays(q.from, -1) }
    const byNo = new Map(estate.map((m) => [m.meterNo, m]))
    // Peers come from the whole estate, not just the scope: a building is not its own yardstick.
    const peerLevel = q.level === 'meter' || q.level === 'unit'
    const loadMeters = peerLevel ? estate : meters
    const raw = await this.daily(loadMeters, { from: previous.from, to: q.to })
    const t = aggregateRows(raw, (k) => groupKey(byNo.get(k)!, q.level))
    const cur = { fromDay: len, toDay: 2 * len - 1 }
    const cmp = comparePeriods(t, cur, { fromDay: 0, toDay: len - 1 })
    let peers: (PeerPosition | null)[] = t.keys.map(() => null)
    if (peerLevel) {
      const first = new Map<string, EstateMeter>()
      for (const m of estate)
        if (!first.has(groupKey(m, q.level))) first.set(groupKey(m, q.level), m)
      const values = Float64Array.from(t.keys, (_, r) => {
        const x = rangeTotal(t, r, cur)
        return x.coverage >= 0.9 ? x.wh : Number.NaN
      })
      const specific = peerPositions(values, (r) => {
        const m = first.get(t.keys[r]!)
        return m === undefined ? undefined : sizeClass(m.profile, m.areaM2 ?? undefined)
      })
      const broad = peerPositions(values, (r) => first.get(t.keys[r]!)?.profile)
      peers = specific.map((p, r) => p ?? broad[r] ?? null)
    }
    const inScope = new Set(meters.map((m) => groupKey(m, q.level)))
    const rows: ComparisonRow[] = []
    cmp.forEach((c, r) => {
      if (!inScope.has(c.key)) return
      const p = peers[r] ?? null
      rows.push({
        key: c.key,
        currentWh: c.currentWh,
        previousWh: c.previousWh,
        changeWh: c.changeWh,
        changePct: c.changePct === null ? null : round(c.changePct, 1),
        comparable: c.comparable,
        peer:
          p === null
            ? null
            : {
                peerClass: p.peerClass,
                peers: p.peers,
                medianWh: Math.round(p.median),
                percentile: round(p.percentile, 1),
              },
      })
    })
    return { current: { from: q.from, to: q.to }, previous, rows }
  }

  async runway(q: {
    within: string
  }): Promise<{ method: string; asOf: string; rows: RunwayRow[] }> {
    const meters = metersWithin(await this.repo.analyticsEstate(), q.within)
    const states = await this.states()
    const to = this.yesterday()
    const range = { from: addDays(to, -27), to }
    const t = await this.daily(meters, range)
    const cal = t.calendar
    const today = await this.repo.dailyEnergy(
      meters.map((m) => m.meterNo),
      this.today(),
      this.today(),
    )
    const todayWh = new Map(today.map((d) => [d.meterNo, d.wh]))
    const nextWeekday = (cal.weekday[cal.dayCount - 1]! + 1) % 7
    const rows = meters.map((m, r): RunwayRow => {
      const s = states.get(m.meterNo)
      // The newer of the meter link's latest reading and the roll-up's.
      const creditWh =
        s?.lastReadingAt != null && (m.lastSeenAt === null || s.lastReadingAt >= m.lastSeenAt)
          ? s.lastCreditWh
          : m.lastCreditWh
      const base = { meterNo: m.meterNo, unit: unitKey(m), creditWh }
      if (creditWh === null)
        return {
          ...base,
          status: 'noCredit',
          days: null,
          low: null,
          high: null,
          expectedDailyWh: null,
          daysLeftSimple: null,
        }
      const rw = creditRunway(historyOf(t, r, cal.dayCount - 1), creditWh, nextWeekday)
      // days-left.ts on the daily register: one sample per day boundary over the trailing run of
      // well-covered days, the credit as of the latest reading.
      const samples: { at: number; energyWh: number; creditWh: number }[] = []
      let e = 0
      let d = cal.dayCount - 1
      while (d >= 0 && t.covered[r * cal.dayCount + d]! >= 0.9 * cal.expectedIntervals[d]!) d--
      for (let k = d + 1; k < cal.dayCount; k++) {
        if (samples.length === 0)
          samples.push({ at: cal.grid.startMs + cal.dayStart[k]! * HOUR_MS, energyWh: 0, creditWh })
        e += t.wh[r * cal.dayCount + k]!
        samples.push({
          at: cal.grid.startMs + cal.dayStart[k + 1]! * HOUR_MS,
          energyWh: e,
          creditWh,
        })
      }
      const last = samples.at(-1)
      if (last !== undefined && s?.lastReadingAt != null && s.lastReadingAt > last.at)
        samples.push({ at: s.lastReadingAt, energyWh: e + (todayWh.get(m.meterNo) ?? 0), creditWh })
      const simple = estimateDaysLeft(samples, this.clock.now())
      const daysLeftSimple = simple.daysLeft === null ? null : round(simple.daysLeft, 1)
      if (rw.status !== 'ok')
        return {
          ...base,
          status: rw.status,
          days: null,
          low: null,
          high: null,
          expectedDailyWh: null,
          daysLeftSimple,
        }
      return {
        ...base,
        status: 'ok',
        days: rw.days,
        low: rw.low,
        high: rw.high,
        expectedDailyWh: rw.expectedDailyWh,
        daysLeftSimple,
      }
    })
    rows.sort(
      (a, b) =>
        (a.days ?? Number.POSITIVE_INFINITY) - (b.days ?? Number.POSITIVE_INFINITY) ||
        (a.meterNo < b.meterNo ? -1 : 1),
    )
    return { method: RUNWAY_METHOD, asOf: to, rows }
  }

  /** A site's average price (fen/kWh) from its accounts' tariffs in force: flat price or first block. */
  private async sitePrice(meters: readonly EstateMeter[]): Promise<number | null> {
    const prices: number[] = []
    const seen = new Set<string>()
    for (const m of meters) {
      if (seen.has(m.accountId)) continue
      seen.add(m.accountId)
      const a = await this.repo.getAccount(m.accountId, this.clock.now())
      const p = a?.tariff?.definition.pricing
      if (p === undefined) continue
      const price =
        p.kind === 'flat'
          ? p.priceFenPerKwh
          : 'blocks' in p
            ? p.blocks[0]?.priceFenPerKwh
            : undefined
      if (price !== undefined) prices.push(price)
    }
    return prices.length === 0
      ? null
      : Math.round(prices.reduce((a, b) => a + b, 0) / prices.length)
  }

  async sales(q: { site: string; weeks: number }): Promise<SalesView> {
    const meters = (await this.repo.analyticsEstate()).filter((m) => m.site === q.site)
    const to = this.yesterday()
    const from = addDays(to, -(SALES_HISTORY_DAYS - 1))
    const t = aggregateRows(await this.daily(meters, { from, to }), () => q.site)
    const cal = t.calendar
    const n = cal.dayCount
    // Start at the first day with data; fill poorly covered days (a meter-link outage) by scaling
    // up what was measured, or with the same weekday a week before, so gaps are not read as demand.
    let start = 0
    while (start < n && t.covered[start] === 0) start++
    const series: number[] = []
    let filled = 0
    for (let d = start; d < n; d++) {
      const cov =
        t.members.length === 0 ? 0 : t.covered[d]! / (cal.expectedIntervals[d]! * t.members[0]!)
      if (cov >= 0.9) series.push(t.wh[d]!)
      else {
        filled++
        series.push(cov >= 0.5 ? t.wh[d]! / cov : (series[series.length - 7] ?? t.wh[d]!))
      }
    }
    const fenPerKwh = await this.sitePrice(meters)
    const f = forecastSiteSales(series, {
      weeks: q.weeks,
      holdoutWeeks: DEFAULT_HOLDOUT_WEEKS,
      ...(fenPerKwh === null ? {} : { fenPerKwh }),
    })
    const h = f.holdoutConsumption
    const nan = (x: number): number | null => (Number.isFinite(x) ? round(x, 2) : null)
    return {
      site: q.site,
      method: SALES_METHOD,
      params: { ...f.params },
      weeks: f.weeklyWh.map((wh, i) => ({
        weekStart: addDays(to, 1 + 7 * i),
        energyWh: wh,
        amountFen: f.weeklyFen?.[i] ?? null,
      })),
      fenPerKwh,
      holdout: {
        weeks: h.holdoutWeeks,
        mapePct: nan(h.mapePct),
        maeWh: Math.round(h.mae),
        naiveMapePct: nan(h.naiveMapePct),
        naiveMaeWh: Math.round(h.naiveMae),
        skill: round(h.skill, 3),
        actualWeeklyWh: h.actualWeekly.map(Math.round),
        forecastWeeklyWh: h.forecastWeekly.map(Math.round),
      },
      history: series
        .slice(-56)
        .map((wh, i, a) => ({ day: addDays(to, i - a.length + 1), wh: Math.round(wh) })),
      forecast: Array.from(f.dailyWh, (wh, i) => ({ day: addDays(to, i + 1), wh: Math.round(wh) })),
      filledDays: filled,
    }
  }

  async alerts(q: { state: 'open' | 'acknowledged' | 'all'; limit: number }): Promise<AlertView[]> {
    const [alerts, estate] = await Promise.all([
      this.repo.listUsageAlerts(q),
      this.repo.analyticsEstate(),
    ])
    const byNo = new Map(estate.map((m) => [m.meterNo, m]))
    return alerts.map((a) => {
      const m = byNo.get(a.meterNo)
      return { ...a, unit: m === undefined ? null : unitKey(m) }
    })
  }

  acknowledge(a: { id: string; staffId: string; note: string }): Promise<UsageAlertRecord | null> {
    return this.repo.acknowledgeUsageAlert({ ...a, now: this.clock.now() })
  }

  /** Last complete local month, 'YYYY-MM'. */
  lastMonth(): string {
    const [y, m] = this.today().split('-').map(Number) as [number, number]
    return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
  }

  async allocation(q: { site: string; month: string }): Promise<AllocationView> {
    const [estate, commons] = await Promise.all([
      this.repo.analyticsEstate(),
      this.repo.commonMeters(),
    ])
    const meters = estate.filter((m) => m.site === q.site)
    const pools = commons.filter((c) => c.site === q.site)
    const [y, mo] = q.month.split('-').map(Number) as [number, number]
    const from = `${q.month}-01`
    const to = `${q.month}-${String(new Date(Date.UTC(y, mo, 0)).getUTCDate()).padStart(2, '0')}`
    const rows = await this.repo.dailyEnergy(
      [...meters.map((m) => m.meterNo), ...pools.map((p) => p.meterNo)],
      from,
      to,
    )
    const byMeter = new Map<string, number>()
    for (const r of rows) byMeter.set(r.meterNo, (byMeter.get(r.meterNo) ?? 0) + r.wh)
    const units = new Map<
      string,
      { unitId: string; building: string; areaM2: number | null; consumptionWh: number }
    >()
    for (const m of meters) {
      const k = unitKey(m)
      const u = units.get(k) ?? {
        unitId: k,
        building: m.building,
        areaM2: m.areaM2,
        consumptionWh: 0,
      }
      u.consumptionWh += byMeter.get(m.meterNo) ?? 0
      units.set(k, u)
    }
    const unitList = [...units.values()]
    const method = (p: (typeof pools)[number]): AllocationMethod =>
      p.basis === 'mixed' ? { areaShare: p.areaShare } : p.basis
    const lines =
      unitList.length === 0
        ? []
        : allocatePools(
            pools.map((p) => ({
              poolId: p.meterNo,
              energyWh: byMeter.get(p.meterNo) ?? 0,
              method: method(p),
              unitIds: unitList
                .filter((u) => p.building === null || u.building === p.building)
                .map((u) => u.unitId),
            })),
            unitList.map((u) => ({
              unitId: u.unitId,
              consumptionWh: u.consumptionWh,
              ...(u.areaM2 === null ? {} : { areaM2: u.areaM2 }),
            })),
          )
    return {
      site: q.site,
      month: q.month,
      pools: pools.map((p) => ({
        meterNo: p.meterNo,
        name: p.name,
        building: p.building,
        basis: p.basis,
        energyWh: byMeter.get(p.meterNo) ?? 0,
      })),
      lines: lines.map((l) => {
        const u = units.get(l.unitId)!
        return {
          unit: l.unitId,
          areaM2: u.areaM2,
          ownWh: u.consumptionWh,
          sharedWh: l.totalWh,
          parts: l.parts.map((p) => ({
            meterNo: p.poolId,
            energyWh: p.energyWh,
            sharePct: p.sharePct,
            basis: p.basis,
          })),
        }
      }),
    }
  }

  async advice(q: { meterNo: string }): Promise<AdviceView | null> {
    const estate = await this.repo.analyticsEstate()
    const me = estate.find((m) => m.meterNo === q.meterNo)
    if (me === undefined) return null
    // The resident among the meters of the same site and profile (their peers), over the last
    // three months: profiles and runway from the last 28 days, month-on-month from the months.
    const peers = estate.filter((m) => m.site === me.site)
    const to = this.yesterday()
    const from = `${addDays(to, -62).slice(0, 7)}-01`
    const cal = hourlyCalendar(this.timeZone, from, to)
    const meterNos = peers.map((m) => m.meterNo)
    const states = await this.states()
    const store = intervalStoreFrom(
      cal,
      meterNos,
      await this.repo.hourlyEnergy(
        meterNos,
        cal.grid.startMs,
        cal.grid.startMs + cal.grid.count * HOUR_MS,
      ),
      states,
    )
    const daily = dailyTableFrom(cal, meterNos, await this.repo.dailyEnergy(meterNos, from, to))
    const price = await this.sitePrice([me])
    const facts = buildAdviceFacts({
      store,
      daily,
      asOfDay: cal.dayCount - 1,
      classesOf: (r) => [
        sizeClass(peers[r]!.profile, peers[r]!.areaM2 ?? undefined),
        peers[r]!.profile,
      ],
      creditWhOf: (r) =>
        states.get(peers[r]!.meterNo)?.lastCreditWh ?? peers[r]!.lastCreditWh ?? undefined,
      ...(price === null ? {} : { fenPerKwhOf: () => price }),
    })
    const mine = facts.find((f) => f.meterNo === me.meterNo)!
    return {
      meterNo: me.meterNo,
      unit: unitKey(me),
      asOf: to,
      peerClass: mine.peerClass,
      advice: adviceFor(mine),
    }
  }
}
