/**
 * Local dates for months and block periods. Intl (ECMA-402) is part of the language runtime, not a
 * Node or DOM API, and carries the IANA zone database, so no offsets are hard-coded here.
 */
import { DEFAULT_TARIFF_TIME_ZONE, type TariffDefinition, type TariffPricing } from './schema.ts'

export interface CivilDate {
  year: number
  /** 1–12 */
  month: number
  day: number
}

/** Where an instant falls in a tariff's calendar. */
export interface TariffCalendar {
  /** 'YYYY-MM-DD' in the tariff's zone. */
  localDate: string
  /** 'YYYY-MM': the month for fixed charges and the free basic allowance. */
  month: string
  /** 'YYYY-MM-DD': first day of the block period (flat tariffs: the calendar month). */
  periodStart: string
  /** 'YYYY-MM-DD': first day of the next period, when the count of energy bought restarts. */
  nextPeriodStart: string
}

// Building a DateTimeFormat loads zone data; one per zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

export function civilDateAt(atMs: number, timeZone: string): CivilDate {
  if (!Number.isSafeInteger(atMs))
    throw new RangeError(`time must be integer UTC milliseconds, got ${atMs}`)
  // Every vend asks for the date of "now" several times; formatToParts is the costly step. A
  // minute asked for twice is cached once the date at its first and its last millisecond agree:
  // offsets change at most once within a minute, so the date cannot differ in between. (A scan
  // over many different minutes, as analytics does, pays for no checks.)
  const minute = Math.floor(atMs / MINUTE_MS)
  const key = `${timeZone}\n${minute}`
  const hit = minuteDates.get(key)
  if (hit !== undefined) return { ...hit }
  const d = formatCivilDate(atMs, timeZone)
  if (key !== lastMissed) {
    lastMissed = key
    return d
  }
  const first = formatCivilDate(minute * MINUTE_MS, timeZone)
  const last = formatCivilDate(minute * MINUTE_MS + MINUTE_MS - 1, timeZone)
  if (sameDate(first, last) && sameDate(first, d)) {
    if (minuteDates.size >= MINUTE_CACHE_SIZE) minuteDates.clear()
    minuteDates.set(key, d)
  }
  return { ...d }
}

const MINUTE_MS = 60_000
const MINUTE_CACHE_SIZE = 4096
const minuteDates = new Map<string, CivilDate>()
let lastMissed = ''

const sameDate = (a: CivilDate, b: CivilDate): boolean => a.year === b.year && a.month === b.month && a.day === b.day

function formatCivilDate(atMs: number, timeZone: string): CivilDate {
  let year = 0
  let month = 0
  let day = 0
  for (const part of formatterFor(timeZone).formatToParts(atMs)) {
    if (part.type === 'year') year = Number(part.value)
    else if (part.type === 'month') month = Number(part.value)
    else if (part.type === 'day') day = Number(part.value)
  }
  // Four-digit years keep 'YYYY-MM' keys comparable as strings.
  if (year < 1000 || year > 9999 || month < 1 || day < 1)
    throw new RangeError(`time out of range: ${atMs}`)
  return { year, month, day }
}

const pad2 = (n: number): string => String(n).padStart(2, '0')

export function monthKey(year: number, month: number): string {
  return `${year}-${pad2(month)}`
}

export function dateKey(d: CivilDate): string {
  return `${d.year}-${pad2(d.month)}-${pad2(d.day)}`
}

/** Months since year 0, so that month differences are plain subtraction. */
export function monthIndex(key: string): number {
  return Number(key.slice(0, 4)) * 12 + Number(key.slice(5, 7)) - 1
}

export function monthKeyFromIndex(index: number): string {
  return monthKey(Math.floor(index / 12), (index % 12) + 1)
}

function addMonths(d: CivilDate, months: number): CivilDate {
  const i = d.year * 12 + d.month - 1 + months
  // Safe for settlement days only (≤ 28 exists in every month).
  return { year: Math.floor(i / 12), month: (i % 12) + 1, day: d.day }
}

function periodStartOf(pricing: TariffPricing, d: CivilDate): { start: CivilDate; months: number } {
  if (pricing.kind === 'flat') return { start: { year: d.year, month: d.month, day: 1 }, months: 1 }
  if (pricing.period === 'monthly') {
    const sd = pricing.settlementDay
    const start = { year: d.year, month: d.month, day: sd }
    return { start: d.day >= sd ? start : addMonths(start, -1), months: 1 }
  }
  const { settlementMonth: sm, settlementDay: sd } = pricing
  const reached = d.month > sm || (d.month === sm && d.day >= sd)
  return { start: { year: reached ? d.year : d.year - 1, month: sm, day: sd }, months: 12 }
}

export function tariffCalendarAt(tariff: TariffDefinition, atMs: number): TariffCalendar {
  const d = civilDateAt(atMs, tariff.timeZone ?? DEFAULT_TARIFF_TIME_ZONE)
  const { start, months } = periodStartOf(tariff.pricing, d)
  return {
    localDate: dateKey(d),
    month: monthKey(d.year, d.month),
    periodStart: dateKey(start),
    nextPeriodStart: dateKey(addMonths(start, months)),
  }
}
