/**
 * The vend's use of shared's tariff engine (computeVend, quoteVend): its refusals become the
 * central's HTTP errors. The engine decides everything about money and energy; nothing here does.
 */
import { computeVend, ErrorCode, nextBlockInfo, quoteVend, type AccountTariffState, type TariffVendFailure, type TariffVendQuote, type TariffVendResult } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import type { TariffVersion } from '../storage/repository.ts'

function refusal(f: TariffVendFailure): Error {
  switch (f.code) {
    case ErrorCode.VEND_AMOUNT_BELOW_MINIMUM:
      return new Errors.vendBelowMinimum(f.minVendFen)
    case ErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM:
      return new Errors.vendAboveMaximum(f.maxVendFen)
    case ErrorCode.TARIFF_INVALID:
      return new Errors.tariffInvalid(f.message)
    case ErrorCode.TARIFF_STATE_INVALID:
      return new Errors.tariffStateInvalid(f.message)
  }
}

/** What `amountFen` paid at `at` buys, and the account's state after it. */
export function priceVend(tariff: TariffVersion, state: AccountTariffState, amountFen: number, at: number): TariffVendResult {
  const r = computeVend({ tariff: tariff.definition, state, amountFen, at })
  if (!r.ok) throw refusal(r)
  return r.result
}

export function quotePrice(tariff: TariffVersion, state: AccountTariffState, amountFen: number, at: number): TariffVendQuote {
  const r = quoteVend({ tariff: tariff.definition, state, amountFen, at })
  if (!r.ok) throw refusal(r)
  return r.quote
}

/** The price per kWh (before VAT) the account's next purchase starts at: its current block's. */
export function displayPriceFenPerKwh(tariff: TariffVersion, state: AccountTariffState, at: number): number {
  return nextBlockInfo(tariff.definition, state, at).priceFenPerKwh
}
