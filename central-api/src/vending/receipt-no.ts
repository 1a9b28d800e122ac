/** Receipt numbers: K001-20261124-000123 — kiosk, business day in the deployment's zone, sequence. */

const dayFormatters = new Map<string, Intl.DateTimeFormat>()
/** The last answer per zone, by UTC minute: every vend asks, and formatToParts is the slow part. */
const lastDay = new Map<string, { minute: number; day: string }>()

/** 'YYYYMMDD' of the instant in the time zone (receipts and business days follow local dates). */
export function businessDay(utcMs: number, timeZone: string): string {
  // Zone offsets are whole minutes (since 1972 everywhere), so a local date changes only on a UTC minute.
  const minute = Math.floor(utcMs / 60_000)
  const last = lastDay.get(timeZone)
  if (last?.minute === minute) return last.day
  const day = formatDay(utcMs, timeZone)
  lastDay.set(timeZone, { minute, day })
  return day
}

function formatDay(utcMs: number, timeZone: string): string {
  let f = dayFormatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormatters.set(timeZone, f)
  }
  const parts = Object.fromEntries(f.formatToParts(utcMs).map((p) => [p.type, p.value]))
  return `${parts.year ?? ''}${parts.month ?? ''}${parts.day ?? ''}`
}

export function formatReceiptNo(kioskId: string, day: string, seq: number): string {
  return `${kioskId}-${day}-${String(seq).padStart(6, '0')}`
}
