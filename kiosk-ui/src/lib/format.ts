import { formatFen, type Language } from '@gridtill/shared'

/** "1234 5678 9012 3456 7890": a 20-digit token in five groups of four, as meters and receipts show it. */
export function groupToken(token: string): string {
  const digits = token.replace(/\D/g, '')
  return (digits.match(/.{1,4}/g) ?? []).join(' ')
}

/** Meter numbers are easier to check in groups: "581 0100 0001" (keeps a 12th check digit at the end). */
export function groupDigits(digits: string): string {
  const groups: string[] = []
  if (digits.length > 3) groups.push(digits.slice(0, 3))
  for (let i = digits.length > 3 ? 3 : 0; i < digits.length; i += 4)
    groups.push(digits.slice(i, i + 4))
  return groups.join(' ')
}

export interface CountdownClock {
  /** Epoch ms of the agent's deadline. */
  deadline: number
  /** The agent's clock minus this screen's clock (view.at − local time when the snapshot arrived). */
  offsetMs: number
  /** This screen's clock now. */
  now: number
}

/** Whole seconds left on the agent's timer, as the agent counts them (never negative). */
export function secondsLeft({ deadline, offsetMs, now }: CountdownClock): number {
  const remainingMs = deadline - (now + offsetMs)
  return Math.max(0, Math.ceil(remainingMs / 1000))
}

export interface NoteGroup {
  valueFen: number
  count: number
  subtotalFen: number
}

/** Notes by denomination, largest first. */
export function groupNotes(notes: readonly { valueFen: number }[]): NoteGroup[] {
  const byValue = new Map<number, number>()
  for (const n of notes) byValue.set(n.valueFen, (byValue.get(n.valueFen) ?? 0) + 1)
  return [...byValue.entries()]
    .sort(([a], [b]) => b - a)
    .map(([valueFen, count]) => ({ valueFen, count, subtotalFen: valueFen * count }))
}

/** Counts keyed by a fen value as a string (ServiceView.cashbox) as groups, largest first. */
export function countsToGroups(countsByValueFen: Record<string, number>): NoteGroup[] {
  return Object.entries(countsByValueFen)
    .map(([value, count]) => ({
      valueFen: Number(value),
      count,
      subtotalFen: Number(value) * count,
    }))
    .filter((g) => Number.isSafeInteger(g.valueFen))
    .sort((a, b) => b.valueFen - a.valueFen)
}

/** A banknote's face value: "50元" / "¥50" (notes are whole yuan; cents would show via formatFen). */
export function formatNote(valueFen: number, language: Language): string {
  if (valueFen % 100 !== 0) return formatFen(valueFen, language)
  const yuan = new Intl.NumberFormat(language).format(valueFen / 100)
  return language === 'zh-CN' ? `${yuan}元` : `¥${yuan}`
}

export function formatNumber(n: number, language: Language): string {
  return new Intl.NumberFormat(language).format(n)
}

/** Display time zone (DESIGN.md defaults). */
export const DISPLAY_TIME_ZONE = 'Asia/Shanghai'

export function formatDateTime(at: string | number, language: Language): string {
  const d = new Date(at)
  if (Number.isNaN(d.getTime())) return String(at)
  return new Intl.DateTimeFormat(language, {
    timeZone: DISPLAY_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d)
}

/** "5 minutes" / "5分钟", rounded up to whole minutes (or hours past two hours). */
export function formatAge(ms: number, language: Language): string {
  const minutes = Math.max(0, Math.ceil(ms / 60_000))
  if (minutes >= 120) {
    return new Intl.NumberFormat(language, {
      style: 'unit',
      unit: 'hour',
      unitDisplay: 'long',
      maximumFractionDigits: 0,
    }).format(Math.floor(minutes / 60))
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: 'minute',
    unitDisplay: 'long',
  }).format(minutes)
}

/** Reconnect delay: 0.5 s doubling to 5 s, with jitter so a fleet of screens does not stampede. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5_000, 500 * 2 ** Math.max(0, attempt))
  return Math.round(base * (0.8 + 0.4 * random()))
}

/** A calendar day 'YYYY-MM-DD' (already local, from the tariff calendar): "5月1日" / "1 May". */
export function formatDay(dateKey: string, language: Language): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateKey)
  if (!m) return dateKey
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', month: 'long', day: 'numeric' }).format(d)
}

/** A month 'YYYY-MM' as a short axis label: "11月" / "Nov". */
export function formatMonth(month: string, language: Language): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  if (!m) return month
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15))
  return new Intl.DateTimeFormat(language, { timeZone: 'UTC', month: 'short' }).format(d)
}

/** Whole kWh for chart labels (the chart shows shape; the exact figure is on the meter). */
export function formatKwhWhole(energyWh: number, language: Language): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits: 0 }).format(Math.round(energyWh / 1000))
}
