import { StsError, StsErrorCode } from './errors.ts'

/**
 * The token's outer layer (sts.md §1 steps 5–6): the class bits are transposed into bits 28/27 of
 * the (encrypted) 64-bit block, whose old bits 28/27 move up to 65/64; the 66-bit result is
 * printed as 20 decimal digits. Everything here works on 32-bit halves and 16-bit limbs so that
 * minting never touches bigint.
 */

/** A 66-bit token number: bits 65..64 in `top`, 63..32 in `hi`, 31..0 in `lo`. */
export interface TokenNumber {
  top: number
  hi: number
  lo: number
}

const CLASS_BITS = 3 << 27

/** Step 5: class into bits 28 (high) and 27 (low); the block's bits 28/27 go to 65/64. */
export function transpose(tokenClass: number, hi: number, lo: number): TokenNumber {
  return {
    top: (lo >>> 27) & 3,
    hi: hi >>> 0,
    lo: ((lo & ~CLASS_BITS) | ((tokenClass & 3) << 27)) >>> 0,
  }
}

/** The reverse: the class, and the block with bits 65/64 put back into 28/27. */
export function untranspose(n: TokenNumber): { tokenClass: number; hi: number; lo: number } {
  return {
    tokenClass: (n.lo >>> 27) & 3,
    hi: n.hi,
    lo: ((n.lo & ~CLASS_BITS) | (n.top << 27)) >>> 0,
  }
}

const E8 = 100_000_000
// "0000" … "9999": a token prints as five of these.
const DIG4: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'))

/** The 66-bit number as 20 decimal digits, zero-padded. */
export function toDigits(top: number, hi: number, lo: number): string {
  // N = a·10^16 + b·10^8 + c: two long divisions by 10^8 over 16-bit limbs (every intermediate
  // stays below 2^53); a < 7379 is what is left in the lowest limb.
  let l4 = top
  let l3 = hi >>> 16
  let l2 = hi & 0xffff
  let l1 = lo >>> 16
  let l0 = lo & 0xffff
  let c = 0
  let b = 0
  for (let pass = 0; pass < 2; pass++) {
    let q = Math.floor(l4 / E8)
    let r = l4 - q * E8
    l4 = q
    let x = r * 0x10000 + l3
    q = Math.floor(x / E8)
    r = x - q * E8
    l3 = q
    x = r * 0x10000 + l2
    q = Math.floor(x / E8)
    r = x - q * E8
    l2 = q
    x = r * 0x10000 + l1
    q = Math.floor(x / E8)
    r = x - q * E8
    l1 = q
    x = r * 0x10000 + l0
    q = Math.floor(x / E8)
    r = x - q * E8
    l0 = q
    if (pass === 0) c = r
    else b = r
  }
  const bHi = Math.floor(b / 10_000)
  const cHi = Math.floor(c / 10_000)
  return (
    (DIG4[l0] as string) +
    (DIG4[bHi] as string) +
    (DIG4[b - bHi * 10_000] as string) +
    (DIG4[cHi] as string) +
    (DIG4[c - cHi * 10_000] as string)
  )
}

/** 20 digits to the 66-bit number; ERR_STS_INPUT for anything else or for values ≥ 2^66. */
export function fromDigits(digits: string): TokenNumber {
  if (!/^\d{20}$/.test(digits))
    throw new StsError(StsErrorCode.INPUT, 'a token is 20 decimal digits')
  // 16-bit limbs, least significant first; multiply-add by 10^8 per chunk of digits.
  const limbs = [0, 0, 0, 0, 0]
  for (const [start, end, scale] of [
    [0, 4, 10_000],
    [4, 12, E8],
    [12, 20, E8],
  ] as const) {
    let carry = Number(digits.slice(start, end))
    for (let i = 0; i < 5; i++) {
      const x = (limbs[i] as number) * scale + carry
      limbs[i] = x % 0x10000
      carry = Math.floor(x / 0x10000)
    }
    if (carry !== 0) throw new StsError(StsErrorCode.INPUT, 'token number is larger than 66 bits')
  }
  const [l0, l1, l2, l3, l4] = limbs as [number, number, number, number, number]
  if (l4 > 3) throw new StsError(StsErrorCode.INPUT, 'token number is larger than 66 bits')
  return { top: l4, hi: ((l3 << 16) | l2) >>> 0, lo: ((l1 << 16) | l0) >>> 0 }
}

/**
 * The 20 digits of a token as people type or print it: spaces and hyphens between digits are
 * dropped ("1234 5678 9012 3456 7890" and "1234-5678-…" are the same token).
 */
export function normalizeToken(token: string): string {
  if (typeof token !== 'string')
    throw new StsError(StsErrorCode.INPUT, 'a token is a string of 20 digits')
  const digits = token.trim().replace(/[\s-]+/g, '')
  if (!/^\d{20}$/.test(digits))
    throw new StsError(StsErrorCode.INPUT, 'a token is 20 decimal digits')
  return digits
}

/** "1234 5678 9012 3456 7890": how receipts and screens show a token. */
export function formatToken(token: string): string {
  const d = normalizeToken(token)
  return `${d.slice(0, 4)} ${d.slice(4, 8)} ${d.slice(8, 12)} ${d.slice(12, 16)} ${d.slice(16, 20)}`
}
