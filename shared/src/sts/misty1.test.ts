import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { misty1Decrypt, misty1Encrypt } from './misty1.ts'

const KEY = 0x00112233445566778899aabbccddeeffn

describe('MISTY1 (RFC 2994, sts.md §7)', () => {
  it('matches the RFC test vectors', () => {
    expect(misty1Encrypt(KEY, 0x0123456789abcdefn)).toBe(0x8b1da5f56ab3d07cn)
    expect(misty1Encrypt(KEY, 0xfedcba9876543210n)).toBe(0x04b68240b13be95dn)
  })

  it('decrypts the RFC ciphertexts', () => {
    expect(misty1Decrypt(KEY, 0x8b1da5f56ab3d07cn)).toBe(0x0123456789abcdefn)
    expect(misty1Decrypt(KEY, 0x04b68240b13be95dn)).toBe(0xfedcba9876543210n)
  })

  it('decrypts what it encrypts under random keys', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (key, block) => {
          expect(misty1Decrypt(key, misty1Encrypt(key, block))).toBe(block)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
