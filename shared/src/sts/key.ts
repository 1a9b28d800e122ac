import { StsError, StsErrorCode } from './errors.ts'
import type { Misty1Schedule } from './misty1.ts'
import { misty1DecryptHalves, misty1EncryptHalves, misty1Schedule } from './misty1.ts'
import type { StaKey } from './sta.ts'
import { staDecryptHalves, staEncryptHalves, staKey } from './sta.ts'

/** '07' = STA (sts.md §6), '11' = MISTY1 (§7). */
export type EncryptionAlgorithm = '07' | '11'

/** A decoder key: 64 bits for STA, 128 for MISTY1, as a big-endian integer. */
export interface StsKey {
  ea: EncryptionAlgorithm
  dk: bigint
}

export function isEncryptionAlgorithm(x: unknown): x is EncryptionAlgorithm {
  return x === '07' || x === '11'
}

/** Key length in bits for an algorithm. */
export function keyBits(ea: EncryptionAlgorithm): 64 | 128 {
  return ea === '07' ? 64 : 128
}

/** Throws ERR_STS_INPUT unless `dk` fits `ea`. */
export function checkKey(key: StsKey): void {
  if (typeof key !== 'object' || key === null || !isEncryptionAlgorithm(key.ea)) {
    throw new StsError(StsErrorCode.INPUT, "key.ea must be '07' (STA) or '11' (MISTY1)")
  }
  checkKeyValue(key.dk, key.ea, 'key.dk')
}

export function checkKeyValue(dk: unknown, ea: EncryptionAlgorithm, what: string): bigint {
  const bits = keyBits(ea)
  if (typeof dk !== 'bigint' || dk < 0n || dk >> BigInt(bits) !== 0n) {
    throw new StsError(StsErrorCode.INPUT, `${what} must be a ${bits}-bit key`)
  }
  return dk
}

/** Hex (either case, leading zeros optional) to a key value of `bits` bits. */
export function parseKeyHex(hex: unknown, bits: 64 | 128 | 160, what: string): bigint {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new StsError(StsErrorCode.INPUT, `${what} must be a hex string`)
  }
  const value = BigInt(`0x${hex}`)
  if (value >> BigInt(bits) !== 0n)
    throw new StsError(StsErrorCode.INPUT, `${what} must be at most ${bits} bits`)
  return value
}

/** A key value as big-endian hex, zero-padded to the key length. */
export function formatKeyHex(value: bigint, bits: 64 | 128 | 160): string {
  return value.toString(16).padStart(bits / 4, '0')
}

/** A key ready for the block cipher: its schedule, computed once per key value. */
export interface PreparedKey {
  readonly ea: EncryptionAlgorithm
  readonly dk: bigint
  readonly sta: StaKey | null
  readonly misty1: Misty1Schedule | null
}

function prepare(key: StsKey): PreparedKey {
  checkKey(key)
  const { ea, dk } = key
  if (ea === '07')
    return { ea, dk, sta: staKey(Number(dk >> 32n), Number(dk & 0xffff_ffffn)), misty1: null }
  const w = (n: bigint): number => Number((dk >> n) & 0xffff_ffffn)
  return { ea, dk, sta: null, misty1: misty1Schedule(w(96n), w(64n), w(32n), w(0n)) }
}

/** Encrypts the plain block (hi, lo) into out[0], out[1]. */
export function encryptBlock(key: PreparedKey, hi: number, lo: number, out: Uint32Array): void {
  if (key.sta !== null) staEncryptHalves(key.sta, hi, lo, out)
  else misty1EncryptHalves(key.misty1 as Misty1Schedule, hi, lo, out)
}

export function decryptBlock(key: PreparedKey, hi: number, lo: number, out: Uint32Array): void {
  if (key.sta !== null) staDecryptHalves(key.sta, hi, lo, out)
  else misty1DecryptHalves(key.misty1 as Misty1Schedule, hi, lo, out)
}

// One key remembered by value: a meter, a vend loop or a CLI batch for one meter reuses its
// schedule. Deliberately not a WeakMap or a larger cache: minting for many meters would fill it
// with decoder keys, and a WeakMap of short-lived key objects costs more than a schedule.
let last: PreparedKey | undefined

export function prepareKey(key: StsKey): PreparedKey {
  if (last !== undefined && last.dk === key.dk && last.ea === key.ea) return last
  last = prepare(key)
  return last
}
