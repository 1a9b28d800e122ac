import { ErrorCode } from '../errors.ts'

/**
 * Codes the tariff engine answers with. The two ERR_TARIFF_* codes are new: ErrorCode in
 * shared/src/errors.ts should list them too (the engine does not edit that file).
 */
export const TariffErrorCode = {
  VEND_AMOUNT_BELOW_MINIMUM: ErrorCode.VEND_AMOUNT_BELOW_MINIMUM,
  VEND_AMOUNT_ABOVE_MAXIMUM: ErrorCode.VEND_AMOUNT_ABOVE_MAXIMUM,
  /** The stored tariff breaks its schema or a rule in check.ts: a configuration fault, not the resident's. */
  TARIFF_INVALID: 'ERR_TARIFF_INVALID',
  /** The stored per-account state breaks its schema. */
  TARIFF_STATE_INVALID: 'ERR_TARIFF_STATE_INVALID',
} as const
export type TariffErrorCode = (typeof TariffErrorCode)[keyof typeof TariffErrorCode]
