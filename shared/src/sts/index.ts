/**
 * The STS token engine (IEC 62055-41, ../shared/specs/sts.md): layouts, STA and MISTY1, the
 * amount encoding, TIDs, CRC and transposition. Pure: no Node or DOM APIs, no clock, no I/O.
 * Decoder-key derivation needs DES and HMAC, so it lives behind central-api's security module.
 */
export { AMOUNT_MAX, decodeAmount, encodeAmount } from './amount.ts'
export { crc16Modbus, tokenCrc } from './crc.ts'
export { StsError, StsErrorCode } from './errors.ts'
export type { EncryptionAlgorithm, PreparedKey, StsKey } from './key.ts'
export {
  checkKey,
  formatKeyHex,
  isEncryptionAlgorithm,
  keyBits,
  parseKeyHex,
  prepareKey,
} from './key.ts'
export { formatToken, normalizeToken } from './layout.ts'
export { misty1Decrypt, misty1Encrypt } from './misty1.ts'
export { staDecrypt, staEncrypt } from './sta.ts'
export type { BaseDate } from './tid.ts'
export {
  assertTidWithinKen,
  BASE_DATES,
  baseDateMs,
  isBaseDate,
  isTidWithinKen,
  TID_MAX,
  tidFromTime,
  timeFromTid,
} from './tid.ts'
export type {
  CreditToken,
  DecodedToken,
  KeyChange,
  KeyChangeSection,
  KeyChangeSection1,
  KeyChangeSection2,
  KeyChangeSection3,
  KeyChangeSection4,
  ManagementToken,
  StsToken,
  TestToken,
} from './tokens.ts'
export {
  assembleKeyChange,
  decodeToken,
  encodeKeyChange,
  encodeToken,
  isKeyChangeSection,
  keyChangeSubclasses,
} from './tokens.ts'
