/**
 * Integer arithmetic for money. Every product goes through mulSafe, so an input outside the bounds
 * the proofs assume throws instead of silently losing precision.
 */

export function mulSafe(a: number, b: number): number {
  const p = a * b
  // A product above 2^53 - 1 is never a safe integer, even when the double rounds it.
  if (!Number.isSafeInteger(p)) throw new RangeError(`integer overflow: ${a} × ${b}`)
  return p
}

function assertOperands(a: number, b: number): void {
  if (!Number.isSafeInteger(a) || a < 0 || !Number.isSafeInteger(b) || b <= 0) {
    throw new RangeError(`integer division needs a ≥ 0 and b > 0, got ${a} / ${b}`)
  }
}

/** ⌊a / b⌋ without going through a float quotient. */
export function floorDiv(a: number, b: number): number {
  assertOperands(a, b)
  return (a - (a % b)) / b
}

/** ⌈a / b⌉. */
export function ceilDiv(a: number, b: number): number {
  const q = floorDiv(a, b)
  return a % b === 0 ? q : q + 1
}

/** a / b rounded half up (四舍五入), the rule for tax amounts on an invoice. */
export function roundHalfUpDiv(a: number, b: number): number {
  const q = floorDiv(a, b)
  const r = a - q * b
  return r * 2 >= b ? q + 1 : q
}
