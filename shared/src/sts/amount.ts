import { StsError, StsErrorCode } from './errors.ts'

/**
 * The 16-bit amount field, `exponent(2) ‖ mantissa(14)` (sts.md §4):
 * value = m·10^e + Σ_{i=1..e} 2^14·10^(i−1), in 0.1 units (0.1 kWh, 0.1 m³, 0.1 min, or W for
 * power limits).
 */
const BASE = [0, 16_384, 180_224, 1_818_624] as const
const STEP = [1, 10, 100, 1000] as const
const MANTISSA_MAX = 0x3fff

/** The largest value a token can carry: e=3, m=16383. */
export const AMOUNT_MAX = 18_201_624

/**
 * Encodes with the smallest exponent whose mantissa fits, rounding **up** (in the customer's
 * favour, §4): 163 830 → e=1, m=14 745, which credits 163 834. Values between two ranges round up
 * to the next range's base.
 */
export function encodeAmount(units: number): number {
  if (!Number.isInteger(units) || units < 0 || units > AMOUNT_MAX) {
    throw new StsError(StsErrorCode.INPUT, `amount must be an integer from 0 to ${AMOUNT_MAX}`)
  }
  for (let e = 0; e < 4; e++) {
    const base = BASE[e] as number
    const m = units <= base ? 0 : Math.ceil((units - base) / (STEP[e] as number))
    if (m <= MANTISSA_MAX) return (e << 14) | m
  }
  // Unreachable: AMOUNT_MAX is the e=3 maximum.
  throw new StsError(StsErrorCode.INPUT, 'amount out of range')
}

/** The value a meter credits for a 16-bit amount field. */
export function decodeAmount(field: number): number {
  if (!Number.isInteger(field) || field < 0 || field > 0xffff) {
    throw new StsError(StsErrorCode.INPUT, 'amount field must be a 16-bit integer')
  }
  const e = field >>> 14
  return (field & MANTISSA_MAX) * (STEP[e] as number) + (BASE[e] as number)
}
