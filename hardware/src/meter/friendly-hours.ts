/**
 * Friendly hours: local times at which a prepayment meter must not disconnect for lack of credit
 * (nights, weekends, public holidays), so nobody is cut off when no vending point is open. Local
 * time is the deployment's fixed UTC offset (Asia/Shanghai, +08:00, has no daylight saving).
 */
import { HOUR_MS, MINUTE_MS, DAY_MS } from './consumption.ts'

export interface FriendlyHours {
  /** Local hours [fromHour, toHour); fromHour > toHour wraps midnight (e.g. 18 → 8). */
  fromHour: number
  toHour: number
  /** Saturdays, Sundays and the deployment's public holidays count as friendly all day. */
  weekends: boolean
}

export function isFriendly(
  hours: FriendlyHours,
  simMs: number,
  utcOffsetMinutes: number,
  holidays?: ReadonlySet<string>,
): boolean {
  const local = simMs + utcOffsetMinutes * MINUTE_MS
  const hour = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS)
  const { fromHour: from, toHour: to } = hours
  if (from < to ? hour >= from && hour < to : from > to && (hour >= from || hour < to)) return true
  if (!hours.weekends) return false
  // 1970-01-01 was a Thursday: day 0 → weekday 4 (Sunday 0).
  const weekday = (((Math.floor(local / DAY_MS) + 4) % 7) + 7) % 7
  if (weekday === 0 || weekday === 6) return true
  return holidays !== undefined && holidays.size > 0 && holidays.has(localDate(local))
}

/** YYYY-MM-DD of a local-time epoch ms. */
function localDate(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10)
}
