/**
 * Which credit amounts an STS token carries exactly (specs/sts.md §4). Above 16 383 units the
 * amount field has steps of 10, 100 and 1000 units and the encoder rounds **up**, so a vend of
 * 16 385 units would credit 16 394: energy given away and a token that disagrees with the ledger.
 * The engine therefore only sells amounts the field holds exactly.
 */

/** The largest credit one token carries: e=3, m=16 383 (sts.md §4). */
export const TOKEN_UNITS_MAX = 18_201_624

// Range e starts at BASE[e] and moves in steps of STEP[e] units.
const BASE = [0, 16_384, 180_224, 1_818_624] as const
const STEP = [1, 10, 100, 1000] as const

/** The largest amount ≤ units that a token carries exactly. */
export function tokenUnitsAtMost(units: number): number {
  if (!Number.isSafeInteger(units) || units < 0)
    throw new RangeError(`units must be a whole number ≥ 0, got ${units}`)
  if (units >= TOKEN_UNITS_MAX) return TOKEN_UNITS_MAX
  for (let e = 3; e >= 0; e--) {
    const base = BASE[e] as number
    const step = STEP[e] as number
    if (units >= base) return units - ((units - base) % step)
  }
  return units // unreachable: BASE[0] is 0
}

export function isExactTokenUnits(units: number): boolean {
  return Number.isSafeInteger(units) && units >= 0 && tokenUnitsAtMost(units) === units
}
