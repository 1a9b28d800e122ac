import { ErrorCode } from '../errors.ts'

/** The STS codes from the shared catalogue (errors.ts); the CLI and the API pass them on unchanged. */
export const StsErrorCode = {
  INPUT: ErrorCode.STS_INPUT,
  CRC: ErrorCode.STS_CRC,
  TID_RANGE: ErrorCode.STS_TID_RANGE,
  KEY_EXPIRED: ErrorCode.STS_KEY_EXPIRED,
} as const

export type StsErrorCode = (typeof StsErrorCode)[keyof typeof StsErrorCode]

/**
 * Every failure of the codec. Messages name the field and the rule, never a key: callers may log
 * them and the CLI prints them.
 */
export class StsError extends Error {
  override readonly name = 'StsError'
  readonly code: StsErrorCode

  constructor(code: StsErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** Throws ERR_STS_INPUT unless `value` is an integer in [min, max]. */
export function checkInt(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StsError(StsErrorCode.INPUT, `${what} must be an integer from ${min} to ${max}`)
  }
  return value
}
