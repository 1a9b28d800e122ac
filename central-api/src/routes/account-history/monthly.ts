/**
 * Monthly consumption from energy-register samples: per local month, the register at its end
 * minus the register at its start, summed over the account's meters. Pure.
 */
import { offsetMinutesAt } from '../../analytics/time-zone.ts'
import type { MeterRegisterSamples } from '../../storage/history-repository.ts'

export const HISTORY_MONTHS = 12

/** UTC ms of local midnight on the 1st of `month0` (0-based, may overflow) of `year` in the zone. */
export function localMonthStart(timeZone: string, year: number, month0: number): number {
  const wall = Date.UTC(year, month0, 1)
  const first = wall - offsetMinutesAt(timeZone, wall) * 60_000
  // Near an offset change the guess may sit on the other side; one correction settles it.
  return wall - offsetMinutesAt(timeZone, first) * 60_000
}

export interface MonthSpan {
  /** 'YYYY-MM' local. */
  month: string
  startMs: number
  /** Exclusive; `now` for the current month. */
  endMs: number
}

/** The last `count` local months up to and including the one `now` falls in, oldest first. */
export function lastMonths(timeZone: string, now: number, count = HISTORY_MONTHS): MonthSpan[] {
  const local = new Date(now + offsetMinutesAt(timeZone, now) * 60_000)
  const y = local.getUTCFullYear()
  const m = local.getUTCMonth()
  const spans: MonthSpan[] = []
  for (let k = count - 1; k >= 0; k--) {
    const start = localMonthStart(timeZone, y, m - k)
    const label = new Date(Date.UTC(y, m - k, 1))
    spans.push({
      month: `${label.getUTCFullYear()}-${String(label.getUTCMonth() + 1).padStart(2, '0')}`,
      startMs: start,
      endMs: k === 0 ? now : localMonthStart(timeZone, y, m - k + 1),
    })
  }
  return spans
}

/** The instants to sample the registers at: every month's start, then the last month's end. */
export function sampleInstants(spans: readonly MonthSpan[]): number[] {
  const last = spans[spans.length - 1]
  return [...spans.map((s) => s.startMs), ...(last ? [last.endMs] : [])]
}

/**
 * Energy per month (Wh), or null where no meter has readings covering it. A meter whose register
 * went down in a month (replaced or reset) contributes nothing that month: how much was used
 * either side of the reset is unknown, and a guess would be shown as fact.
 */
export function monthlyConsumption(spans: readonly MonthSpan[], samples: readonly MeterRegisterSamples[]): { month: string; energyWh: number | null }[] {
  return spans.map((span, i) => {
    let total: number | null = null
    for (const meter of samples) {
      const end = meter.atOrBefore[i + 1] ?? null
      // No reading inside the month: the meter did not report, which is not the same as using nothing.
      if (end === null || end.at < span.startMs) continue
      // No reading before the month began: the meter's count starts at its first reading.
      const start = meter.atOrBefore[i] ?? (meter.first !== null && meter.first.at < span.endMs ? meter.first : null)
      if (start === null) continue
      const delta = end.energyWh - start.energyWh
      if (delta < 0) continue
      total = (total ?? 0) + delta
    }
    return { month: span.month, energyWh: total }
  })
}
