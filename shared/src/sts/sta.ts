/**
 * STA, the Standard Transfer Algorithm (encryption algorithm 07), sts.md §6.
 *
 * A round substitutes each nibble through S1 or S2 (chosen by bit 4n+3 of the round key), then
 * moves bit i to bit P[i]. For speed the block is two 32-bit halves and substitution plus
 * permutation is one lookup per byte: key-independent tables hold, for each byte position and
 * each of the 4 S-box choices of its two nibbles, the permuted 64-bit image of every byte value.
 */
const S1 = [14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11] as const
const S2 = [12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14] as const
// prettier-ignore
const P = [55,42,10,18,24,21,44,35,2,22,56,43,27,58,9,50,6,36,12,61,37,38,53,16,62,3,7,4,32,20,63,25,
  51,52,54,33,49,19,46,29,48,31,23,30,41,28,13,5,40,60,39,11,15,17,1,0,57,34,59,8,47,14,45,26] as const

function invert(table: readonly number[]): number[] {
  const inv: number[] = []
  table.forEach((v, i) => (inv[v] = i))
  return inv
}
const INV_S1 = invert(S1)
const INV_S2 = invert(S2)
const INV_P = invert(P)

/** Byte `x` with its low nibble through (v & 1 ? S2 : S1) and its high nibble through (v & 2 ? S2 : S1). */
function substituteByte(
  x: number,
  v: number,
  s1: readonly number[],
  s2: readonly number[],
): number {
  const lo = ((v & 1 ? s2 : s1)[x & 15] as number) & 15
  const hi = ((v & 2 ? s2 : s1)[x >>> 4] as number) & 15
  return (hi << 4) | lo
}

/** Where the 8 bits of byte position `b` land under `perm`, as [hi, lo] masks per byte value. */
function permuteByte(x: number, b: number, perm: readonly number[]): [number, number] {
  let hi = 0
  let lo = 0
  for (let j = 0; j < 8; j++) {
    if (!((x >>> j) & 1)) continue
    const to = perm[8 * b + j] as number
    if (to >= 32) hi |= 1 << (to - 32)
    else lo |= 1 << to
  }
  return [hi >>> 0, lo >>> 0]
}

// ENC_*[((b·4 + v)·256) + x] = P(S_v(x) << 8b), split into halves.
const ENC_HI = new Uint32Array(8 * 4 * 256)
const ENC_LO = new Uint32Array(8 * 4 * 256)
// INVP_*[(b·256) + x] = P⁻¹(x << 8b); INV_SUB[(v·256) + x] = S_v⁻¹(x).
const INVP_HI = new Uint32Array(8 * 256)
const INVP_LO = new Uint32Array(8 * 256)
const INV_SUB = new Uint8Array(4 * 256)
for (let b = 0; b < 8; b++) {
  for (let x = 0; x < 256; x++) {
    for (let v = 0; v < 4; v++) {
      const [hi, lo] = permuteByte(substituteByte(x, v, S1, S2), b, P)
      ENC_HI[(b * 4 + v) * 256 + x] = hi
      ENC_LO[(b * 4 + v) * 256 + x] = lo
    }
    const [hi, lo] = permuteByte(x, b, INV_P)
    INVP_HI[b * 256 + x] = hi
    INVP_LO[b * 256 + x] = lo
  }
}
for (let v = 0; v < 4; v++) {
  for (let x = 0; x < 256; x++) INV_SUB[v * 256 + x] = substituteByte(x, v, INV_S1, INV_S2)
}

/**
 * A key's round-key state: k = rotr64(~K, 12) as two halves. Round r uses rotl64(k, r), and
 * nibble n takes S2 when its bit 4n+3 is set: the choices are read straight from the rotating
 * halves, so preparing a key allocates nothing (minting for many meters changes key every token).
 */
export interface StaKey {
  readonly hi: number
  readonly lo: number
}

export function staKey(keyHi: number, keyLo: number): StaKey {
  const notHi = ~keyHi >>> 0
  const notLo = ~keyLo >>> 0
  return { hi: ((notHi >>> 12) | (notLo << 20)) >>> 0, lo: ((notLo >>> 12) | (notHi << 20)) >>> 0 }
}

// SEL[keyByte] = the table offset of byte position 0 for that key byte's two choice bits
// (bit 3 → low nibble, bit 7 → high nibble); position b adds b·4·256.
const SEL = new Uint16Array(256)
for (let k = 0; k < 256; k++) SEL[k] = (((k >>> 3) & 1) | ((k >>> 6) & 2)) << 8

/** Encrypts the block (hi, lo) and writes the result to out[0] (hi), out[1] (lo). */
export function staEncryptHalves(key: StaKey, hi: number, lo: number, out: Uint32Array): void {
  let kh = key.hi
  let kl = key.lo
  for (let r = 0; r < 16; r++) {
    let i = (SEL[kl & 0xff] as number) | (lo & 0xff)
    let nh = ENC_HI[i] as number
    let nl = ENC_LO[i] as number
    i = ((SEL[(kl >>> 8) & 0xff] as number) + 0x400) | ((lo >>> 8) & 0xff)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[(kl >>> 16) & 0xff] as number) + 0x800) | ((lo >>> 16) & 0xff)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[kl >>> 24] as number) + 0xc00) | (lo >>> 24)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[kh & 0xff] as number) + 0x1000) | (hi & 0xff)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[(kh >>> 8) & 0xff] as number) + 0x1400) | ((hi >>> 8) & 0xff)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[(kh >>> 16) & 0xff] as number) + 0x1800) | ((hi >>> 16) & 0xff)
    nh |= ENC_HI[i] as number
    nl |= ENC_LO[i] as number
    i = ((SEL[kh >>> 24] as number) + 0x1c00) | (hi >>> 24)
    hi = nh | (ENC_HI[i] as number)
    lo = nl | (ENC_LO[i] as number)
    const nextKh = (kh << 1) | (kl >>> 31)
    kl = (kl << 1) | (kh >>> 31)
    kh = nextKh
  }
  out[0] = hi
  out[1] = lo
}

/** Decrypts: the rounds backwards (round r uses rotl64(k, r)), P⁻¹ then S⁻¹. */
export function staDecryptHalves(key: StaKey, hi: number, lo: number, out: Uint32Array): void {
  // rotl64(k, 15), then rotate right by one per round.
  let kh = ((key.hi << 15) | (key.lo >>> 17)) >>> 0
  let kl = ((key.lo << 15) | (key.hi >>> 17)) >>> 0
  for (let r = 15; r >= 0; r--) {
    let ph = 0
    let pl = 0
    for (let b = 0; b < 4; b++) {
      const x = (b << 8) | ((lo >>> (8 * b)) & 0xff)
      const y = ((b + 4) << 8) | ((hi >>> (8 * b)) & 0xff)
      ph |= (INVP_HI[x] as number) | (INVP_HI[y] as number)
      pl |= (INVP_LO[x] as number) | (INVP_LO[y] as number)
    }
    let nh = 0
    let nl = 0
    for (let b = 0; b < 4; b++) {
      const s = 8 * b
      nl |= (INV_SUB[(SEL[(kl >>> s) & 0xff] as number) | ((pl >>> s) & 0xff)] as number) << s
      nh |= (INV_SUB[(SEL[(kh >>> s) & 0xff] as number) | ((ph >>> s) & 0xff)] as number) << s
    }
    hi = nh >>> 0
    lo = nl >>> 0
    const nextKl = ((kl >>> 1) | (kh << 31)) >>> 0
    kh = ((kh >>> 1) | (kl << 31)) >>> 0
    kl = nextKl
  }
  out[0] = hi
  out[1] = lo
}

const MASK32 = 0xffff_ffffn

/** Convenience over bigint (tests, tools): one 64-bit block with a 64-bit key. */
export function staEncrypt(key: bigint, block: bigint): bigint {
  const out = new Uint32Array(2)
  staEncryptHalves(
    staKey(Number(key >> 32n), Number(key & MASK32)),
    Number(block >> 32n),
    Number(block & MASK32),
    out,
  )
  return (BigInt(out[0] as number) << 32n) | BigInt(out[1] as number)
}

export function staDecrypt(key: bigint, block: bigint): bigint {
  const out = new Uint32Array(2)
  staDecryptHalves(
    staKey(Number(key >> 32n), Number(key & MASK32)),
    Number(block >> 32n),
    Number(block & MASK32),
    out,
  )
  return (BigInt(out[0] as number) << 32n) | BigInt(out[1] as number)
}
