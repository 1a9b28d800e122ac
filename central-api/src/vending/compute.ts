/**
 * Money → energy for a flat tariff, pure and exact (DESIGN.md, Money). The foundation's stand-in
 * for the tariff engine that will live in shared: same inputs, same breakdown shape.
 *
 * The energy on the token is exactly the energy the ledger records, so the units chosen must be
 * (a) exactly representable in a token's 16-bit amount (IEC 62055-41 rounds larger amounts UP,
 * which would credit energy nobody paid for) and (b) cost a whole number of fen. Whatever money
 * is left stays in the customer's wallet for the next vend: nothing lost, nothing given away.
 */
import { AMOUNT_MAX, decodeAmount, encodeAmount, type VendBreakdown } from '@gridtill/shared'

export interface FlatTariff {
  priceFenPerKwh: number
  minVendFen: number
  maxVendFen: number
}

export interface VendComputation {
  /** Token amount in 0.1 kWh. */
  units01: number
  energyWh: number
  breakdown: VendBreakdown
}

export type ComputeResult =
  | ({ ok: true } & VendComputation)
  | { ok: false; reason: 'belowMinimum' | 'aboveMaximum'; limitFen: number }

/** The largest amount ≤ units01 that a token carries exactly (sts.md §4). */
export function largestExactTokenUnits(units01: number): number {
  if (units01 <= 0) return 0
  if (units01 >= AMOUNT_MAX) return AMOUNT_MAX
  // The encoder rounds up; one step down in the 16-bit field is the next smaller exact amount
  // (from mantissa 0 it falls to the previous exponent's largest value).
  const field = encodeAmount(units01)
  return decodeAmount(field) === units01 ? units01 : decodeAmount(field - 1)
}

/** Units of 0.1 kWh that the money buys exactly, at a price in fen per kWh. */
export function unitsForMoney(totalFen: number, priceFenPerKwh: number): number {
  let units01 = largestExactTokenUnits(Math.floor((totalFen * 10) / priceFenPerKwh))
  // A price like 57 fen/kWh makes one 0.1 kWh unit cost 5.7 fen: step down to a whole-fen cost.
  while (units01 > 0 && (units01 * priceFenPerKwh) % 10 !== 0) units01 = largestExactTokenUnits(units01 - 1)
  return units01
}

export function computeFlatVend(tariff: FlatTariff, amountFen: number, walletFen: number): ComputeResult {
  if (amountFen < tariff.minVendFen) return { ok: false, reason: 'belowMinimum', limitFen: tariff.minVendFen }
  if (amountFen > tariff.maxVendFen) return { ok: false, reason: 'aboveMaximum', limitFen: tariff.maxVendFen }
  const availableFen = amountFen + walletFen
  const units01 = unitsForMoney(availableFen, tariff.priceFenPerKwh)
  // A vend that buys nothing would take money for no token: refuse it like any amount too small.
  if (units01 === 0) return { ok: false, reason: 'belowMinimum', limitFen: Math.max(tariff.minVendFen, Math.ceil(tariff.priceFenPerKwh / 10)) }
  const energyFen = (units01 * tariff.priceFenPerKwh) / 10
  return {
    ok: true,
    units01,
    energyWh: units01 * 100,
    breakdown: {
      energyFen,
      vatFen: 0,
      fixedChargesFen: 0,
      debtRecoveredFen: 0,
      walletUsedFen: walletFen,
      carriedOverFen: availableFen - energyFen,
    },
  }
}

/** The invariant every breakdown keeps: what went out equals what came in, to the fen. */
export function breakdownBalances(b: VendBreakdown, amountFen: number): boolean {
  return b.energyFen + b.vatFen + b.fixedChargesFen + b.debtRecoveredFen + b.carriedOverFen === amountFen + b.walletUsedFen
}
