/**
 * CSV exports (RFC 4180): CRLF line ends, fields quoted when they hold a comma, quote or line
 * break, quotes doubled; UTF-8 with a byte-order mark so spreadsheet programs read the Chinese
 * right; headers in both languages ('日期 Date').
 */

export type CsvValue = string | number | boolean | null | undefined

export interface CsvColumn {
  zh: string
  en: string
}

const BOM = '\uFEFF'

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCsv(
  columns: readonly CsvColumn[],
  rows: readonly (readonly CsvValue[])[],
): string {
  const lines = [
    columns.map((c) => csvField(`${c.zh} ${c.en}`)).join(','),
    ...rows.map((r) => r.map(csvField).join(',')),
  ]
  return `${BOM}${lines.join('\r\n')}\r\n`
}
