/**
 * Money is an integer count of minor units (fen for CNY); never a float. Energy is integer Wh.
 */
export type Fen = number
export type Wh = number

export const CURRENCY = 'CNY'
/** Banknotes a kiosk accepts by default: 1, 5, 10, 20, 50 and 100 yuan. */
export const DEFAULT_NOTE_VALUES_FEN: readonly Fen[] = [100, 500, 1000, 2000, 5000, 10000]

export function isFen(x: unknown): x is Fen {
  return typeof x === 'number' && Number.isSafeInteger(x)
}

export function assertFen(x: unknown, what = 'amount'): Fen {
  if (!isFen(x)) throw new RangeError(`${what} must be a whole number of fen, got ${String(x)}`)
  return x
}

/** "¥70.00" — display only; never parse this back into money. */
export function formatFen(amountFen: Fen, locale: 'zh-CN' | 'en' = 'zh-CN'): string {
  const sign = amountFen < 0 ? '-' : ''
  const abs = Math.abs(amountFen)
  const yuan = Math.trunc(abs / 100)
  const fen = abs % 100
  const grouped = yuan.toLocaleString(locale === 'zh-CN' ? 'zh-CN' : 'en-US')
  return `${sign}¥${grouped}.${String(fen).padStart(2, '0')}`
}

/** "12.3 kWh" from Wh, one decimal, rounded down so a display never promises more than there is. */
export function formatKwh(energyWh: Wh): string {
  const tenths = Math.trunc(energyWh / 100)
  return `${Math.trunc(tenths / 10)}.${Math.abs(tenths % 10)} kWh`
}

export function sumFen(values: Iterable<Fen>): Fen {
  let total = 0
  for (const v of values) total += v
  return assertFen(total, 'sum')
}
