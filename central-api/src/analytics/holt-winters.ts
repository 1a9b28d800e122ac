/**
 * Holt-Winters exponential smoothing with a damped additive trend and weekly seasonality
 * (additive or multiplicative), for daily site totals. Parameters are chosen from a fixed grid by
 * the smallest one-step-ahead squared error after a two-season burn-in — no numeric optimiser,
 * so a fit is deterministic and costs a few hundred passes over the series (~1 ms per site-year).
 *
 * Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., §8.2 (damped trend)
 * and §8.3 (Holt-Winters' seasonal method, additive and multiplicative, with damping).
 */

export type Seasonality = 'additive' | 'multiplicative'

export interface HwParams {
  alpha: number
  beta: number
  gamma: number
  phi: number
  seasonal: Seasonality
}

export interface HwFit {
  params: HwParams
  period: number
  n: number
  level: number
  trend: number
  /** Seasonal indices by (t mod period). */
  season: Float64Array
  /** One-step-ahead squared error summed after the burn-in (the selection criterion). */
  sse: number
  /** One-step-ahead errors after the burn-in, for error bands. */
  residualSd: number
}

/**
 * Initial level, trend and season from the first few weeks: a least-squares line through up to
 * eight weekly means gives level and trend (two weeks alone make a noisy slope that β = 0 would
 * keep for ever); the seasonal indices average each weekday's deviation from that line.
 */
function initialState(
  y: ArrayLike<number>,
  m: number,
  seasonal: Seasonality,
): { level: number; trend: number; season: Float64Array } {
  const weeks = Math.min(8, Math.floor(y.length / m))
  const means: number[] = []
  for (let w = 0; w < weeks; w++) {
    let s = 0
    for (let i = 0; i < m; i++) s += y[w * m + i]!
    means.push(s / m)
  }
  // Weekly means against week number: slope per week → per day.
  const wBar = (weeks - 1) / 2
  const mBar = means.reduce((a, b) => a + b, 0) / weeks
  let sxy = 0
  let sxx = 0
  means.forEach((v, w) => {
    sxy += (w - wBar) * (v - mBar)
    sxx += (w - wBar) ** 2
  })
  const trend = sxx > 0 ? sxy / sxx / m : 0
  // The line through the middle of each week: value at day t.
  const mid = (m - 1) / 2
  const line = (t: number): number => mBar + trend * (t - (wBar * m + mid))
  const season = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    let s = 0
    for (let w = 0; w < weeks; w++) {
      const t = w * m + i
      const l = line(t)
      s += seasonal === 'additive' ? y[t]! - l : l > 0 ? y[t]! / l : 1
    }
    season[i] = s / weeks
  }
  // Normalise: additive indices sum to 0, multiplicative ones average 1.
  let sum = 0
  for (let i = 0; i < m; i++) sum += season[i]!
  for (let i = 0; i < m; i++)
    season[i] = seasonal === 'additive' ? season[i]! - sum / m : (season[i]! * m) / sum
  // The recursions start at t = m: the state is that of the end of the first season.
  return { level: line(m - 1), trend, season }
}

/**
 * Runs the recursions over the whole series (the first season only initialises). With
 * `scoreWeeks` > 0 the criterion `sse` is the squared error of whole-season totals forecast 1 …
 * scoreWeeks seasons ahead from every season-aligned origin after the burn-in (the way the
 * forecast is used: "sales in each of the next four weeks"); otherwise the one-step error.
 */
export function hwFit(
  y: ArrayLike<number>,
  period: number,
  params: HwParams,
  scoreWeeks = 0,
): HwFit {
  const m = period
  const n = y.length
  if (n < 2 * m) throw new RangeError(`Holt-Winters needs at least ${2 * m} observations, got ${n}`)
  const { alpha, beta, gamma, phi, seasonal } = params
  const st = initialState(y, m, seasonal)
  let level = st.level
  let trend = st.trend
  const season = st.season
  let sse = 0
  let oneStep = 0
  let oneStepN = 0
  const mult = seasonal === 'multiplicative'
  const H = scoreWeeks * m
  for (let t = m; t < n; t++) {
    // Season-aligned origin (weeks end where the series ends): score the next scoreWeeks weeks.
    if (H > 0 && t >= 2 * m && (n - t) % m === 0 && t + H <= n) {
      let damp = 0
      let pow = 1
      for (let w = 0; w < scoreWeeks; w++) {
        let f = 0
        let a = 0
        for (let i = 0; i < m; i++) {
          const k = w * m + i + 1
          pow *= phi
          damp += pow
          const s = season[(t - 1 + k) % m]!
          const base = level + damp * trend
          f += Math.max(0, mult ? base * s : base + s)
          a += y[t - 1 + k]!
        }
        sse += (f - a) ** 2
      }
    }
    const s = season[t % m]!
    const base = level + phi * trend
    const yt = y[t]!
    const fc = mult ? base * s : base + s
    if (t >= 2 * m) {
      oneStep += (yt - fc) ** 2
      oneStepN++
    }
    const newLevel = mult
      ? (s > 0 ? alpha * (yt / s) : 0) + (1 - alpha) * base
      : alpha * (yt - s) + (1 - alpha) * base
    trend = beta * (newLevel - level) + (1 - beta) * phi * trend
    level = newLevel
    season[t % m] = mult
      ? level > 0
        ? gamma * (yt / level) + (1 - gamma) * s
        : s
      : gamma * (yt - level) + (1 - gamma) * s
  }
  return {
    params,
    period: m,
    n,
    level,
    trend,
    season,
    sse: H > 0 ? sse : oneStep,
    residualSd: oneStepN > 1 ? Math.sqrt(oneStep / (oneStepN - 1)) : Number.NaN,
  }
}

/** Point forecasts for the next h observations, never negative (energy is not sold back). */
export function hwForecast(fit: HwFit, h: number): Float64Array {
  const out = new Float64Array(h)
  const { phi, seasonal } = fit.params
  let damp = 0
  let pow = 1
  for (let k = 1; k <= h; k++) {
    pow *= phi
    damp += pow
    const s = fit.season[(fit.n - 1 + k) % fit.period]!
    const base = fit.level + damp * fit.trend
    out[k - 1] = Math.max(0, seasonal === 'multiplicative' ? base * s : base + s)
  }
  return out
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7]
const BETAS = [0, 0.005, 0.02, 0.05, 0.15]
const GAMMAS = [0.01, 0.05, 0.1, 0.2, 0.4]
const PHIS = [0.9, 0.98]

/**
 * Grid search over α, β, γ, φ and both seasonal forms (multiplicative only for positive series),
 * scored on season totals 1 … scoreWeeks ahead (0: one-step error).
 */
export function hwSelect(y: ArrayLike<number>, period: number, scoreWeeks = 0): HwFit {
  let positive = true
  for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) positive = false
  const forms: Seasonality[] = positive ? ['additive', 'multiplicative'] : ['additive']
  let best: HwFit | null = null
  for (const seasonal of forms)
    for (const alpha of ALPHAS)
      for (const beta of BETAS)
        for (const gamma of GAMMAS)
          for (const phi of PHIS) {
            const f = hwFit(y, period, { alpha, beta, gamma, phi, seasonal }, scoreWeeks)
            if (best === null || f.sse < best.sse) best = f
          }
  return best!
}
