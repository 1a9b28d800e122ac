/** The security module's VendingKeyStore port, persisted through the repository (sealed records only). */
import type { Clock } from '@gridtill/shared'
import type { EncryptedVendingKey, VendingKeyStore } from '../security-module/index.ts'
import type { Repository } from './repository.ts'

export class RepositoryVendingKeyStore implements VendingKeyStore {
  constructor(
    private readonly repo: Repository,
    private readonly clock: Clock,
  ) {}

  get(keyId: string): Promise<EncryptedVendingKey | undefined> {
    return this.repo.getVendingKey(keyId)
  }

  put(record: EncryptedVendingKey): Promise<void> {
    return this.repo.putVendingKey(record, this.clock.now())
  }

  delete(keyId: string): Promise<void> {
    return this.repo.deleteVendingKey(keyId)
  }

  list(): Promise<string[]> {
    return this.repo.listVendingKeys()
  }
}
