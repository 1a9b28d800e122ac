/**
 * How alerts reach people. The default writes each one to the log; the alert itself is stored and
 * listed by the console (GET /meter-control/alerts), so nothing is lost without a gateway. An SMS
 * gateway plugs in by implementing Notifier (and is handed to the meter link plugin).
 */
import type { FastifyBaseLogger } from 'fastify'

export interface LowCreditNotice {
  alertId: string
  meterNo: string
  /** Estimated days of credit left (rounded to 0.1); null when not estimable. */
  daysLeft: number | null
  creditWh: number | null
  at: number
  /** The resident-facing text, in both languages. */
  text: { 'zh-CN': string; en: string }
}

export interface Notifier {
  notifyLowCredit(notice: LowCreditNotice): Promise<void>
}

export function lowCreditText(meterNo: string, daysLeft: number | null, creditWh: number | null): LowCreditNotice['text'] {
  const kwh = creditWh === null ? null : (creditWh / 1000).toFixed(1)
  const days = daysLeft === null ? null : daysLeft.toFixed(1)
  return {
    'zh-CN': `电表 ${meterNo} 余额不足${kwh === null ? '' : `（剩余 ${kwh} 千瓦时`}${days === null ? '' : `，约可用 ${days} 天`}${kwh === null ? '' : '）'}，请及时充值。`,
    en: `Meter ${meterNo} is low on credit${kwh === null ? '' : ` (${kwh} kWh left`}${days === null ? '' : `, about ${days} days`}${kwh === null ? '' : ')'}. Please top up soon.`,
  }
}

/** The default: a log line per alert, and the last few kept in memory (tests, diagnostics). */
export class LogNotifier implements Notifier {
  readonly recent: LowCreditNotice[] = []
  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly keep = 100,
  ) {}

  notifyLowCredit(notice: LowCreditNotice): Promise<void> {
    this.log.warn({ alertId: notice.alertId, meterNo: notice.meterNo, daysLeft: notice.daysLeft, creditWh: notice.creditWh }, notice.text.en)
    this.recent.push(notice)
    if (this.recent.length > this.keep) this.recent.shift()
    return Promise.resolve()
  }
}
