/** What a kiosk screen may show of an account: masked name, meters, prices, balances. */
import { meterNoDisplay, type AccountSummary } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import { maskName } from '../privacy.ts'
import type { AccountView } from '../storage/repository.ts'
import { displayPriceFenPerKwh } from './tariff.ts'

/** `focusMeterNo`: the meter the resident is buying for, whose last known credit is shown. */
export function accountSummary(view: AccountView, focusMeterNo: string | null, at: number): AccountSummary {
  if (view.status !== 'open') throw new Errors.accountClosed()
  if (view.tariff === null || view.tariffState === null) throw new Errors.tariffMissing()
  const focus = focusMeterNo !== null ? view.meters.find((m) => m.meterNo === focusMeterNo) : view.meters.length === 1 ? view.meters[0] : undefined
  const def = view.tariff.definition
  return {
    accountId: view.accountId,
    customerNameMasked: maskName(view.customerName),
    meters: view.meters.map((m) => ({ meterNo: m.meterNo, meterNoDisplay: meterNoDisplay(m.meterNo), unitName: m.unitName })),
    tariffName: view.tariff.tariffName,
    // A block tariff's price depends on what the account bought this period: the block it is in now.
    priceFenPerKwh: displayPriceFenPerKwh(view.tariff, view.tariffState, at),
    minVendFen: def.minVendFen,
    maxVendFen: def.maxVendFen,
    arrearsFen: view.arrearsFen,
    walletFen: view.walletFen,
    lastKnownCreditWh: focus?.lastCreditWh ?? null,
  }
}
