/**
 * Forecasts.
 *
 * (a) Days of credit left per meter (kiosk, receipt, C1 low-credit alarm; G4). Expected daily
 *     use is an exponentially weighted mean of the last 28 complete days (half-life 7 days), with
 *     weekday and weekend levels shrunk toward the overall mean when few days back them. The
 *     credit is spent day by day against the coming weekdays; the 80 % band treats daily use as
 *     independent with the weighted standard deviation σ: n-day use ~ N(nμ, nσ²), so the band's
 *     ends solve nμ ± 1.2816·σ·√n = credit.
 * (b) Expected sales per site for the coming weeks: Holt-Winters (damped trend, weekly season)
 *     on daily totals — consumption or vends — with the error measured on held-out weeks and
 *     stated beside the forecast, against the seasonal-naive baseline ("same as last week").
 */
import { dayOfInstant, isWeekend, type Calendar } from './calendar.ts'
import { hwForecast, hwSelect, type HwParams } from './holt-winters.ts'
import { coverage, type DailyTable } from './rollup.ts'

// ── (a) credit runway ───────────────────────────────────────────────────────────────────────

export const RUNWAY_WINDOW_DAYS = 28
export const RUNWAY_HALF_LIFE_DAYS = 7
export const RUNWAY_MIN_DAYS = 7
/** Days usable for the runway: at least this share of intervals present. */
export const RUNWAY_MIN_COVERAGE = 0.9
/** Beyond a year the figure means "not soon"; it is capped. */
export const RUNWAY_MAX_DAYS = 365
const Z80 = 1.2816
/** Pseudo-days pulling a weekday/weekend level toward the overall mean. */
const SHRINK_DAYS = 3

export interface HistoryDay {
  wh: number
  weekday: number
}

export interface ConsumptionModel {
  weekdayWh: number
  weekendWh: number
  /** Weighted mean over all days. */
  meanWh: number
  /** Weighted standard deviation of a day's use around its day-type level. */
  sdWh: number
  basedOnDays: number
}

/** EW model of daily use from recent days, oldest first. Null below RUNWAY_MIN_DAYS days. */
export function consumptionModel(days: readonly HistoryDay[]): ConsumptionModel | null {
  const recent = days.slice(-RUNWAY_WINDOW_DAYS)
  if (recent.length < RUNWAY_MIN_DAYS) return null
  const decay = Math.pow(0.5, 1 / RUNWAY_HALF_LIFE_DAYS)
  let sw = 0
  let s = 0
  const type = [
    { sw: 0, s: 0, n: 0 },
    { sw: 0, s: 0, n: 0 },
  ]
  recent.forEach((d, i) => {
    const w = Math.pow(decay, recent.length - 1 - i)
    sw += w
    s += w * d.wh
    const k = type[isWeekend(d.weekday) ? 1 : 0]!
    k.sw += w
    k.s += w * d.wh
    k.n++
  })
  const meanWh = s / sw
  const level = type.map((k) => {
    if (k.n === 0) return meanWh
    const own = k.s / k.sw
    return (k.n * own + SHRINK_DAYS * meanWh) / (k.n + SHRINK_DAYS)
  })
  let sv = 0
  recent.forEach((d, i) => {
    const w = Math.pow(decay, recent.length - 1 - i)
    sv += w * (d.wh - level[isWeekend(d.weekday) ? 1 : 0]!) ** 2
  })
  return {
    weekdayWh: level[0]!,
    weekendWh: level[1]!,
    meanWh,
    sdWh: Math.sqrt(sv / sw),
    basedOnDays: recent.length,
  }
}

/** Expected use over the next `days` days starting on `nextWeekday`. */
export function expectedUse(model: ConsumptionModel, nextWeekday: number, days: number): number {
  let s = 0
  for (let k = 0; k < days; k++)
    s += isWeekend((nextWeekday + k) % 7) ? model.weekendWh : model.weekdayWh
  return s
}

export type Runway =
  | {
      status: 'ok'
      /** Point estimate of days until the credit is used up, one decimal. */
      days: number
      /** 80 % band. */
      low: number
      high: number
      /** True when the estimate hit RUNWAY_MAX_DAYS. */
      capped: boolean
      creditWh: number
      expectedDailyWh: number
      model: ConsumptionModel
      method: string
    }
  | { status: 'insufficientData'; basedOnDays: number }
  | { status: 'noConsumption'; basedOnDays: number }

export const RUNWAY_METHOD =
  'EW mean of last 28 complete days (half-life 7 d), weekday/weekend levels; 80 % band from daily σ'

const round1 = (x: number): number => Math.round(x * 10) / 10

/** Days the credit lasts, from recent daily use (oldest first) and the weekday of the next day. */
export function creditRunway(
  days: readonly HistoryDay[],
  creditWh: number,
  nextWeekday: number,
): Runway {
  const model = consumptionModel(days)
  if (model === null) return { status: 'insufficientData', basedOnDays: days.length }
  // Below 10 Wh a day (a vacant flat) "days left" is not a useful number.
  if (model.meanWh < 10) return { status: 'noConsumption', basedOnDays: model.basedOnDays }
  const credit = Math.max(0, creditWh)
  let left = credit
  let n = 0
  while (n < RUNWAY_MAX_DAYS) {
    const use = isWeekend((nextWeekday + n) % 7) ? model.weekendWh : model.weekdayWh
    if (use <= 0) {
      n++
      continue
    }
    if (left < use) {
      n += left / use
      left = 0
      break
    }
    left -= use
    n++
  }
  const capped = n >= RUNWAY_MAX_DAYS
  const mu = model.meanWh
  const zs = Z80 * model.sdWh
  // Solve μx² ± zσx − C = 0 for x = √n.
  const root = Math.sqrt(zs * zs + 4 * mu * credit)
  const low = ((-zs + root) / (2 * mu)) ** 2
  const high = ((zs + root) / (2 * mu)) ** 2
  return {
    status: 'ok',
    days: round1(Math.min(n, RUNWAY_MAX_DAYS)),
    low: round1(Math.min(low, RUNWAY_MAX_DAYS)),
    high: round1(Math.min(high, RUNWAY_MAX_DAYS)),
    capped,
    creditWh: credit,
    expectedDailyWh: Math.round(mu),
    model,
    method: RUNWAY_METHOD,
  }
}

/**
 * The usable history of one row ending at `asOfDay` (inclusive): days covered ≥ 90 % and not
 * excluded (e.g. days the relay was open because the credit ran out — their zero is not demand).
 */
export function historyOf(
  t: DailyTable,
  row: number,
  asOfDay: number,
  exclude?: (day: number) => boolean,
): HistoryDay[] {
  const out: HistoryDay[] = []
  const cal = t.calendar
  for (let d = Math.max(0, asOfDay - RUNWAY_WINDOW_DAYS + 1); d <= asOfDay; d++) {
    if (coverage(t, row, d) < RUNWAY_MIN_COVERAGE) continue
    if (exclude?.(d) === true) continue
    out.push({ wh: t.wh[row * cal.dayCount + d]!, weekday: cal.weekday[d]! })
  }
  return out
}

export interface RunwayBacktest {
  meters: number
  horizonDays: number
  /** Mean absolute percentage error of the predicted horizon use, and of the naive "last 7 days again". */
  mapePct: number
  naiveMapePct: number
}

/**
 * Held-out check of the use forecast behind the runway: for each row, fit on days ≤ asOfDay and
 * compare the predicted next `horizon` days with what was used.
 */
export function backtestRunway(
  t: DailyTable,
  rows: readonly number[],
  asOfDay: number,
  horizon = 7,
): RunwayBacktest {
  const cal = t.calendar
  let ape = 0
  let naiveApe = 0
  let n = 0
  for (const r of rows) {
    const hist = historyOf(t, r, asOfDay)
    const model = consumptionModel(hist)
    if (model === null || asOfDay + horizon >= cal.dayCount) continue
    let actual = 0
    let ok = true
    for (let d = asOfDay + 1; d <= asOfDay + horizon; d++) {
      if (coverage(t, r, d) < RUNWAY_MIN_COVERAGE) ok = false
      actual += t.wh[r * cal.dayCount + d]!
    }
    let last = 0
    for (let d = asOfDay - horizon + 1; d <= asOfDay; d++) last += t.wh[r * cal.dayCount + d]!
    if (!ok || actual <= 0) continue
    const pred = expectedUse(model, cal.weekday[asOfDay + 1]!, horizon)
    ape += Math.abs(pred - actual) / actual
    naiveApe += Math.abs(last - actual) / actual
    n++
  }
  return {
    meters: n,
    horizonDays: horizon,
    mapePct: n === 0 ? NaN : (100 * ape) / n,
    naiveMapePct: n === 0 ? NaN : (100 * naiveApe) / n,
  }
}

// ── (b) site sales ──────────────────────────────────────────────────────────────────────────

export const SEASON_DAYS = 7
/** Held-out weeks for the stated error, and the horizon the parameters are chosen for. */
export const DEFAULT_HOLDOUT_WEEKS = 4
/** Below this many weeks of history a forecast is not offered. */
export const MIN_HISTORY_WEEKS = 8

export interface ForecastEvaluation {
  holdoutWeeks: number
  actualWeekly: number[]
  forecastWeekly: number[]
  naiveWeekly: number[]
  /** Weekly totals: mean absolute percentage error and mean absolute error (units of the series). */
  mapePct: number
  mae: number
  naiveMapePct: number
  naiveMae: number
  /** 1 − MAE / naive MAE: > 0 means better than "same as last week". */
  skill: number
  params: HwParams
}

function weeklySums(daily: ArrayLike<number>): number[] {
  const out: number[] = []
  for (let w = 0; w + SEASON_DAYS <= daily.length; w += SEASON_DAYS) {
    let s = 0
    for (let i = 0; i < SEASON_DAYS; i++) s += daily[w + i]!
    out.push(s)
  }
  return out
}

/** "Same as the last observed week", repeated. */
export function seasonalNaive(history: ArrayLike<number>, h: number): Float64Array {
  const out = new Float64Array(h)
  const n = history.length
  for (let k = 0; k < h; k++) out[k] = history[n - SEASON_DAYS + (k % SEASON_DAYS)]!
  return out
}

function fitAndForecast(
  history: ArrayLike<number>,
  h: number,
  scoreWeeks: number,
): { fc: Float64Array; params: HwParams } {
  const fit = hwSelect(history, SEASON_DAYS, scoreWeeks)
  return { fc: hwForecast(fit, h), params: fit.params }
}

/**
 * Holds out the last `holdoutWeeks` weeks, fits on the rest of `driver` and scores the weekly
 * totals against `target` (the driver itself, or the vends it is meant to predict). The baseline
 * is the seasonal-naive forecast of the target. Weeks are 7-day blocks ending at the last day.
 */
export function evaluateForecast(
  driver: ArrayLike<number>,
  holdoutWeeks = DEFAULT_HOLDOUT_WEEKS,
  target: ArrayLike<number> = driver,
): ForecastEvaluation {
  const h = holdoutWeeks * SEASON_DAYS
  const n = driver.length
  if (target.length !== n) throw new RangeError('driver and target cover different days')
  if (n - h < MIN_HISTORY_WEEKS * SEASON_DAYS)
    throw new RangeError(`need ${MIN_HISTORY_WEEKS} weeks before the ${holdoutWeeks} held out`)
  const train = Array.prototype.slice.call(driver, 0, n - h) as number[]
  const { fc, params } = fitAndForecast(train, h, holdoutWeeks)
  const nv = seasonalNaive(Array.prototype.slice.call(target, 0, n - h) as number[], h)
  const a = weeklySums(Array.prototype.slice.call(target, n - h) as number[])
  const f = weeklySums(fc)
  const b = weeklySums(nv)
  let ape = 0
  let ae = 0
  let nape = 0
  let nae = 0
  let k = 0
  a.forEach((x, i) => {
    ae += Math.abs(f[i]! - x)
    nae += Math.abs(b[i]! - x)
    if (x > 0) {
      ape += Math.abs(f[i]! - x) / x
      nape += Math.abs(b[i]! - x) / x
      k++
    }
  })
  return {
    holdoutWeeks,
    actualWeekly: a,
    forecastWeekly: f,
    naiveWeekly: b,
    mapePct: k > 0 ? (100 * ape) / k : NaN,
    mae: ae / a.length,
    naiveMapePct: k > 0 ? (100 * nape) / k : NaN,
    naiveMae: nae / a.length,
    skill: nae > 0 ? 1 - ae / nae : 0,
    params,
  }
}

export const SALES_METHOD =
  'Holt-Winters on daily site consumption: damped additive trend, weekly season (additive or multiplicative), ' +
  'parameters by grid search on 1–4-week-ahead weekly totals; sales energy = forecast consumption'

export interface SalesForecast {
  method: string
  params: HwParams
  /** Daily energy forecast (Wh) for weeks × 7 days after the last observed day. */
  dailyWh: Float64Array
  /** Weekly totals (7-day blocks from the day after the last observed one). */
  weeklyWh: number[]
  /** weeklyWh × fenPerKwh, when a price was given. */
  weeklyFen: number[] | null
  /** The method scored on the most recent held-out weeks, against consumption … */
  holdoutConsumption: ForecastEvaluation
  /** … and against the vends actually made (when given): what "expected sales" missed by. */
  holdoutSales: ForecastEvaluation | null
}

export interface SalesForecastOptions {
  weeks: number
  holdoutWeeks?: number
  /** Daily vend energy (Wh) over the same days, to state the error against real sales. */
  vendWh?: ArrayLike<number>
  /** Average price, to express the forecast in money. */
  fenPerKwh?: number
}

/**
 * Expected sales of a site for the coming weeks. Forecasting consumption and selling what will be
 * consumed beats forecasting the vends themselves: a site's vends are lumpy (each top-up buys
 * one to five weeks), so weekly vend totals carry ~10 % noise no model can predict, while
 * consumption is smooth and, over weeks, is what the site buys.
 */
export function forecastSiteSales(
  consumptionWh: ArrayLike<number>,
  opts: SalesForecastOptions,
): SalesForecast {
  const holdoutWeeks = opts.holdoutWeeks ?? DEFAULT_HOLDOUT_WEEKS
  const holdoutConsumption = evaluateForecast(consumptionWh, holdoutWeeks)
  const holdoutSales =
    opts.vendWh === undefined ? null : evaluateForecast(consumptionWh, holdoutWeeks, opts.vendWh)
  const { fc, params } = fitAndForecast(consumptionWh, opts.weeks * SEASON_DAYS, holdoutWeeks)
  const weeklyWh = weeklySums(fc).map(Math.round)
  const price = opts.fenPerKwh
  return {
    method: SALES_METHOD,
    params,
    dailyWh: fc,
    weeklyWh,
    weeklyFen: price === undefined ? null : weeklyWh.map((wh) => Math.round((wh * price) / 1000)),
    holdoutConsumption,
    holdoutSales,
  }
}

/** Sums dated amounts (vends: energy or fen) into the calendar's local days. */
export function dailySeries(
  cal: Calendar,
  items: Iterable<{ at: number; value: number }>,
): Float64Array {
  const out = new Float64Array(cal.dayCount)
  for (const it of items) {
    const d = dayOfInstant(cal, it.at)
    if (d >= 0) out[d]! += it.value
  }
  return out
}
