/**
 * Vending keys at rest: AES-256-GCM under the master key, one record per key. The record holds
 * only ciphertext, so another engineer can persist it in SQLite or PostgreSQL as four text
 * columns (keyId primary key; iv, ciphertext, tag base64).
 */
export interface EncryptedVendingKey {
  keyId: string
  /** 12-byte GCM nonce, base64. */
  iv: string
  /** The vending key encrypted, base64. */
  ciphertext: string
  /** 16-byte GCM authentication tag, base64. */
  tag: string
}

export interface VendingKeyStore {
  get(keyId: string): Promise<EncryptedVendingKey | undefined>
  /** Inserts or replaces the record with the same keyId. */
  put(record: EncryptedVendingKey): Promise<void>
  delete(keyId: string): Promise<void>
  list(): Promise<string[]>
}

/** For tests, simulators and the demo; production persists the same records in the database. */
export class InMemoryVendingKeyStore implements VendingKeyStore {
  readonly #records = new Map<string, EncryptedVendingKey>()

  get(keyId: string): Promise<EncryptedVendingKey | undefined> {
    const r = this.#records.get(keyId)
    return Promise.resolve(r === undefined ? undefined : { ...r })
  }

  put(record: EncryptedVendingKey): Promise<void> {
    this.#records.set(record.keyId, { ...record })
    return Promise.resolve()
  }

  delete(keyId: string): Promise<void> {
    this.#records.delete(keyId)
    return Promise.resolve()
  }

  list(): Promise<string[]> {
    return Promise.resolve([...this.#records.keys()].sort())
  }
}
