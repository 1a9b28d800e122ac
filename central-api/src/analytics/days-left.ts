/**
 * Days of credit left on a prepaid meter, from its recent register readings. Pure: callers pass the
 * readings and "now"; no clock, no I/O. Used by the low-credit alerts and the meter console.
 *
 * Consumption is the sum of energy-register increases between consecutive readings inside the
 * window, divided by the time those increases cover. That makes it robust to:
 * - gaps: a long interval between two readings still carries its full delta, so the average is
 *   unbiased (the register keeps counting while nobody reads it);
 * - register resets / meter swaps: a decrease means the counter restarted, and how much of the
 *   new value was used before or after the reset is unknown, so that interval is left out
 *   entirely (both its energy and its time);
 * - duplicates and out-of-order input: readings are sorted, and equal timestamps keep the last.
 */

export const DAY_MS = 86_400_000

export interface DaysLeftReading {
  /** Epoch milliseconds the meter took the reading. */
  readonly at: number
  /** Cumulative imported-energy register, Wh. */
  readonly energyWh: number
  /** Remaining prepaid credit on the meter, Wh. */
  readonly creditWh: number
}

export interface DaysLeftOptions {
  /** How far back consumption is averaged (default 14 days). */
  readonly windowDays?: number
  /** Less covered time than this gives no estimate (default 1 day). */
  readonly minBasisDays?: number
}

export interface DaysLeftEstimate {
  /** Days until the credit runs out at the recent average rate; null when not estimable
   *  (too little data, or no consumption at all — credit then lasts indefinitely). */
  readonly daysLeft: number | null
  /** Average daily consumption over the basis, Wh/day; null when too little data. */
  readonly avgDailyWh: number | null
  /** Days of reading intervals the average rests on. */
  readonly basisDays: number
}

export const DEFAULT_DAYS_LEFT_WINDOW_DAYS = 14
export const DEFAULT_DAYS_LEFT_MIN_BASIS_DAYS = 1

export function estimateDaysLeft(
  readings: readonly DaysLeftReading[],
  now: number,
  options: DaysLeftOptions = {},
): DaysLeftEstimate {
  const windowMs = (options.windowDays ?? DEFAULT_DAYS_LEFT_WINDOW_DAYS) * DAY_MS
  const minBasisMs = (options.minBasisDays ?? DEFAULT_DAYS_LEFT_MIN_BASIS_DAYS) * DAY_MS
  const since = now - windowMs

  // Future readings (clock skew) are ignored; so are malformed values.
  const usable = readings
    .filter(
      (r) =>
        r.at <= now &&
        Number.isFinite(r.at) &&
        Number.isFinite(r.energyWh) &&
        Number.isFinite(r.creditWh),
    )
    .slice()
    .sort((a, b) => a.at - b.at)
  const latest = usable[usable.length - 1]

  let energyWh = 0
  let coveredMs = 0
  let prev: DaysLeftReading | undefined
  for (const r of usable) {
    if (r.at < since) {
      // Keep the last reading before the window as the anchor of the first interval, clipped to
      // the window by pro-rating its delta.
      prev = r
      continue
    }
    if (prev !== undefined && r.at > prev.at) {
      const delta = r.energyWh - prev.energyWh
      if (delta >= 0) {
        const start = Math.max(prev.at, since)
        const share = (r.at - start) / (r.at - prev.at)
        energyWh += delta * share
        coveredMs += r.at - start
      }
    }
    // Equal timestamps: the later one in input order wins (stable sort keeps it last).
    prev = r
  }

  const basisDays = coveredMs / DAY_MS
  if (latest === undefined || coveredMs < minBasisMs) {
    return { daysLeft: null, avgDailyWh: null, basisDays }
  }
  const avgDailyWh = energyWh / basisDays
  if (avgDailyWh <= 0) return { daysLeft: null, avgDailyWh: 0, basisDays }
  // Credit is as of the latest reading; time since then has been burning it too.
  const sinceLatestDays = (now - latest.at) / DAY_MS
  const daysLeft = Math.max(0, Math.max(0, latest.creditWh) / avgDailyWh - sinceLatestDays)
  return { daysLeft, avgDailyWh, basisDays }
}
