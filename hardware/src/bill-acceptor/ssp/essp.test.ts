import { describe, expect, it } from 'vitest'
import { seededRandom, toHex } from '../support.ts'
import { STEX } from './codec.ts'
import {
  aesKey,
  decryptPayload,
  DEFAULT_FIXED_KEY,
  encryptPayload,
  generateDhParameters,
  isPrime,
  modPow,
  randomU64,
  readU64le,
  u64le,
  type RandomBytes,
} from './essp.ts'

const seeded = (seed: number): RandomBytes => {
  const r = seededRandom(seed)
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
}

describe('eSSP (kiosk-hardware.md §2.3)', () => {
  it('modPow and the 64-bit little-endian numbers', () => {
    expect(modPow(4n, 13n, 497n)).toBe(445n)
    expect(modPow(2n, 0n, 7n)).toBe(1n)
    expect(toHex(u64le(0x0123456789abcdefn))).toBe('EF CD AB 89 67 45 23 01')
    expect(readU64le(u64le(0xfedcba9876543210n))).toBe(0xfedcba9876543210n)
  })

  it('Diffie-Hellman: host and slave arrive at the same key', () => {
    const { generator, modulus } = generateDhParameters()
    expect(isPrime(generator) && isPrime(modulus) && generator < modulus).toBe(true)
    const host = randomU64(seeded(1), modulus)
    const slave = randomU64(seeded(2), modulus)
    const hostInter = modPow(generator, host, modulus)
    const slaveInter = modPow(generator, slave, modulus)
    expect(modPow(slaveInter, host, modulus)).toBe(modPow(hostInter, slave, modulus))
  })

  it('the AES key is the fixed key then the negotiated key, little-endian', () => {
    const key = aesKey(DEFAULT_FIXED_KEY, 0x1122334455667788n)
    expect(toHex(key)).toBe('67 45 23 01 67 45 23 01 88 77 66 55 44 33 22 11')
  })

  it('encrypts to STEX + 16-byte blocks and decrypts with the count', () => {
    const key = aesKey(DEFAULT_FIXED_KEY, 42n)
    for (const len of [1, 9, 10, 11, 26, 27, 60]) {
      const data = Uint8Array.from({ length: len }, (_, i) => i)
      const enc = encryptPayload(key, 7 + len, data, seeded(len))
      expect(enc[0]).toBe(STEX)
      expect((enc.length - 1) % 16).toBe(0)
      expect(enc.length - 1).toBe(Math.ceil((7 + len) / 16) * 16)
      const dec = decryptPayload(key, enc)
      expect(dec).toEqual({ ok: true, count: 7 + len, data })
    }
  })

  it('a wrong key or a flipped bit fails the inner CRC; clear data is not encrypted', () => {
    const key = aesKey(DEFAULT_FIXED_KEY, 42n)
    const enc = encryptPayload(key, 0, Uint8Array.of(0x56), seeded(3))
    expect(decryptPayload(aesKey(DEFAULT_FIXED_KEY, 43n), enc)).toEqual({
      ok: false,
      reason: 'crc',
    })
    const tampered = Uint8Array.from(enc)
    tampered[5] = (tampered[5] ?? 0) ^ 0x10
    expect(decryptPayload(key, tampered).ok).toBe(false)
    expect(decryptPayload(key, Uint8Array.of(0x07))).toEqual({ ok: false, reason: 'notEncrypted' })
    expect(decryptPayload(key, enc.subarray(0, 9))).toEqual({ ok: false, reason: 'length' })
  })
})
