import {
  checkPrimeSync,
  createCipheriv,
  createDecipheriv,
  generatePrimeSync,
  randomBytes,
} from 'node:crypto'
import { crc16Ssp, STEX } from './codec.ts'

/**
 * eSSP (kiosk-hardware.md §2.3 "eSSP encryption"; ITL GA138):
 *  1. Diffie-Hellman over SET GENERATOR (0x4A), SET MODULUS (0x4B), REQUEST KEY EXCHANGE (0x4C),
 *     every number a 64-bit little-endian integer.
 *  2. AES-128 key = 64-bit fixed key ‖ 64-bit negotiated key (both little-endian, as ITL's SDK lays
 *     them out).
 *  3. DATA = STEX | AES-128-ECB( eLEN | eCOUNT (4, LE) | DATA | random packing to 16 | CRC16 (LE) ).
 *  4. eCOUNT increases with every exchange; a packet with the wrong count is ignored (replay guard).
 * Pure apart from the randomness, which callers may inject.
 */

export type RandomBytes = (n: number) => Uint8Array

export const defaultRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n))

/** ITL's default fixed key (changed on a unit with SET FIXED ENCRYPTION KEY 0x60). */
export const DEFAULT_FIXED_KEY = '0123456701234567'

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 1n) return 0n
  let result = 1n
  let b = base % mod
  let e = exp
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod
    b = (b * b) % mod
    e >>= 1n
  }
  return result
}

export function u64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  for (let i = 0; i < 8; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

export function readU64le(b: Uint8Array, at = 0): bigint {
  let n = 0n
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(b[at + i] ?? 0)
  return n
}

export function randomU64(random: RandomBytes, below: bigint): bigint {
  // a secret in [2, below - 2]
  const n = readU64le(random(8))
  return 2n + (n % (below - 4n))
}

/** The 16-byte AES key: fixed key (hex string of the 64-bit number) then the negotiated key, both LE. */
export function aesKey(fixedKeyHex: string, negotiated: bigint): Uint8Array {
  const key = new Uint8Array(16)
  key.set(u64le(BigInt(`0x${fixedKeyHex}`)), 0)
  key.set(u64le(negotiated), 8)
  return key
}

/** Wrap `data` for the wire: STEX + AES-128-ECB(eLEN | eCOUNT | DATA | packing | CRC). */
export function encryptPayload(
  key: Uint8Array,
  count: number,
  data: Uint8Array,
  random: RandomBytes = defaultRandom,
): Uint8Array {
  if (data.length > 0xff) throw new RangeError('eSSP payload too long')
  const bare = 1 + 4 + data.length + 2
  const total = Math.ceil(bare / 16) * 16
  const plain = new Uint8Array(total)
  plain[0] = data.length
  plain[1] = count & 0xff
  plain[2] = (count >>> 8) & 0xff
  plain[3] = (count >>> 16) & 0xff
  plain[4] = (count >>> 24) & 0xff
  plain.set(data, 5)
  plain.set(random(total - bare), 5 + data.length)
  const crc = crc16Ssp(plain, 0, total - 2)
  plain[total - 2] = crc & 0xff
  plain[total - 1] = crc >>> 8
  const cipher = createCipheriv('aes-128-ecb', key, null)
  cipher.setAutoPadding(false)
  const enc = new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]))
  const out = new Uint8Array(1 + enc.length)
  out[0] = STEX
  out.set(enc, 1)
  return out
}

export type Decrypted =
  | { ok: true; count: number; data: Uint8Array }
  | { ok: false; reason: 'notEncrypted' | 'length' | 'crc' }

export function decryptPayload(key: Uint8Array, payload: Uint8Array): Decrypted {
  if (payload[0] !== STEX) return { ok: false, reason: 'notEncrypted' }
  const body = payload.subarray(1)
  if (body.length === 0 || body.length % 16 !== 0) return { ok: false, reason: 'length' }
  const decipher = createDecipheriv('aes-128-ecb', key, null)
  decipher.setAutoPadding(false)
  const plain = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
  const crc = crc16Ssp(plain, 0, plain.length - 2)
  const got = (plain[plain.length - 2] ?? 0) | ((plain[plain.length - 1] ?? 0) << 8)
  if (crc !== got) return { ok: false, reason: 'crc' }
  const len = plain[0] ?? 0
  if (5 + len > plain.length - 2) return { ok: false, reason: 'length' }
  const count =
    ((plain[1] ?? 0) |
      ((plain[2] ?? 0) << 8) |
      ((plain[3] ?? 0) << 16) |
      ((plain[4] ?? 0) << 24)) >>>
    0
  return { ok: true, count, data: plain.slice(5, 5 + len) }
}

/** Fresh DH parameters for one session: a prime modulus and a smaller prime generator. */
export function generateDhParameters(): { generator: bigint; modulus: bigint } {
  const modulus = generatePrimeSync(63, { bigint: true })
  let generator = generatePrimeSync(31, { bigint: true })
  while (generator >= modulus) generator = generatePrimeSync(31, { bigint: true })
  return { generator, modulus }
}

export function isPrime(n: bigint): boolean {
  return n > 1n && checkPrimeSync(n)
}
