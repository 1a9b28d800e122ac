import { assertFen, formatFen, formatKwh, type Fen, type Wh } from '@gridtill/shared'
import { COLUMNS_80MM, EscPosEncoder, textColumns } from './encoder.ts'

/**
 * The kiosk's vend receipt as ESC/POS bytes, 48 columns on 80 mm paper. Each text comes as a
 * line pair, Simplified Chinese first and English second (DESIGN.md, Defaults). Pure: the same
 * data always gives the same bytes.
 */

export interface ReceiptNoteLine {
  valueFen: Fen
  count: number
}

export interface ReceiptBreakdown {
  energyFen: Fen
  vatFen: Fen
  fixedChargesFen: Fen
  debtRecoveredFen: Fen
  /** Money too small to buy a whole token unit, kept on the customer's account. */
  carriedOverFen: Fen
}

export interface ReceiptData {
  kioskName: string
  location: string
  /** UTC milliseconds. */
  printedAt: number
  /** IANA zone for the printed time. Default 'Asia/Shanghai'. */
  timeZone?: string
  receiptNo: string
  /** Already masked by the caller (张**); printed as given. */
  customerNameMasked: string
  /** Display form, e.g. "0123 4567 890". */
  meterNo: string
  notes: ReceiptNoteLine[]
  amountFen: Fen
  tariffName: string
  breakdown: ReceiptBreakdown
  energyWh: Wh
  /** The 20-digit STS token; required when status is 'vended'. */
  token?: string
  /** The vend's id: printed as text and as the QR code, for support. */
  vendId: string
  /** 'creditPending': an offline vend, no token yet; the receipt says so and shows the reference. */
  status: 'vended' | 'creditPending'
  /** A reprint: marked 重印 / DUPLICATE. */
  duplicate?: boolean
  /**
   * Whole days the meter's credit lasts with this purchase, at the household's recent use (the
   * central's estimate); printed under the token when given. Not printed on a credit-pending receipt.
   */
  daysLeft?: number
}

/** Beyond this a number of days reads as a promise; the receipt says "over a year" instead. */
export const RECEIPT_MAX_DAYS = 365

/** The days-left line pair, Chinese first (issue #10: "days of credit left … on receipts"). */
export function daysLeftLines(days: number): [zh: string, en: string] {
  if (days < 1) return ['按近期用电，预计可用不足 1 天', 'Less than a day of credit at your recent use']
  if (days > RECEIPT_MAX_DAYS) return ['按近期用电，预计可用一年以上', 'Over a year of credit at your recent use']
  return [`按近期用电，预计可用约 ${days} 天`, `About ${days} ${days === 1 ? 'day' : 'days'} of credit at your recent use`]
}

export interface ReceiptOptions {
  /** 'native' = `GS ( k` (default); 'raster' = `GS v 0` image for printers without QR support. */
  qr?: 'native' | 'raster'
  /** Dots per QR module. Default 6. */
  qrModuleSize?: number
  /** Font A columns. Default 48 (80 mm). */
  columns?: number
}

export const DEFAULT_RECEIPT_TIME_ZONE = 'Asia/Shanghai'

/** "2026-01-01 08:00:00 GMT+8" in the given zone; Intl throws a RangeError on an unknown zone. */
export function formatReceiptTime(utcMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  }).formatToParts(new Date(utcMs))
  const get = (t: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`
}

/** "1234 5678 9012 3456 7890". */
export function groupToken(token: string): string {
  return token.match(/\d{4}/g)?.join(' ') ?? token
}

function validate(data: ReceiptData): void {
  assertFen(data.amountFen, 'amountFen')
  for (const [k, v] of Object.entries(data.breakdown)) assertFen(v, k)
  for (const n of data.notes) {
    assertFen(n.valueFen, 'note valueFen')
    if (!Number.isSafeInteger(n.count) || n.count < 0)
      throw new RangeError(`note count must be a whole number, got ${n.count}`)
  }
  if (!Number.isSafeInteger(data.energyWh))
    throw new RangeError(`energyWh must be whole Wh, got ${data.energyWh}`)
  if (data.daysLeft !== undefined && (!Number.isSafeInteger(data.daysLeft) || data.daysLeft < 0))
    throw new RangeError(`daysLeft must be whole days, got ${data.daysLeft}`)
  if (data.status === 'vended' && !/^\d{20}$/.test(data.token ?? '')) {
    throw new RangeError('a vended receipt needs its 20-digit token')
  }
}

/** Lays out text on a fixed number of columns. */
class Layout {
  constructor(
    readonly enc: EscPosEncoder,
    readonly cols: number,
  ) {}

  rule(ch = '-'): this {
    this.enc.line(ch.repeat(this.cols))
    return this
  }

  /** Label on the left, value on the right; the value drops to its own line if both don't fit. */
  row(label: string, value: string): this {
    const gap = this.cols - textColumns(label) - textColumns(value)
    if (gap >= 1) this.enc.line(label + ' '.repeat(gap) + value)
    else this.enc.line(label).line(' '.repeat(Math.max(0, this.cols - textColumns(value))) + value)
    return this
  }

  /** Chinese line with the value, then the English label (the line pair). */
  pairRow(zh: string, en: string, value: string): this {
    this.row(zh, value)
    this.enc.line(en)
    return this
  }
}

export function renderReceipt(data: ReceiptData, options: ReceiptOptions = {}): Uint8Array {
  validate(data)
  const cols = options.columns ?? COLUMNS_80MM
  const enc = new EscPosEncoder()
  const L = new Layout(enc, cols)
  const tz = data.timeZone ?? DEFAULT_RECEIPT_TIME_ZONE
  const qr = { moduleSize: options.qrModuleSize ?? 6, errorLevel: 'M' as const }

  enc.init().align('center').bold().size(2, 2).line(data.kioskName).size(1, 1).bold(false)
  enc.line(data.location)
  enc.bold().line('售电收据').line('ELECTRICITY RECEIPT').bold(false)
  if (data.duplicate) enc.bold().size(2, 2).line('重印').line('DUPLICATE').size(1, 1).bold(false)

  enc.align('left')
  L.rule()
  L.pairRow('收据号', 'Receipt no.', data.receiptNo)
  L.pairRow('时间', 'Time', formatReceiptTime(data.printedAt, tz))
  L.pairRow('户名', 'Customer', data.customerNameMasked)
  L.pairRow('表号', 'Meter no.', data.meterNo)
  L.pairRow('电价', 'Tariff', data.tariffName)
  L.rule()

  enc.line('投入纸币').line('Notes inserted')
  for (const n of data.notes)
    L.row(`  ${formatFen(n.valueFen)} x ${n.count}`, formatFen(n.valueFen * n.count))
  enc.bold()
  L.pairRow('付款金额', 'Amount paid', formatFen(data.amountFen))
  enc.bold(false)
  L.rule()

  L.pairRow('电费', 'Energy charge', formatFen(data.breakdown.energyFen))
  L.pairRow('增值税', 'VAT', formatFen(data.breakdown.vatFen))
  L.pairRow('固定费用', 'Fixed charges', formatFen(data.breakdown.fixedChargesFen))
  L.pairRow('欠款扣回', 'Debt recovered', formatFen(data.breakdown.debtRecoveredFen))
  L.pairRow('转入账户余额', 'Carried to account', formatFen(data.breakdown.carriedOverFen))
  enc.bold()
  L.pairRow('购电量', 'Energy bought', formatKwh(data.energyWh))
  enc.bold(false)
  L.rule()

  enc.align('center')
  if (data.status === 'vended') {
    enc.bold().line('充值码').line('TOKEN').bold(false)
    enc
      .size(2, 2)
      .bold()
      .line(groupToken(data.token ?? ''))
      .bold(false)
      .size(1, 1)
    enc.line('请在电表键盘上输入此充值码').line('Enter this token on your meter keypad')
    if (data.daysLeft !== undefined) {
      const [zh, en] = daysLeftLines(data.daysLeft)
      enc.line().bold().line(zh).bold(false).line(en)
    }
  } else {
    enc.bold().size(2, 2).line('充值待处理').line('CREDIT PENDING').size(1, 1).bold(false)
    enc.line('网络恢复后充值码将自动发送至电表').line('The token will be sent to your meter')
    enc.line('when the kiosk is back online')
    enc.line('如有疑问请凭参考号查询').line('Quote this reference if you need help')
  }
  L.rule()

  enc.line('参考号').line('Reference')
  enc.bold().line(data.vendId).bold(false)
  if (options.qr === 'raster') enc.qrRaster(data.vendId, qr)
  else enc.qr(data.vendId, qr).line()
  enc.line('谢谢惠顾').line('Thank you')
  enc.feed(3).cut()
  return enc.encode()
}
