/** What a kiosk screen may show of an account: masked name, meters, prices, balances, outlook. */
import { meterNoDisplay, nextBlockInfo, type AccountSummary } from '@gridtill/shared'
import { estimateDaysLeft } from '../analytics/days-left.ts'
import { Errors } from '../errors.ts'
import { maskName } from '../privacy.ts'
import type { AccountView, ReadingRecord, Repository } from '../storage/repository.ts'

/**
 * Readings fetched for the days-left estimate: its 14-day window at one reading every 15 minutes
 * (the meters' default interval) is 1344; fewer readings only shorten the basis.
 */
export const DAYS_LEFT_READINGS = 1400

/**
 * `focusMeterNo`: the meter the resident is buying for, whose last known credit and days left are
 * shown. `readings`: that meter's recent readings (any order), for the days-left estimate.
 */
export function accountSummary(view: AccountView, focusMeterNo: string | null, at: number, readings: readonly ReadingRecord[] = []): AccountSummary {
  if (view.status !== 'open') throw new Errors.accountClosed()
  if (view.tariff === null || view.tariffState === null) throw new Errors.tariffMissing()
  const focus = focusMeterNo !== null ? view.meters.find((m) => m.meterNo === focusMeterNo) : view.meters.length === 1 ? view.meters[0] : undefined
  const def = view.tariff.definition
  // A block tariff's price depends on what the account bought this period: the block it is in now.
  const next = nextBlockInfo(def, view.tariffState, at)
  // The rate from the readings (estimateDaysLeft), applied to the credit this screen shows: the
  // meter's latest word, which a token acceptance updates before the next reading comes in.
  const rate = focus === undefined ? null : estimateDaysLeft(readings.filter((r) => r.meterNo === focus.meterNo), at).avgDailyWh
  const estimate = rate === null || rate <= 0 || focus?.lastCreditWh == null ? null : Math.max(0, focus.lastCreditWh) / rate
  return {
    accountId: view.accountId,
    customerNameMasked: maskName(view.customerName),
    meters: view.meters.map((m) => ({ meterNo: m.meterNo, meterNoDisplay: meterNoDisplay(m.meterNo), unitName: m.unitName })),
    tariffName: view.tariff.tariffName,
    priceFenPerKwh: next.priceFenPerKwh,
    minVendFen: def.minVendFen,
    maxVendFen: def.maxVendFen,
    arrearsFen: view.arrearsFen,
    walletFen: view.walletFen,
    lastKnownCreditWh: focus?.lastCreditWh ?? null,
    // Whole days, rounded down: a kiosk should not promise the last part-day.
    daysLeft: estimate === null ? null : Math.floor(estimate),
    nextBlock: {
      blockNumber: next.blockNumber,
      blockCount: next.blockCount,
      priceFenPerKwh: next.priceFenPerKwh,
      remainingWh: next.remainingInBlockWh === null ? null : Math.max(0, next.remainingInBlockWh),
      nextPriceFenPerKwh: next.nextBlockPriceFenPerKwh,
      resetsOn: next.nextPeriodStart,
    },
  }
}

/** The summary with the focus meter's readings loaded (the one place lookups build it). */
export async function loadAccountSummary(repo: Pick<Repository, 'latestReadings'>, view: AccountView, focusMeterNo: string | null, at: number): Promise<AccountSummary> {
  const focus = focusMeterNo ?? (view.meters.length === 1 ? (view.meters[0]?.meterNo ?? null) : null)
  const readings = focus === null ? [] : await repo.latestReadings(focus, DAYS_LEFT_READINGS)
  return accountSummary(view, focusMeterNo, at, readings)
}
