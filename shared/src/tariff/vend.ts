/**
 * computeVend: money in, energy out, and every fen accounted for.
 *
 * Order of deductions, and why:
 *  1. Wallet first: wallet + cash is the vend's budget, so a remainder from last time is never
 *     stranded (walletUsedFen is all of the wallet).
 *  2. Fixed charges for every unsettled local month up to and including this one (a month with no
 *     vend leaves its charge unsettled, so they accumulate). They come first because they are owed
 *     whatever the resident buys, and settling the oldest month first keeps them from piling up.
 *     What the budget cannot cover moves into arrears, so every month is settled by this vend and
 *     the resident is never charged a month twice.
 *  3. Debt recovery: ⌊remaining × debtRecoveryBasisPoints / 10 000⌋, at most the arrears. A share,
 *     not everything, so that a resident in debt still gets energy (unless the share is 100 %).
 *     Rounded down: never more than the stated share.
 *  4. Energy with VAT (energy-cost.ts): whole 0.1 kWh units, blocks in order after the energy
 *     already bought in the period, and only amounts an STS token carries exactly
 *     (token-units.ts). Last, because only here does money not divide evenly.
 *  5. Whatever is left is carriedOverFen and becomes the wallet.
 * Hence, exactly: amountFen + walletUsedFen
 *   = fixedChargesFen + debtRecoveredFen + energyFen + vatFen + carriedOverFen.
 *
 * The free basic allowance rides on the first vend of each local month, at no cost, on the same
 * token; it does not count towards the blocks (blocks price what is bought).
 *
 * State only moves forward: an `at` older than the state (an offline vend uploaded late) is priced
 * in the state's period and never re-issues a free allowance or re-charges a settled month.
 */
import type { Fen, Wh } from '../money.ts'
import { assertFen } from '../money.ts'
import type { VendBreakdown } from '../schemas/kiosk-api.ts'
import { monthIndex, monthKeyFromIndex, tariffCalendarAt } from './calendar.ts'
import { checkAccountTariffState, checkTariffDefinition } from './check.ts'
import { energyCost, maxAffordableUnits, type TariffBlockCharge } from './energy-cost.ts'
import { TariffErrorCode } from './errors.ts'
import { floorDiv, mulSafe } from './integer.ts'
import type { AccountTariffState, TariffDefinition } from './schema.ts'
import { TOKEN_UNITS_MAX, tokenUnitsAtMost } from './token-units.ts'

export interface TariffVendInput {
  tariff: TariffDefinition
  state: AccountTariffState
  /** Cash the resident paid for this vend. */
  amountFen: Fen
  /** When the resident paid, UTC milliseconds. */
  at: number
}

export interface FixedChargeSettlement {
  /** Months settled by this vend, oldest first; 0 when this month was already settled. */
  months: number
  fromMonth: string | null
  throughMonth: string | null
  dueFen: Fen
  /** Paid from this vend's money (= breakdown.fixedChargesFen). */
  paidFen: Fen
  /** The part the vend's money could not cover, added to arrears. */
  movedToArrearsFen: Fen
}

export interface TariffVendResult {
  /** On the token: paid energy plus free basic energy; a multiple of 100 Wh. */
  energyWh: Wh
  /** energyWh in STS 0.1 kWh units; always an amount a credit token carries exactly. */
  units01: number
  /** Energy bought with money (counts towards the blocks). */
  paidEnergyWh: Wh
  freeBasicWh: Wh
  /** Exactly the API's VendBreakdown, so it can be sent as is. */
  breakdown: VendBreakdown
  /** Receipt lines for the paid energy; costFen adds up to breakdown.energyFen. */
  blocks: TariffBlockCharge[]
  fixedCharges: FixedChargeSettlement
  /** 'YYYY-MM' in the tariff's zone. */
  month: string
  /** The block period this vend was priced in. */
  periodStart: string
  newState: AccountTariffState
}

export type TariffVendQuote = Omit<TariffVendResult, 'newState'>

export type TariffVendFailure =
  | {
      ok: false
      code: typeof TariffErrorCode.VEND_AMOUNT_BELOW_MINIMUM
      message: string
      minVendFen: Fen
    }
  | {
      ok: false
      code: typeof TariffErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM
      message: string
      maxVendFen: Fen
    }
  | {
      ok: false
      code: typeof TariffErrorCode.TARIFF_INVALID | typeof TariffErrorCode.TARIFF_STATE_INVALID
      message: string
    }

export type TariffVendOutcome = { ok: true; result: TariffVendResult } | TariffVendFailure
export type TariffQuoteOutcome = { ok: true; quote: TariffVendQuote } | TariffVendFailure

/**
 * The state of a new account. The opening month's fixed charge is due with the first vend; a
 * central that waives it sets fixedChargesPaidThroughMonth to the opening month.
 */
export function initialTariffState(tariff: TariffDefinition, at: number): AccountTariffState {
  const cal = tariffCalendarAt(tariff, at)
  return {
    walletFen: 0,
    arrearsFen: 0,
    energyBoughtInPeriodWh: 0,
    periodStart: cal.periodStart,
    fixedChargesPaidThroughMonth: monthKeyFromIndex(monthIndex(cal.month) - 1),
    freeBasicIssuedMonth: null,
  }
}

/** Unsettled fixed-charge months up to and including `month`, for vends and account screens. */
export function fixedChargesDue(
  tariff: TariffDefinition,
  state: AccountTariffState,
  month: string,
): { months: number; fromMonth: string | null; dueFen: Fen } {
  const months = Math.max(0, monthIndex(month) - monthIndex(state.fixedChargesPaidThroughMonth))
  return {
    months,
    fromMonth:
      months > 0 ? monthKeyFromIndex(monthIndex(state.fixedChargesPaidThroughMonth) + 1) : null,
    // ≤ 120 000 months × 10^8 fen = 1.2 × 10^13.
    dueFen: mulSafe(months, tariff.fixedMonthlyChargeFen),
  }
}

/** Whether the first vend in `month` is still to come (so it gets the free basic allowance). */
export function freeBasicDueWh(
  tariff: TariffDefinition,
  state: AccountTariffState,
  month: string,
): Wh {
  const issued = state.freeBasicIssuedMonth
  return tariff.freeBasicKwhPerMonth > 0 && (issued === null || month > issued)
    ? tariff.freeBasicKwhPerMonth * 1000
    : 0
}

/** The energy bought so far in the period that `periodStart` begins (0 once a new period starts). */
export function energyBoughtInPeriod(state: AccountTariffState, periodStart: string): Wh {
  return periodStart > state.periodStart ? 0 : state.energyBoughtInPeriodWh
}

export function computeVend(input: TariffVendInput): TariffVendOutcome {
  const { amountFen, at } = input
  // Callers hand over schema-checked numbers; anything else is a programming error, not a refusal.
  assertFen(amountFen, 'amountFen')
  if (amountFen < 0) throw new RangeError(`amountFen must not be negative, got ${amountFen}`)
  if (!Number.isSafeInteger(at))
    throw new RangeError(`at must be integer UTC milliseconds, got ${at}`)

  const tariffCheck = checkTariffDefinition(input.tariff)
  if (!tariffCheck.ok) return tariffCheck
  const stateCheck = checkAccountTariffState(input.state)
  if (!stateCheck.ok) return stateCheck
  const { tariff } = tariffCheck
  const { state } = stateCheck

  if (amountFen < tariff.minVendFen) {
    return {
      ok: false,
      code: TariffErrorCode.VEND_AMOUNT_BELOW_MINIMUM,
      message: `amount ${amountFen} fen is below the minimum vend of ${tariff.minVendFen} fen`,
      minVendFen: tariff.minVendFen,
    }
  }
  if (amountFen > tariff.maxVendFen) {
    return {
      ok: false,
      code: TariffErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM,
      message: `amount ${amountFen} fen is above the maximum vend of ${tariff.maxVendFen} fen`,
      maxVendFen: tariff.maxVendFen,
    }
  }

  const cal = tariffCalendarAt(tariff, at)
  const walletUsedFen = state.walletFen
  let leftFen = amountFen + walletUsedFen

  // 2. fixed charges
  const due = fixedChargesDue(tariff, state, cal.month)
  const fixedChargesFen = Math.min(due.dueFen, leftFen)
  const movedToArrearsFen = due.dueFen - fixedChargesFen
  leftFen -= fixedChargesFen

  // 3. debt recovery (from arrears owed before this vend; a shortfall above leaves nothing anyway)
  const debtRecoveredFen = Math.min(
    state.arrearsFen,
    floorDiv(mulSafe(leftFen, tariff.debtRecoveryBasisPoints), 10_000),
  )
  leftFen -= debtRecoveredFen

  // 4. energy
  const periodStart = cal.periodStart > state.periodStart ? cal.periodStart : state.periodStart
  const boughtWh = energyBoughtInPeriod(state, cal.periodStart)
  const freeBasicWh = freeBasicDueWh(tariff, state, cal.month)
  const freeUnits = freeBasicWh / 100
  const affordableUnits = maxAffordableUnits(tariff, { fromWh: boughtWh, budgetFen: leftFen })
  // Free units ≤ 10 000 < 16 384, so the token amount below never drops under them.
  const tokenUnits = tokenUnitsAtMost(Math.min(affordableUnits + freeUnits, TOKEN_UNITS_MAX))
  const paidEnergyWh = (tokenUnits - freeUnits) * 100
  const cost = energyCost(tariff, { fromWh: boughtWh, energyWh: paidEnergyWh })
  leftFen -= cost.totalFen

  // 5. the remainder
  const carriedOverFen = leftFen

  const result: TariffVendResult = {
    energyWh: tokenUnits * 100,
    units01: tokenUnits,
    paidEnergyWh,
    freeBasicWh,
    breakdown: {
      energyFen: cost.energyFen,
      vatFen: cost.vatFen,
      fixedChargesFen,
      debtRecoveredFen,
      walletUsedFen,
      carriedOverFen,
    },
    blocks: cost.blocks,
    fixedCharges: {
      months: due.months,
      fromMonth: due.fromMonth,
      throughMonth: due.months > 0 ? cal.month : null,
      dueFen: due.dueFen,
      paidFen: fixedChargesFen,
      movedToArrearsFen,
    },
    month: cal.month,
    periodStart,
    newState: {
      walletFen: carriedOverFen,
      arrearsFen: state.arrearsFen - debtRecoveredFen + movedToArrearsFen,
      energyBoughtInPeriodWh: boughtWh + paidEnergyWh,
      periodStart,
      fixedChargesPaidThroughMonth: due.months > 0 ? cal.month : state.fixedChargesPaidThroughMonth,
      freeBasicIssuedMonth: freeBasicWh > 0 ? cal.month : state.freeBasicIssuedMonth,
    },
  }
  return { ok: true, result }
}

/** A trial vend (POST /vends/quote): the same numbers, nothing to store. */
export function quoteVend(input: TariffVendInput): TariffQuoteOutcome {
  const outcome = computeVend(input)
  if (!outcome.ok) return outcome
  const { newState: _newState, ...quote } = outcome.result
  return { ok: true, quote }
}
