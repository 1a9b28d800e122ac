/**
 * What the resident's next purchase runs into, for the kiosk's account screen ("you are in block 2;
 * 123.4 kWh left at this price until 1 May") and the receipt's advice line.
 */
import type { Fen, Wh } from '../money.ts'
import { tariffCalendarAt } from './calendar.ts'
import { blockAt, priceBlocks } from './energy-cost.ts'
import type { AccountTariffState, TariffDefinition } from './schema.ts'
import { energyBoughtInPeriod, fixedChargesDue, freeBasicDueWh } from './vend.ts'

export interface NextBlockInfo {
  /** 1-based; always 1 for a flat tariff. */
  blockNumber: number
  blockCount: number
  /** Before VAT. */
  priceFenPerKwh: number
  vatRateBasisPoints: number
  /** Bought so far in the period the next vend falls in (0 when `at` starts a new period). */
  energyBoughtInPeriodWh: Wh
  /** Energy left in this block before the next price applies; null in the open last block. */
  remainingInBlockWh: Wh | null
  nextBlockPriceFenPerKwh: number | null
  periodStart: string
  /** When the count restarts and block 1 applies again. */
  nextPeriodStart: string
  /** Taken from the next vend before any energy. */
  fixedChargesDueFen: Fen
  fixedChargeMonthsDue: number
  arrearsFen: Fen
  debtRecoveryBasisPoints: number
  walletFen: Fen
  /** Free energy the next vend adds. */
  freeBasicDueWh: Wh
}

/** Assumes a tariff that passed checkTariffDefinition (it is display, not money). */
export function nextBlockInfo(
  tariff: TariffDefinition,
  state: AccountTariffState,
  at: number,
): NextBlockInfo {
  const cal = tariffCalendarAt(tariff, at)
  const periodStart = cal.periodStart > state.periodStart ? cal.periodStart : state.periodStart
  const boughtWh = energyBoughtInPeriod(state, cal.periodStart)
  const blocks = priceBlocks(tariff.pricing)
  const block = blockAt(blocks, boughtWh)
  const next = blocks[block.blockNumber] // blockNumber is 1-based, so this is the one after
  const due = fixedChargesDue(tariff, state, cal.month)
  return {
    blockNumber: block.blockNumber,
    blockCount: blocks.length,
    priceFenPerKwh: block.priceFenPerKwh,
    vatRateBasisPoints: tariff.vatRateBasisPoints,
    energyBoughtInPeriodWh: boughtWh,
    remainingInBlockWh: block.toWh === null ? null : block.toWh - boughtWh,
    nextBlockPriceFenPerKwh: next?.priceFenPerKwh ?? null,
    periodStart,
    nextPeriodStart: cal.nextPeriodStart,
    fixedChargesDueFen: due.dueFen,
    fixedChargeMonthsDue: due.months,
    arrearsFen: state.arrearsFen,
    debtRecoveryBasisPoints: tariff.debtRecoveryBasisPoints,
    walletFen: state.walletFen,
    freeBasicDueWh: freeBasicDueWh(tariff, state, cal.month),
  }
}
