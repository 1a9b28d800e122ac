import { createCipheriv, createHmac } from 'node:crypto'
import type { BaseDate, EncryptionAlgorithm, StsKey } from '@gridtill/shared'
import { isBaseDate, isEncryptionAlgorithm, StsError, StsErrorCode } from '@gridtill/shared'
import type { Dkga, MeterKeyParams } from './security-module.ts'

/** The inputs of decoder-key generation (sts.md §8). */
export type DkgaParams = Pick<
  MeterKeyParams,
  'pan' | 'sgc' | 'ti' | 'krn' | 'kt' | 'ea' | 'baseDate'
>

function bad(message: string): StsError {
  return new StsError(StsErrorCode.INPUT, message)
}

export function checkDkgaParams(p: DkgaParams): void {
  if (typeof p.pan !== 'string' || !/^\d{18}$/.test(p.pan)) throw bad('pan must be 18 digits')
  if (typeof p.sgc !== 'string' || !/^\d{6}$/.test(p.sgc)) throw bad('sgc must be 6 digits')
  if (typeof p.ti !== 'string' || !/^\d{2}$/.test(p.ti)) throw bad('ti must be 2 digits')
  if (!Number.isInteger(p.krn) || p.krn < 1 || p.krn > 9)
    throw bad('krn must be an integer from 1 to 9')
  if (!Number.isInteger(p.kt) || p.kt < 0 || p.kt > 3)
    throw bad('kt must be an integer from 0 to 3')
  if (!isEncryptionAlgorithm(p.ea)) throw bad("ea must be '07' (STA) or '11' (MISTY1)")
  if (!isBaseDate(p.baseDate)) throw bad('base date must be 1993, 2014 or 2035')
}

/** Required vending-key length in bytes: 64 bits for DKGA02, 160 for DKGA04. */
export function vendingKeyBytes(dkga: Dkga): 8 | 20 {
  return dkga === '02' ? 8 : 20
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** Digits read as hex nibbles, two per byte (DKGA02's PANBlock and CTRL). */
function nibbles(digits: string): Buffer {
  return Buffer.from(digits, 'hex')
}

/**
 * DKGA02: X = PANBlock ⊕ CTRL; DK = DES_VK(X) ⊕ X ⊕ VK. Node's OpenSSL has no `des-ecb`;
 * `des-ede-ecb` with VK‖VK is single DES (E_K ∘ D_K ∘ E_K = E_K).
 */
export function dkga02(vk: Uint8Array, p: DkgaParams): bigint {
  checkDkgaParams(p)
  if (p.ea !== '07') throw bad('DKGA02 makes 64-bit STA keys only (ea 07)')
  if (vk.length !== 8) throw bad('DKGA02 needs a 64-bit vending key')
  // Last 5 digits of the IIN ‖ the 11-digit DRN; for KT=3 (common keys) the DRN is zeros.
  const panBlock = p.pan.slice(1, 6) + (p.kt === 3 ? '0'.repeat(11) : p.pan.slice(6, 17))
  const x = nibbles(panBlock)
  const ctrl = nibbles(`${p.kt}${p.sgc}${p.ti}${p.krn}FFFFFF`)
  for (let i = 0; i < 8; i++) x[i] = (x[i] as number) ^ (ctrl[i] as number)
  const desKey = Buffer.concat([vk, vk])
  const cipher = createCipheriv('des-ede-ecb', desKey, null).setAutoPadding(false)
  const e = Buffer.concat([cipher.update(x), cipher.final()])
  for (let i = 0; i < 8; i++) e[i] = (e[i] as number) ^ (x[i] as number) ^ (vk[i] as number)
  const dk = toBigInt(e)
  for (const b of [desKey, x, e]) b.fill(0)
  return dk
}

const BASE_DATE_DIGITS: Record<BaseDate, string> = { 1993: '93', 2014: '14', 2035: '35' }

/** The message DKGA04 authenticates (sts.md §8), byte for byte. */
export function dkga04Data(p: DkgaParams): Buffer {
  const ascii = (s: string): Buffer => Buffer.from(s, 'latin1')
  const bytes = (...b: number[]): Buffer => Buffer.from(b)
  const outBits = p.ea === '07' ? 0x40 : 0x80
  // prettier-ignore
  return Buffer.concat([
    bytes(0x04, 0x02), ascii('04'),
    bytes(0x02), ascii(BASE_DATE_DIGITS[p.baseDate]),
    bytes(0x02), ascii(p.ea),
    bytes(0x02), ascii(p.ti),
    bytes(0x00, 0x04, 0x06), ascii(p.sgc),
    bytes(0x01), ascii(p.kt.toString(16).toUpperCase()),
    bytes(0x01), ascii(p.krn.toString(16).toUpperCase()),
    bytes(0x12), ascii(p.pan),
    bytes(0x00, 0x00, 0x00, outBits),
  ])
}

/** DKGA04: DK = the first 8 (STA) or 16 (MISTY1) bytes of HMAC-SHA-256(VK, data). */
export function dkga04(vk: Uint8Array, p: DkgaParams): bigint {
  checkDkgaParams(p)
  if (vk.length !== 20) throw bad('DKGA04 needs a 160-bit vending key')
  const mac = createHmac('sha256', vk).update(dkga04Data(p)).digest()
  const dk = toBigInt(mac.subarray(0, p.ea === '07' ? 8 : 16))
  mac.fill(0)
  return dk
}

/**
 * The decoder key for `p` under vending key `vk`. `dk` is defined non-enumerable so that
 * JSON.stringify, pino and util.inspect leave it out of anything they print.
 */
export function deriveDecoderKey(dkga: Dkga, vk: Uint8Array, p: DkgaParams): StsKey {
  if (dkga !== '02' && dkga !== '04') throw bad("dkga must be '02' or '04'")
  const dk = dkga === '02' ? dkga02(vk, p) : dkga04(vk, p)
  return sealedKey(p.ea, dk)
}

/** An StsKey whose `dk` does not show up when the object is serialised or inspected. */
export function sealedKey(ea: EncryptionAlgorithm, dk: bigint): StsKey {
  const key = { ea } as StsKey
  Object.defineProperty(key, 'dk', { value: dk, enumerable: false, writable: false })
  return key
}
