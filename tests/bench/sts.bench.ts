/**
 * `npm run bench -- sts`: STS tokens minted per second on one core, STA and MISTY1, each beside a
 * plain bigint reference implementation measured in the same run (kept here, not in shared:
 * it exists only to be compared against). Every token mints under a fresh key object, as a
 * vend for another meter would, so the figure includes the per-key schedule.
 */
import type { CreditToken, StsKey } from '@gridtill/shared'
import { encodeAmount, encodeToken } from '@gridtill/shared'
import type { Report } from './run.ts'

// ---- The reference: sts.md §1, §6 and RFC 2994 written plainly over bigint. ----

const M64 = (1n << 64n) - 1n
const S1 = [14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11].map(BigInt)
const S2 = [12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14].map(BigInt)
// prettier-ignore
const P = [55,42,10,18,24,21,44,35,2,22,56,43,27,58,9,50,6,36,12,61,37,38,53,16,62,3,7,4,32,20,63,25,
  51,52,54,33,49,19,46,29,48,31,23,30,41,28,13,5,40,60,39,11,15,17,1,0,57,34,59,8,47,14,45,26].map(BigInt)

function refSta(key: bigint, block: bigint): bigint {
  let k = ((~key & M64) >> 12n) | (((~key & M64) << 52n) & M64)
  let d = block
  for (let r = 0; r < 16; r++) {
    let s = 0n
    for (let n = 0n; n < 16n; n++) {
      const box = (k >> (4n * n + 3n)) & 1n ? S2 : S1
      s |= box[Number((d >> (4n * n)) & 15n)]! << (4n * n)
    }
    d = 0n
    for (let i = 0n; i < 64n; i++) if ((s >> i) & 1n) d |= 1n << P[Number(i)]!
    k = ((k << 1n) & M64) | (k >> 63n)
  }
  return d
}

// prettier-ignore
const S7 = [
  27, 50, 51, 90, 59, 16, 23, 84, 91, 26, 114, 115, 107, 44, 102, 73,
  31, 36, 19, 108, 55, 46, 63, 74, 93, 15, 64, 86, 37, 81, 28, 4,
  11, 70, 32, 13, 123, 53, 68, 66, 43, 30, 65, 20, 75, 121, 21, 111,
  14, 85, 9, 54, 116, 12, 103, 83, 40, 10, 126, 56, 2, 7, 96, 41,
  25, 18, 101, 47, 48, 57, 8, 104, 95, 120, 42, 76, 100, 69, 117, 61,
  89, 72, 3, 87, 124, 79, 98, 60, 29, 33, 94, 39, 106, 112, 77, 58,
  1, 109, 110, 99, 24, 119, 35, 5, 38, 118, 0, 49, 45, 122, 127, 97,
  80, 34, 17, 6, 71, 22, 82, 78, 113, 62, 105, 67, 52, 92, 88, 125,
].map(BigInt)
// prettier-ignore
const S9 = [
  451, 203, 339, 415, 483, 233, 251, 53, 385, 185, 279, 491, 307, 9, 45, 211,
  199, 330, 55, 126, 235, 356, 403, 472, 163, 286, 85, 44, 29, 418, 355, 280,
  331, 338, 466, 15, 43, 48, 314, 229, 273, 312, 398, 99, 227, 200, 500, 27,
  1, 157, 248, 416, 365, 499, 28, 326, 125, 209, 130, 490, 387, 301, 244, 414,
  467, 221, 482, 296, 480, 236, 89, 145, 17, 303, 38, 220, 176, 396, 271, 503,
  231, 364, 182, 249, 216, 337, 257, 332, 259, 184, 340, 299, 430, 23, 113, 12,
  71, 88, 127, 420, 308, 297, 132, 349, 413, 434, 419, 72, 124, 81, 458, 35,
  317, 423, 357, 59, 66, 218, 402, 206, 193, 107, 159, 497, 300, 388, 250, 406,
  481, 361, 381, 49, 384, 266, 148, 474, 390, 318, 284, 96, 373, 463, 103, 281,
  101, 104, 153, 336, 8, 7, 380, 183, 36, 25, 222, 295, 219, 228, 425, 82,
  265, 144, 412, 449, 40, 435, 309, 362, 374, 223, 485, 392, 197, 366, 478, 433,
  195, 479, 54, 238, 494, 240, 147, 73, 154, 438, 105, 129, 293, 11, 94, 180,
  329, 455, 372, 62, 315, 439, 142, 454, 174, 16, 149, 495, 78, 242, 509, 133,
  253, 246, 160, 367, 131, 138, 342, 155, 316, 263, 359, 152, 464, 489, 3, 510,
  189, 290, 137, 210, 399, 18, 51, 106, 322, 237, 368, 283, 226, 335, 344, 305,
  327, 93, 275, 461, 121, 353, 421, 377, 158, 436, 204, 34, 306, 26, 232, 4,
  391, 493, 407, 57, 447, 471, 39, 395, 198, 156, 208, 334, 108, 52, 498, 110,
  202, 37, 186, 401, 254, 19, 262, 47, 429, 370, 475, 192, 267, 470, 245, 492,
  269, 118, 276, 427, 117, 268, 484, 345, 84, 287, 75, 196, 446, 247, 41, 164,
  14, 496, 119, 77, 378, 134, 139, 179, 369, 191, 270, 260, 151, 347, 352, 360,
  215, 187, 102, 462, 252, 146, 453, 111, 22, 74, 161, 313, 175, 241, 400, 10,
  426, 323, 379, 86, 397, 358, 212, 507, 333, 404, 410, 135, 504, 291, 167, 440,
  321, 60, 505, 320, 42, 341, 282, 417, 408, 213, 294, 431, 97, 302, 343, 476,
  114, 394, 170, 150, 277, 239, 69, 123, 141, 325, 83, 95, 376, 178, 46, 32,
  469, 63, 457, 487, 428, 68, 56, 20, 177, 363, 171, 181, 90, 386, 456, 468,
  24, 375, 100, 207, 109, 256, 409, 304, 346, 5, 288, 443, 445, 224, 79, 214,
  319, 452, 298, 21, 6, 255, 411, 166, 67, 136, 80, 351, 488, 289, 115, 382,
  188, 194, 201, 371, 393, 501, 116, 460, 486, 424, 405, 31, 65, 13, 442, 50,
  61, 465, 128, 168, 87, 441, 354, 328, 217, 261, 98, 122, 33, 511, 274, 264,
  448, 169, 285, 432, 422, 205, 243, 92, 258, 91, 473, 324, 502, 173, 165, 58,
  459, 310, 383, 70, 225, 30, 477, 230, 311, 506, 389, 140, 143, 64, 437, 190,
  120, 0, 172, 272, 350, 292, 2, 444, 162, 234, 112, 508, 278, 348, 76, 450,
].map(BigInt)

function fi(x: bigint, k: bigint): bigint {
  let d9 = x >> 7n
  let d7 = x & 0x7fn
  d9 = S9[Number(d9)]! ^ d7
  d7 = (S7[Number(d7)]! ^ d9) & 0x7fn
  d7 ^= k >> 9n
  d9 ^= k & 0x1ffn
  d9 = S9[Number(d9)]! ^ d7
  return (d7 << 9n) | d9
}

function refMisty1(key: bigint, block: bigint): bigint {
  const ek: bigint[] = []
  for (let i = 0; i < 8; i++) ek[i] = (key >> BigInt(16 * (7 - i))) & 0xffffn
  for (let i = 0; i < 8; i++) {
    ek[i + 8] = fi(ek[i]!, ek[(i + 1) % 8]!)
    ek[i + 16] = ek[i + 8]! & 0x1ffn
    ek[i + 24] = ek[i + 8]! >> 9n
  }
  const fo = (x: bigint, k: number): bigint => {
    let t0 = x >> 16n
    let t1 = x & 0xffffn
    t0 = fi(t0 ^ ek[k]!, ek[((k + 5) % 8) + 8]!) ^ t1
    t1 = fi(t1 ^ ek[(k + 2) % 8]!, ek[((k + 1) % 8) + 8]!) ^ t0
    t0 = fi(t0 ^ ek[(k + 7) % 8]!, ek[((k + 3) % 8) + 8]!) ^ t1
    t1 ^= ek[(k + 4) % 8]!
    return (t1 << 16n) | t0
  }
  const fl = (x: bigint, k: number): bigint => {
    let d0 = x >> 16n
    let d1 = x & 0xffffn
    const h = k >> 1
    if (k % 2 === 0) {
      d1 ^= d0 & ek[h]!
      d0 ^= d1 | ek[((h + 6) % 8) + 8]!
    } else {
      d1 ^= d0 & ek[((h + 2) % 8) + 8]!
      d0 ^= d1 | ek[(h + 4) % 8]!
    }
    return (d0 << 16n) | d1
  }
  let d0 = block >> 32n
  let d1 = block & 0xffffffffn
  for (let r = 0; r < 8; r += 2) {
    d0 = fl(d0, r)
    d1 = fl(d1, r + 1)
    d1 ^= fo(d0, r)
    d0 ^= fo(d1, r + 1)
  }
  return (fl(d1, 9) << 32n) | fl(d0, 8)
}

function refCrc(data50: bigint): bigint {
  let crc = 0xffffn
  for (let i = 6n; i >= 0n; i--) {
    crc ^= (data50 >> (8n * i)) & 0xffn
    for (let b = 0; b < 8; b++) crc = crc & 1n ? (crc >> 1n) ^ 0xa001n : crc >> 1n
  }
  return ((crc & 0xffn) << 8n) | (crc >> 8n)
}

function refMint(key: StsKey, t: CreditToken): string {
  const payload = (BigInt(t.rnd) << 40n) | (BigInt(t.tid) << 16n) | BigInt(encodeAmount(t.units))
  const block = (payload << 16n) | refCrc(payload) // class 0, subclass 0
  const c = key.ea === '07' ? refSta(key.dk, block) : refMisty1(key.dk, block)
  const moved = (((c >> 28n) & 1n) << 65n) | (((c >> 27n) & 1n) << 64n)
  return (moved | (c & ~(3n << 27n))).toString().padStart(20, '0')
}

// ---- The measurement. ----

function keys(ea: '07' | '11', n: number): bigint[] {
  // Deterministic, varied keys (a 64-bit LCG).
  const out: bigint[] = []
  let x = 0x2545f4914f6cdd1dn
  for (let i = 0; i < n; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & M64
    const y = (x * 6364136223846793005n + 1n) & M64
    out.push(ea === '07' ? x : (x << 64n) | y)
  }
  return out
}

const credits: CreditToken[] = Array.from({ length: 1024 }, (_, i) => ({
  class: 0,
  subclass: 0,
  rnd: i & 15,
  tid: (i * 7919) & 0xffffff,
  units: (i * 37) % 180_000,
}))

type Mint = (key: StsKey, t: CreditToken) => string

/** Tokens minted in about `ms`, each under a fresh key object; returns [tokens, elapsed ms]. */
function slice(ms: number, dks: bigint[], ea: '07' | '11', mint: Mint): [number, number] {
  let n = 0
  let sink = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let j = 0; j < 32; j++, n++) {
      const key: StsKey = { ea, dk: dks[n % dks.length]! }
      sink ^= mint(key, credits[n % credits.length]!).charCodeAt(19)
    }
    elapsed = performance.now() - start
  }
  if (sink === -1) console.log(sink) // keep the work observable
  return [n, elapsed]
}

/**
 * Both implementations in alternating 100 ms slices for about `seconds` each, so that load from
 * other processes falls on both alike; tokens per second of each.
 */
function measure(
  seconds: number,
  dks: bigint[],
  ea: '07' | '11',
  a: Mint,
  b: Mint,
): [number, number] {
  const total = [0, 0, 0, 0]
  for (let round = 0; round < seconds * 10; round++) {
    const [na, ta] = slice(100, dks, ea, a)
    const [nb, tb] = slice(100, dks, ea, b)
    total[0]! += na
    total[1]! += ta
    total[2]! += nb
    total[3]! += tb
  }
  return [(total[0]! / total[1]!) * 1000, (total[2]! / total[3]!) * 1000]
}

const fast: Mint = (key, t) => encodeToken(key, t)

export default async function sts(report: Report): Promise<void> {
  for (const [name, ea] of [
    ['sta', '07'],
    ['misty1', '11'],
  ] as const) {
    const dks = keys(ea, 1024)
    // The two must agree before their speeds mean anything.
    for (let i = 0; i < 200; i++) {
      const key: StsKey = { ea, dk: dks[i]! }
      if (fast(key, credits[i]!) !== refMint(key, credits[i]!))
        throw new Error(`${name}: reference and codec disagree at ${i}`)
    }
    slice(200, dks, ea, fast) // warm-up
    const [ours, reference] = measure(1.5, dks, ea, fast, refMint)
    report(`sts.${name}.tokens_per_s`, Math.round(ours), 'tokens/s')
    report(`sts.${name}.reference_tokens_per_s`, Math.round(reference), 'tokens/s')
    report(`sts.${name}.vs_reference`, ours / reference, 'x')
  }
  await Promise.resolve()
}
