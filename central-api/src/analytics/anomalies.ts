/**
 * Anomaly detectors over interval data and daily totals, each alert carrying its evidence.
 *
 *  suddenDrop / suddenRise — the last 7 days against a robust baseline of the 28 days before
 *    them, per day type (weekday / weekend): expected = median, σ = max(1.4826·MAD, 5 % of the
 *    median, 50 Wh). Fires when observed/expected ≤ 0.5 (drop) or ≥ 2 (rise), |z| ≥ 4 over the
 *    window and the change is ≥ 500 Wh a day. Days with < 90 % of intervals, or with the relay
 *    open > 10 % of the day, are left out on both sides: a prepaid meter whose credit ran out
 *    uses nothing, and that is not tamper. The ratio is divided by the median ratio of the
 *    meter's peers (same site and profile, ≥ 8 of them) so a holiday shutdown or a cold week
 *    that moves a whole site does not alert every meter (site+profile peers, else the whole site). Onset: the earliest day, walking back,
 *    of the run of days at ≤ 0.65 (drop) or ≥ 1/0.65 (rise) of expected.
 *    Severity: high at ratio ≤ 0.25 or ≥ 4, or when the meter raised its tamper flag; else medium.
 *  zeroWithRelayClosed — ≥ 24 h of measured zero-energy intervals with the relay closed, on a
 *    meter whose baseline is ≥ 1 kWh a day (a stopped register or a full bypass). Severity high;
 *    it supersedes a suddenDrop of the same meter covering the same days.
 *  silent — no reading for ≥ 24 h, ongoing (from the last reading until now) or past (a run of
 *    intervals estimated across a gap). Severity low < 48 h ≤ medium < 72 h ≤ high.
 */
import { dayStartMs, type Calendar } from './calendar.ts'
import { getBit, type IntervalStore } from './interval-store.ts'
import { coverage, type DailyTable } from './rollup.ts'
import { MAD_TO_SIGMA, mad, median } from './stats.ts'

export type AlertKind = 'suddenDrop' | 'suddenRise' | 'zeroWithRelayClosed' | 'silent'
export type Severity = 'low' | 'medium' | 'high'

export interface AlertEvidence {
  /** What the baseline says the meter should have used over the alert's days (Wh). */
  baselineWh: number
  /** What it did use over the same days (Wh). */
  observedWh: number
  /** observed / baseline (peer-adjusted for drops and rises); null when undefined. */
  ratio: number | null
  [extra: string]: number | string | boolean | null
}

export interface Alert {
  /** Stable for the same finding: kind, meter and onset. */
  id: string
  kind: AlertKind
  meterNo: string
  from: number
  to: number
  severity: Severity
  evidence: AlertEvidence
}

export interface AnomalyThresholds {
  baselineDays: number
  windowDays: number
  minBaselineDays: number
  minWindowDays: number
  minCoverage: number
  maxRelayOpenShare: number
  dropRatio: number
  riseRatio: number
  highDropRatio: number
  highRiseRatio: number
  zScore: number
  minDailyChangeWh: number
  onsetRatio: number
  /** How far before the window an onset may be placed. */
  maxOnsetLookbackDays: number
  zeroMinHours: number
  zeroMinBaselineWh: number
  silentHours: number
  silentMediumHours: number
  silentHighHours: number
  minPeers: number
  sigmaFloorShare: number
  sigmaFloorWh: number
}

export const ANOMALY_THRESHOLDS: Readonly<AnomalyThresholds> = Object.freeze({
  baselineDays: 28,
  windowDays: 7,
  minBaselineDays: 14,
  minWindowDays: 4,
  minCoverage: 0.9,
  maxRelayOpenShare: 0.1,
  dropRatio: 0.5,
  riseRatio: 2,
  highDropRatio: 0.25,
  highRiseRatio: 4,
  zScore: 4,
  minDailyChangeWh: 500,
  onsetRatio: 0.65,
  maxOnsetLookbackDays: 14,
  zeroMinHours: 24,
  zeroMinBaselineWh: 1000,
  silentHours: 24,
  silentMediumHours: 48,
  silentHighHours: 72,
  minPeers: 8,
  sigmaFloorShare: 0.05,
  sigmaFloorWh: 50,
})

export interface AnomalyInput {
  store: IntervalStore
  /** dailyRollup(store, calendar): rows in store order. */
  daily: DailyTable
  /** Last complete day of the evaluation window (calendar index). */
  asOfDay: number
  /** For ongoing silence; default the end of asOfDay. */
  nowMs?: number
  /**
   * Peer groups that share weather and holidays, most specific first, e.g.
   * [`${site}:${profile}`, site]: the first with at least minPeers members is used.
   */
  peerGroupsOf?: (row: number) => readonly string[]
  thresholds?: Partial<AnomalyThresholds>
}

export interface AnomalyReport {
  alerts: Alert[]
  /** Meters with enough baseline for the drop/rise test. */
  evaluated: number
  /** Meters without (new, long silent, or long without credit). */
  insufficientBaseline: number
  thresholds: AnomalyThresholds
}

const HOUR_MS = 3_600_000

function countBits(bm: Uint8Array, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) if ((bm[i >>> 3]! & (1 << (i & 7))) !== 0) n++
  return n
}

function anyBits(bm: Uint8Array, from: number, to: number): boolean {
  for (let b = from >>> 3; b <= (to - 1) >>> 3 && b < bm.length; b++) if (bm[b] !== 0) return true
  return false
}

interface DayStats {
  /** Per day type (0 weekday, 1 weekend): median and σ of the baseline. */
  med: [number, number]
  sigma: [number, number]
  allMedian: number
  windowDays: number[]
  observed: number
  expected: number
  variance: number
}

function dayType(cal: Calendar, d: number): 0 | 1 {
  const w = cal.weekday[d]!
  return w === 0 || w === 6 ? 1 : 0
}

export function detectAnomalies(input: AnomalyInput): AnomalyReport {
  const th: AnomalyThresholds = { ...ANOMALY_THRESHOLDS, ...input.thresholds }
  const { store, daily, asOfDay } = input
  const cal = daily.calendar
  const days = cal.dayCount
  if (daily.keys.length !== store.size) throw new RangeError('daily table and store differ')
  if (asOfDay < 0 || asOfDay >= days)
    throw new RangeError(`asOfDay ${asOfDay} outside the calendar`)
  const nowMs =
    input.nowMs ??
    dayStartMs(cal, asOfDay) +
      (cal.dayStart[asOfDay + 1]! - cal.dayStart[asOfDay]!) * cal.grid.intervalMs
  const winFrom = Math.max(0, asOfDay - th.windowDays + 1)
  const baseFrom = Math.max(0, winFrom - th.baselineDays)
  const alerts: Alert[] = []
  const stats: (DayStats | null)[] = []
  let insufficient = 0

  // Pass 1: per-meter baselines and window sums.
  for (let r = 0; r < store.size; r++) {
    const row = store.rows[r]!
    const usable = (d: number): boolean => {
      if (coverage(daily, r, d) < th.minCoverage) return false
      const s = cal.dayStart[d]!
      const e = cal.dayStart[d + 1]!
      if (!anyBits(row.relayOpen, s, e)) return true
      return countBits(row.relayOpen, s, e) <= th.maxRelayOpenShare * (e - s)
    }
    const byType: [number[], number[]] = [[], []]
    const all: number[] = []
    for (let d = baseFrom; d < winFrom; d++) {
      if (!usable(d)) continue
      const v = daily.wh[r * days + d]!
      byType[dayType(cal, d)].push(v)
      all.push(v)
    }
    if (all.length < th.minBaselineDays) {
      stats.push(null)
      insufficient++
      continue
    }
    const allMedian = median(all)
    const med: [number, number] = [0, 0]
    const sigma: [number, number] = [0, 0]
    for (const t of [0, 1] as const) {
      const xs = byType[t].length >= 3 ? byType[t] : all
      const m = median(xs)
      med[t] = m
      sigma[t] = Math.max(MAD_TO_SIGMA * mad(xs, m), th.sigmaFloorShare * m, th.sigmaFloorWh)
    }
    const windowDays: number[] = []
    let observed = 0
    let expected = 0
    let variance = 0
    for (let d = winFrom; d <= asOfDay; d++) {
      if (!usable(d)) continue
      windowDays.push(d)
      const t = dayType(cal, d)
      observed += daily.wh[r * days + d]!
      expected += med[t]
      variance += sigma[t] ** 2
    }
    stats.push({ med, sigma, allMedian, windowDays, observed, expected, variance })
  }

  // Peer ratios: the median observed/expected of each group with enough members.
  const peerRatio = new Map<string, number>()
  const peerOf = input.peerGroupsOf
  if (peerOf !== undefined) {
    const groups = new Map<string, number[]>()
    stats.forEach((s, r) => {
      if (s === null || s.windowDays.length < th.minWindowDays || s.expected <= 0) return
      for (const g of peerOf(r)) {
        let list = groups.get(g)
        if (list === undefined) groups.set(g, (list = []))
        list.push(s.observed / s.expected)
      }
    })
    for (const [g, list] of groups) if (list.length >= th.minPeers) peerRatio.set(g, median(list))
  }
  const peerRatioOf = (r: number): number | undefined => {
    if (peerOf === undefined) return undefined
    for (const g of peerOf(r)) {
      const v = peerRatio.get(g)
      if (v !== undefined) return v
    }
    return undefined
  }

  for (let r = 0; r < store.size; r++) {
    const meterNo = store.meterNos[r]!
    const row = store.rows[r]!
    const s = stats[r] ?? null
    const found: Alert[] = []

    // suddenDrop / suddenRise
    if (s !== null && s.windowDays.length >= th.minWindowDays && s.expected > 0) {
      const pr = peerRatioOf(r)
      const expected = s.expected * (pr ?? 1)
      const ratio = s.observed / expected
      const z = (s.observed - expected) / Math.sqrt(s.variance * (pr ?? 1) ** 2)
      const perDay = Math.abs(s.observed - expected) / s.windowDays.length
      const drop = ratio <= th.dropRatio && z <= -th.zScore && perDay >= th.minDailyChangeWh
      const rise = ratio >= th.riseRatio && z >= th.zScore && perDay >= th.minDailyChangeWh
      if (drop || rise) {
        // Walk back from the last day while days stay beyond the onset ratio.
        const limit = Math.max(baseFrom, winFrom - th.maxOnsetLookbackDays)
        let onset = s.windowDays[s.windowDays.length - 1]!
        for (let d = asOfDay; d >= limit; d--) {
          if (coverage(daily, r, d) < th.minCoverage) continue
          const exp = s.med[dayType(cal, d)] * (pr ?? 1)
          const q = exp > 0 ? daily.wh[r * days + d]! / exp : 1
          if (drop ? q <= th.onsetRatio : q >= 1 / th.onsetRatio) onset = d
          else break
        }
        const from = dayStartMs(cal, onset)
        const to = nowMs
        const tamper = countBits(row.tamper, cal.dayStart[onset]!, cal.dayStart[asOfDay + 1]!)
        const closed =
          1 -
          countBits(row.relayOpen, cal.dayStart[winFrom]!, cal.dayStart[asOfDay + 1]!) /
            (cal.dayStart[asOfDay + 1]! - cal.dayStart[winFrom]!)
        const shape = drop ? absenceShape(store, daily, r, s, baseFrom, winFrom, th) : null
        const absent = shape?.absenceLike === true
        const severity: Severity = drop
          ? tamper > 0
            ? 'high'
            : absent
              ? 'low'
              : ratio <= th.highDropRatio
                ? 'high'
                : 'medium'
          : ratio >= th.highRiseRatio
            ? 'high'
            : 'medium'
        found.push({
          id: `${drop ? 'suddenDrop' : 'suddenRise'}:${meterNo}:${from}`,
          kind: drop ? 'suddenDrop' : 'suddenRise',
          meterNo,
          from,
          to,
          severity,
          evidence: {
            baselineWh: Math.round(expected),
            observedWh: Math.round(s.observed),
            ratio: round3(ratio),
            days: s.windowDays.length,
            baselineDailyWh: Math.round(expected / s.windowDays.length),
            observedDailyWh: Math.round(s.observed / s.windowDays.length),
            zScore: round3(z),
            peerRatio: pr === undefined ? null : round3(pr),
            onsetDay: cal.dayLabel[onset]!,
            relayClosedShare: round3(closed),
            tamperIntervals: tamper,
            ...(shape === null
              ? {}
              : {
                  windowMeanW: Math.round(shape.meanW),
                  windowNightW: Math.round(shape.nightW),
                  windowEveningW: Math.round(shape.eveningW),
                  baselineNightW: Math.round(shape.baselineNightW),
                  absenceLike: shape.absenceLike,
                }),
          },
        })
      }
    }

    // zeroWithRelayClosed
    if (s !== null && s.allMedian >= th.zeroMinBaselineWh) {
      const e = row.energy
      const lo = cal.dayStart[baseFrom]!
      const hi = cal.dayStart[asOfDay + 1]!
      const winLo = cal.dayStart[winFrom]!
      const minRun = Math.ceil((th.zeroMinHours * HOUR_MS) / cal.grid.intervalMs)
      let runStart = -1
      for (let i = lo; i <= hi; i++) {
        const zero = i < hi && e[i] === 0 && !getBit(row.estimated, i) && !getBit(row.relayOpen, i)
        if (zero) {
          if (runStart < 0) runStart = i
          continue
        }
        if (runStart >= 0 && i - runStart >= minRun && i > winLo) {
          const hours = ((i - runStart) * cal.grid.intervalMs) / HOUR_MS
          const from = cal.grid.startMs + runStart * cal.grid.intervalMs
          const to = i === hi ? nowMs : cal.grid.startMs + i * cal.grid.intervalMs
          const baselineWh = Math.round((s.allMedian * hours) / 24)
          found.push({
            id: `zeroWithRelayClosed:${meterNo}:${from}`,
            kind: 'zeroWithRelayClosed',
            meterNo,
            from,
            to,
            severity: 'high',
            evidence: {
              baselineWh,
              observedWh: 0,
              ratio: 0,
              zeroHours: hours,
              relay: 'closed',
              ongoing: i === hi,
              baselineDailyWh: Math.round(s.allMedian),
            },
          })
        }
        runStart = -1
      }
      // One cause, one alert: a zero run over half the window or more explains the drop.
      const zeroAlerts = found.filter((a) => a.kind === 'zeroWithRelayClosed')
      const winMs = nowMs - dayStartMs(cal, winFrom)
      if (
        zeroAlerts.some(
          (a) => Math.min(a.to, nowMs) - Math.max(a.from, dayStartMs(cal, winFrom)) >= winMs / 2,
        )
      ) {
        const k = found.findIndex((a) => a.kind === 'suddenDrop')
        if (k >= 0) found.splice(k, 1)
      }
    }

    // silent
    const base = s?.allMedian ?? Number.NaN
    const silentMs = th.silentHours * HOUR_MS
    const sev = (hours: number): Severity =>
      hours >= th.silentHighHours ? 'high' : hours >= th.silentMediumHours ? 'medium' : 'low'
    const last = row.lastReadingAt
    if (!Number.isFinite(last) || nowMs - last >= silentMs) {
      const from = Number.isFinite(last) ? last : cal.grid.startMs
      const hours = (nowMs - from) / HOUR_MS
      const baselineWh = Number.isFinite(base) ? Math.round((base * hours) / 24) : 0
      found.push({
        id: `silent:${meterNo}:${from}`,
        kind: 'silent',
        meterNo,
        from,
        to: nowMs,
        severity: sev(hours),
        evidence: {
          baselineWh,
          observedWh: 0,
          ratio: null,
          silentHours: round3(hours),
          ongoing: true,
          neverReported: !Number.isFinite(last),
        },
      })
    }
    // Past gaps inside the window: runs of estimated intervals (the meter sent nothing there).
    {
      const lo = cal.dayStart[winFrom]!
      const hi = Math.min(
        cal.dayStart[asOfDay + 1]!,
        Number.isFinite(last) ? Math.floor((last - cal.grid.startMs) / cal.grid.intervalMs) : 0,
      )
      if (hi > lo && anyBits(row.estimated, lo, hi)) {
        const e = row.energy
        let runStart = -1
        let runWh = 0
        for (let i = lo; i <= hi; i++) {
          if (i < hi && getBit(row.estimated, i)) {
            if (runStart < 0) {
              runStart = i
              runWh = 0
            }
            runWh += e[i]!
            continue
          }
          if (runStart >= 0) {
            const from = cal.grid.startMs + runStart * cal.grid.intervalMs
            const to = cal.grid.startMs + i * cal.grid.intervalMs
            const hours = (to - from) / HOUR_MS
            if (to - from >= silentMs) {
              const baselineWh = Number.isFinite(base) ? Math.round((base * hours) / 24) : 0
              found.push({
                id: `silent:${meterNo}:${from}`,
                kind: 'silent',
                meterNo,
                from,
                to,
                severity: sev(hours),
                evidence: {
                  baselineWh,
                  observedWh: runWh,
                  ratio: baselineWh > 0 ? round3(runWh / baselineWh) : null,
                  silentHours: round3(hours),
                  ongoing: false,
                },
              })
            }
            runStart = -1
          }
        }
      }
    }
    alerts.push(...found)
  }
  return {
    alerts,
    evaluated: store.size - insufficient,
    insufficientBaseline: insufficient,
    thresholds: th,
  }
}

/**
 * Nobody home looks like a bypass in daily totals, but not in shape: use falls to the old night
 * base (mean ≤ 1.5 × the baseline's 00:00–05:00 level) and the evening peak disappears (18–22 h
 * ≤ 1.5 × 00–05 h). A partial bypass keeps the household's daily rhythm. Such a drop stays an
 * alert, at low severity, with the figures shown.
 */
function absenceShape(
  store: IntervalStore,
  daily: DailyTable,
  r: number,
  s: DayStats,
  baseFrom: number,
  winFrom: number,
  th: AnomalyThresholds,
): {
  meanW: number
  nightW: number
  eveningW: number
  baselineNightW: number
  absenceLike: boolean
} {
  const cal = daily.calendar
  const perHour = HOUR_MS / cal.grid.intervalMs
  const hourly = (days: readonly number[]): Float64Array => {
    const sum = new Float64Array(24)
    const cnt = new Float64Array(24)
    const e = store.rows[r]!.energy
    const miss = e instanceof Uint16Array ? 0xffff : 0xffffffff
    for (const d of days)
      for (let i = cal.dayStart[d]!; i < cal.dayStart[d + 1]!; i++) {
        const v = e[i]!
        if (v === miss) continue
        sum[cal.intervalHour[i]!]! += v
        cnt[cal.intervalHour[i]!]!++
      }
    return sum.map((x, h) => (cnt[h]! > 0 ? (x / cnt[h]!) * perHour : Number.NaN))
  }
  const night = (p: Float64Array): number =>
    Math.min(...[0, 1, 2, 3, 4].map((h) => p[h]!).filter(Number.isFinite))
  const evening = (p: Float64Array): number => (p[18]! + p[19]! + p[20]! + p[21]!) / 4
  const baseDays: number[] = []
  for (let d = baseFrom; d < winFrom; d++)
    if (coverage(daily, r, d) >= th.minCoverage) baseDays.push(d)
  const win = hourly(s.windowDays)
  const base = hourly(baseDays)
  const meanW = win.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) / 24
  const nightW = night(win)
  const eveningW = evening(win)
  const baselineNightW = night(base)
  const absenceLike =
    Number.isFinite(baselineNightW) &&
    Number.isFinite(nightW) &&
    meanW <= 1.5 * baselineNightW &&
    eveningW <= 1.5 * nightW
  return { meanW, nightW, eveningW, baselineNightW, absenceLike }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}
