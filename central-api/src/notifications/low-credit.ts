/**
 * Low-credit alerts: after a meter reports, estimate its days of credit left from recent
 * consumption (analytics/days-left.ts); below the threshold open one alert for the episode and
 * notify once; a top-up (credit rising to above the threshold) clears it, and the next fall below
 * starts a new episode. The open alert is unique per meter in storage, so several central
 * instances notify once between them.
 */
import type { FastifyBaseLogger } from 'fastify'
import { uuidv7, type Clock } from '@gridtill/shared'
import { DAY_MS, DEFAULT_DAYS_LEFT_WINDOW_DAYS, estimateDaysLeft, type DaysLeftEstimate } from '../analytics/days-left.ts'
import type { Repository } from '../storage/repository.ts'
import { lowCreditText, type Notifier } from './notifier.ts'

export interface LowCreditOptions {
  /** Alert when fewer days than this are left (default 3). */
  thresholdDays?: number
  windowDays?: number
  /** A meter is re-estimated at most this often unless its credit rose (default 15 min). */
  minIntervalMs?: number
}

export const DEFAULT_LOW_CREDIT_DAYS = 3
/** Readings per estimate at most; at one a minute this still spans more than a day. */
const MAX_READINGS = 2_000

export class LowCreditMonitor {
  private readonly threshold: number
  private readonly windowDays: number
  private readonly minIntervalMs: number
  /**
   * Per meter: when last estimated, the credit then, and whether it was judged low (an alert
   * open). A rise is a top-up: it can end a low episode, so a low meter is looked at again at once;
   * a meter that was not low cannot become low by rising, so it waits for the interval like a fall
   * (every token ack reports a rise, and an estimate reads weeks of readings).
   */
  private readonly last = new Map<string, { at: number; creditWh: number; low: boolean }>()

  constructor(
    private readonly deps: { repo: Repository; clock: Clock; log: FastifyBaseLogger; notifier: Notifier },
    options: LowCreditOptions = {},
  ) {
    this.threshold = options.thresholdDays ?? DEFAULT_LOW_CREDIT_DAYS
    this.windowDays = options.windowDays ?? DEFAULT_DAYS_LEFT_WINDOW_DAYS
    this.minIntervalMs = options.minIntervalMs ?? 15 * 60_000
  }

  /** A reading was stored (or a token ack reported the credit after a top-up). */
  async onCredit(meterNo: string, creditWh: number): Promise<void> {
    const now = this.deps.clock.now()
    const prev = this.last.get(meterNo)
    if (prev !== undefined && now - prev.at < this.minIntervalMs && (creditWh <= prev.creditWh || !prev.low)) return
    this.last.set(meterNo, { at: now, creditWh, low: false })
    const readings = await this.deps.repo.readingsSince(meterNo, now - (this.windowDays + 1) * DAY_MS, MAX_READINGS)
    const est = estimateDaysLeft(readings, now, { windowDays: this.windowDays })
    // The credit just reported may be newer than the last reading (a token ack).
    const latest = readings.at(-1)
    const daysLeft = latest !== undefined && creditWh !== latest.creditWh && est.avgDailyWh !== null && est.avgDailyWh > 0 ? creditWh / est.avgDailyWh : est.daysLeft
    await this.apply(meterNo, { ...est, daysLeft }, creditWh, now)
  }

  private async apply(meterNo: string, est: DaysLeftEstimate, creditWh: number, now: number): Promise<void> {
    const { repo, log, notifier } = this.deps
    if (est.daysLeft !== null && est.daysLeft < this.threshold) {
      const seen = this.last.get(meterNo)
      if (seen !== undefined) seen.low = true
      const daysLeft = Math.round(est.daysLeft * 10) / 10
      const alert = await repo.openMeterAlert({ id: uuidv7(now), meterNo, kind: 'lowCredit', daysLeft, avgDailyWh: est.avgDailyWh, creditWh, now })
      if (alert === null) return // this episode's alert is already open
      try {
        await notifier.notifyLowCredit({ alertId: alert.id, meterNo, daysLeft, creditWh, at: now, text: lowCreditText(meterNo, daysLeft, creditWh) })
        await repo.markMeterAlertNotified(alert.id)
      } catch (err) {
        // The alert stays open and listed; only the message failed.
        log.warn({ alertId: alert.id, meterNo, err: err instanceof Error ? err.message : String(err) }, 'low-credit notification failed')
      }
      return
    }
    // Not low (or no longer estimable because nothing is used): a topped-up meter ends its episode.
    const [open] = await repo.listMeterAlerts({ state: 'open', meterNo, limit: 1 })
    if (open !== undefined && (open.creditWh === null || creditWh > open.creditWh)) {
      await repo.clearMeterAlert(meterNo, 'lowCredit', now)
      log.info({ alertId: open.id, meterNo, creditWh }, 'low-credit alert cleared by a top-up')
    }
  }
}
