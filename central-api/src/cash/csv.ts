/**
 * Z-report as CSV: RFC 4180 (CRLF, fields quoted when they hold a comma, quote or line break,
 * quotes doubled), UTF-8 with a BOM so Excel opens the Chinese headers correctly. One table with
 * uniform columns: a row per collection, a subtotal per group, and a total; amounts in yuan with
 * two decimals, written exactly from integer fen.
 */
import { localStamp, SHIFT_LABEL, yuan, type ZAmounts, type ZReport } from './z-report.ts'

export const CSV_BOM = '\uFEFF'

export const CSV_HEADERS = [
  '行类型 Row type',
  '营业日 Business day',
  '班次 Shift',
  '分组 Group',
  '收款批次 Collection',
  '终端 Kiosk',
  '封签号 Seal no.',
  '清点人 Counted by',
  '清点时间 Counted at',
  '状态 State',
  '笔数 Collections',
  '应收 Expected (CNY)',
  '实点 Counted (CNY)',
  '已入账 Credited (CNY)',
  '差异 Variance (CNY)',
] as const

/** One field per RFC 4180; text that a spreadsheet would run as a formula is defused with a quote mark. */
export function csvField(value: string, text = true): string {
  const v = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v
}

function row(cells: readonly (string | { n: string })[]): string {
  return cells.map((c) => (typeof c === 'string' ? csvField(c) : csvField(c.n, false))).join(',')
}

function amounts(a: ZAmounts): { n: string }[] {
  return [
    { n: String(a.collections) },
    { n: yuan(a.expectedFen) },
    { n: yuan(a.countedFen) },
    { n: yuan(a.creditedFen) },
    { n: yuan(a.varianceFen) },
  ]
}

export function zReportCsv(r: ZReport): string {
  const shift = SHIFT_LABEL[r.shift]
  const rows: string[] = [row(CSV_HEADERS)]
  for (const g of r.groups) {
    for (const l of r.lines.filter(
      (x) => (r.groupBy === 'cashier' ? x.countedBy : x.kioskId) === g.key,
    )) {
      rows.push(
        row([
          '明细 line',
          r.day,
          shift,
          g.label,
          l.collectionId,
          l.kioskName,
          l.sealNo,
          l.countedByName,
          localStamp(l.countedAt, r.timeZone),
          l.state,
          { n: '1' },
          { n: yuan(l.expectedFen) },
          { n: yuan(l.countedFen) },
          { n: yuan(l.creditedFen) },
          { n: yuan(l.varianceFen) },
        ]),
      )
    }
    rows.push(row(['小计 subtotal', r.day, shift, g.label, '', '', '', '', '', '', ...amounts(g)]))
  }
  rows.push(row(['合计 total', r.day, shift, '', '', '', '', '', '', '', ...amounts(r.totals)]))
  return CSV_BOM + rows.join('\r\n') + '\r\n'
}
