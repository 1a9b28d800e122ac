export type { DkgaParams } from './dkga.ts'
export {
  checkDkgaParams,
  deriveDecoderKey,
  dkga02,
  dkga04,
  dkga04Data,
  sealedKey,
  vendingKeyBytes,
} from './dkga.ts'
export type {
  Dkga,
  MeterKeyParams,
  MintKeyChangeRequest,
  MintRequest,
  MintTokenRequest,
  SecurityModule,
} from './security-module.ts'
export { SecurityModuleError, SecurityModuleErrorCode } from './security-module.ts'
export { parseMasterKey, SoftwareSecurityModule } from './software-security-module.ts'
export type { EncryptedVendingKey, VendingKeyStore } from './vending-key-store.ts'
export { InMemoryVendingKeyStore } from './vending-key-store.ts'
