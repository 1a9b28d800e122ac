import type { BaseDate, EncryptionAlgorithm, StsKey, StsToken } from '@gridtill/shared'

/** Decoder key generation algorithm (sts.md §8): 02 = DES-based, 64-bit STA keys; 04 = HMAC-SHA-256. */
export type Dkga = '02' | '04'

/** What identifies one meter's decoder key, as stored with the meter. */
export interface MeterKeyParams {
  /** 18 digits: 6-digit IIN, 11-digit DRN, check digit. */
  pan: string
  /** Supply group code, 6 digits. */
  sgc: string
  /** Tariff index, 2 digits. */
  ti: string
  /** Key revision number, 1–9. */
  krn: number
  /** Key type, 0–3. */
  kt: number
  ea: EncryptionAlgorithm
  dkga: Dkga
  baseDate: BaseDate
  /** Key expiry number, 0–255: tokens whose TID's top 8 bits exceed it are refused. */
  ken: number
}

/** One token (class 0, 1 or 2) under the meter's current decoder key. */
export interface MintTokenRequest {
  kind: 'token'
  vendingKeyId: string
  token: StsToken
}

/**
 * A decoder key change: the meter moves from its current key (its params, `vendingKeyId`) to the
 * key of `to` (derived with `toVendingKeyId`, by default the same vending key). `rollover` clears
 * the meter's TID memory; use it when `to.baseDate` is later than the current one (sts.md §3).
 */
export interface MintKeyChangeRequest {
  kind: 'keyChange'
  vendingKeyId: string
  to: MeterKeyParams
  toVendingKeyId?: string
  rollover: boolean
}

export type MintRequest = MintTokenRequest | MintKeyChangeRequest

/**
 * Everything that touches vending keys goes through this interface (sts.md §11), so the default
 * software module and an HSM client are interchangeable. Implementations never log key material
 * and never put it into an error message.
 */
export interface SecurityModule {
  /**
   * The meter's decoder key. For simulators, tests and pilots; an HSM may refuse to export it.
   * The returned key's `dk` is not enumerable, so JSON and log serialisers leave it out.
   */
  deriveDecoderKey(meter: MeterKeyParams, vendingKeyId: string): Promise<StsKey>
  /** The 20-digit tokens for a request: one token, or the key change sections in order. */
  mintTokens(meter: MeterKeyParams, request: MintRequest): Promise<string[]>
}

/** Codes of the security module's own failures (codec input problems stay StsError). */
export const SecurityModuleErrorCode = {
  KEY_UNKNOWN: 'ERR_SECURITY_KEY_UNKNOWN',
  KEY_UNREADABLE: 'ERR_SECURITY_KEY_UNREADABLE',
  KEY_INVALID: 'ERR_SECURITY_KEY_INVALID',
  MASTER_KEY_INVALID: 'ERR_SECURITY_MASTER_KEY_INVALID',
} as const
export type SecurityModuleErrorCode =
  (typeof SecurityModuleErrorCode)[keyof typeof SecurityModuleErrorCode]

/** Messages name the key id and the rule only: never key bytes. */
export class SecurityModuleError extends Error {
  override readonly name = 'SecurityModuleError'
  readonly code: SecurityModuleErrorCode

  constructor(code: SecurityModuleErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
