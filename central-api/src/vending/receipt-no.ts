/** Receipt numbers: K001-20261124-000123 — kiosk, business day in the deployment's zone, sequence. */

const dayFormatters = new Map<string, Intl.DateTimeFormat>()

/** 'YYYYMMDD' of the instant in the time zone (receipts and business days follow local dates). */
export function businessDay(utcMs: number, timeZone: string): string {
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
