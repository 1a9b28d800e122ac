/** The answer a kiosk prints from; stored verbatim so a retry or reprint gets the same bytes. */
import { meterNoDisplay, type TariffVendResult, type VendResponse } from '@gridtill/shared'
import { maskName } from '../privacy.ts'

export function buildVendResponse(v: {
  vendId: string
  receiptNo: string
  meterNo: string
  customerName: string
  amountFen: number
  outcome: Pick<TariffVendResult, 'energyWh' | 'breakdown'>
  tokens: string[]
  tariffName: string
  createdAt: number
}): VendResponse {
  return {
    vendId: v.vendId,
    receiptNo: v.receiptNo,
    meterNo: v.meterNo,
    meterNoDisplay: meterNoDisplay(v.meterNo),
    customerNameMasked: maskName(v.customerName),
    amountFen: v.amountFen,
    energyWh: v.outcome.energyWh,
    tokens: v.tokens,
    breakdown: v.outcome.breakdown,
    tariffName: v.tariffName,
    createdAt: new Date(v.createdAt).toISOString(),
  }
}
