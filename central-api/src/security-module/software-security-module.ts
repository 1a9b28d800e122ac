import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import type { StsKey } from '@gridtill/shared'
import {
  assertTidWithinKen,
  encodeKeyChange,
  encodeToken,
  StsError,
  StsErrorCode,
} from '@gridtill/shared'
import { checkDkgaParams, deriveDecoderKey, vendingKeyBytes } from './dkga.ts'
import type { MeterKeyParams, MintRequest, SecurityModule } from './security-module.ts'
import { SecurityModuleError, SecurityModuleErrorCode } from './security-module.ts'
import type { EncryptedVendingKey, VendingKeyStore } from './vending-key-store.ts'

const MASTER_KEY_BYTES = 32
const IV_BYTES = 12

/** Binds a record to its id: a ciphertext copied under another keyId fails authentication. */
function aad(keyId: string): Buffer {
  return Buffer.from(`gridtill/vending-key/v1/${keyId}`, 'utf8')
}

/**
 * The master key as configured: 64 hex digits or base64 of 32 bytes. The error never repeats the
 * value it was given.
 */
export function parseMasterKey(text: string): Uint8Array {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return new Uint8Array(Buffer.from(t, 'hex'))
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) return new Uint8Array(Buffer.from(t, 'base64'))
  throw new SecurityModuleError(
    SecurityModuleErrorCode.MASTER_KEY_INVALID,
    'master key must be 32 bytes, written as 64 hex digits or base64',
  )
}

/** Meters whose decoder keys are kept derived (about 100 bytes each). */
const DECODER_KEY_CACHE_SIZE = 20_000

/**
 * The default security module: vending keys live encrypted in a VendingKeyStore and are opened
 * with the master key only for the moment a decoder key is derived, then wiped. Holds no key in
 * a public or enumerable field, and prints as a redacted placeholder.
 *
 * Derived decoder keys are kept in a private map, so a meter's second token costs no AES-GCM
 * opening and no DKGA derivation (together a tenth of a vend's CPU). That exposes nothing the
 * module does not already hold: the master key in the same process opens every vending key. Each
 * entry is tied to the sealed record it came from (IV, tag and ciphertext), so a re-imported vending key
 * is derived afresh; an unknown or unreadable key is never cached.
 */
export class SoftwareSecurityModule implements SecurityModule {
  readonly #masterKey: Buffer
  readonly #store: VendingKeyStore
  readonly #decoderKeys = new Map<string, { sealed: string; key: StsKey }>()

  constructor(masterKey: Uint8Array, store: VendingKeyStore) {
    if (!(masterKey instanceof Uint8Array) || masterKey.length !== MASTER_KEY_BYTES) {
      throw new SecurityModuleError(
        SecurityModuleErrorCode.MASTER_KEY_INVALID,
        'master key must be 32 bytes (AES-256)',
      )
    }
    this.#masterKey = Buffer.from(masterKey)
    this.#store = store
  }

  /** Encrypts a vending key under the master key and stores it (replacing any with that id). */
  async importVendingKey(keyId: string, vendingKey: Uint8Array): Promise<void> {
    if (typeof keyId !== 'string' || keyId.length === 0) {
      throw new SecurityModuleError(
        SecurityModuleErrorCode.KEY_INVALID,
        'vending key id must be a non-empty string',
      )
    }
    if (vendingKey.length !== 8 && vendingKey.length !== 20) {
      throw new SecurityModuleError(
        SecurityModuleErrorCode.KEY_INVALID,
        `vending key ${keyId} must be 64 bits (DKGA02) or 160 bits (DKGA04)`,
      )
    }
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, iv).setAAD(aad(keyId))
    const ciphertext = Buffer.concat([cipher.update(vendingKey), cipher.final()])
    await this.#store.put({
      keyId,
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    })
  }

  async deriveDecoderKey(meter: MeterKeyParams, vendingKeyId: string): Promise<StsKey> {
    checkDkgaParams(meter)
    const record = await this.#sealedRecord(vendingKeyId)
    const sealed = `${record.iv}.${record.tag}.${record.ciphertext}`
    const cacheKey = decoderKeyCacheKey(meter, vendingKeyId)
    const hit = this.#decoderKeys.get(cacheKey)
    if (hit !== undefined && hit.sealed === sealed) return hit.key
    const vk = this.#openVendingKey(vendingKeyId, record)
    try {
      if (vk.length !== vendingKeyBytes(meter.dkga)) {
        throw new SecurityModuleError(
          SecurityModuleErrorCode.KEY_INVALID,
          `vending key ${vendingKeyId} does not fit DKGA${meter.dkga}`,
        )
      }
      // Frozen: the same object answers every later derivation for this meter.
      const key = Object.freeze(deriveDecoderKey(meter.dkga, vk, meter))
      if (this.#decoderKeys.size >= DECODER_KEY_CACHE_SIZE) this.#decoderKeys.clear()
      this.#decoderKeys.set(cacheKey, { sealed, key })
      return key
    } finally {
      vk.fill(0)
    }
  }

  async mintTokens(meter: MeterKeyParams, request: MintRequest): Promise<string[]> {
    checkKen(meter.ken)
    const current = await this.deriveDecoderKey(meter, request.vendingKeyId)
    switch (request.kind) {
      case 'token': {
        const { token } = request
        if (token.class !== 1) assertTidWithinKen(token.tid, meter.ken)
        return [encodeToken(current, token)]
      }
      case 'keyChange': {
        const { to, rollover } = request
        checkKen(to.ken)
        if (to.ea !== meter.ea) {
          throw new StsError(
            StsErrorCode.INPUT,
            'a key change keeps the encryption algorithm of the current key',
          )
        }
        const next = await this.deriveDecoderKey(to, request.toVendingKeyId ?? request.vendingKeyId)
        return encodeKeyChange(current, {
          dk: next.dk,
          kt: to.kt,
          krn: to.krn,
          ti: to.ti,
          sgc: to.sgc,
          ken: to.ken,
          rollover,
        })
      }
    }
  }

  /** Nothing of the module's state belongs in JSON or in a log line. */
  toJSON(): { securityModule: 'software' } {
    return { securityModule: 'software' }
  }

  [inspect.custom](): string {
    return 'SoftwareSecurityModule { [redacted] }'
  }

  async #sealedRecord(keyId: string): Promise<EncryptedVendingKey> {
    const record: EncryptedVendingKey | undefined = await this.#store.get(keyId)
    if (record === undefined) {
      throw new SecurityModuleError(
        SecurityModuleErrorCode.KEY_UNKNOWN,
        `no vending key with id ${keyId}`,
      )
    }
    return record
  }

  #openVendingKey(keyId: string, record: EncryptedVendingKey): Buffer {
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.#masterKey,
        Buffer.from(record.iv, 'base64'),
        {
          authTagLength: 16,
        },
      )
      decipher.setAAD(aad(keyId)).setAuthTag(Buffer.from(record.tag, 'base64'))
      return Buffer.concat([
        decipher.update(Buffer.from(record.ciphertext, 'base64')),
        decipher.final(),
      ])
    } catch {
      // OpenSSL's message is generic, but keep ours fixed so nothing of the record leaks.
      throw new SecurityModuleError(
        SecurityModuleErrorCode.KEY_UNREADABLE,
        `vending key ${keyId} cannot be opened: wrong master key or a damaged record`,
      )
    }
  }
}

/** Every input of the derivation (DKGA02 and 04 read different ones; all are named). */
function decoderKeyCacheKey(m: MeterKeyParams, vendingKeyId: string): string {
  return [vendingKeyId, m.dkga, m.pan, m.sgc, m.ti, m.krn, m.kt, m.ea, m.baseDate, m.ken].join('|')
}

function checkKen(ken: number): void {
  if (!Number.isInteger(ken) || ken < 0 || ken > 255) {
    throw new StsError(StsErrorCode.INPUT, 'ken must be an integer from 0 to 255')
  }
}
