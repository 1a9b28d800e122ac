import { Type, type Static } from '@sinclair/typebox'
import { UUID_PATTERN } from '../ids.ts'

// Every schema that crosses a process boundary refuses unknown fields (DESIGN.md, Security).
export const strict = { additionalProperties: false } as const

export const Uuid = Type.String({ pattern: UUID_PATTERN, maxLength: 36 })
/** Integer fen, bounded so that no sum of a few of them overflows a safe integer. */
export const AmountFen = Type.Integer({ minimum: 0, maximum: 100_000_000 })
export const EnergyWh = Type.Integer({ minimum: 0 })
/** The 11-digit DRN a resident sees on the meter. */
export const MeterNo = Type.String({ pattern: '^[0-9]{11}$' })
/** Card number as printed on the card (resident or staff), 8–20 digits. */
export const CardNo = Type.String({ pattern: '^[0-9]{8,20}$' })
/** A 20-digit STS token. */
export const TokenDigits = Type.String({ pattern: '^[0-9]{20}$' })
export const Language = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])
export type Language = Static<typeof Language>
/** ISO time, UTC. */
export const IsoTime = Type.String({ format: 'date-time', maxLength: 40 })

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
  },
  strict,
)
export type ErrorResponse = Static<typeof ErrorResponse>
