/**
 * Validation of stored tariffs and account state. The central runs it when a tariff is saved; the
 * engine runs it again on every vend, because a vend must never be priced from a bad tariff.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isValidTimeZone } from './calendar.ts'
import { TariffErrorCode } from './errors.ts'
import { AccountTariffState, DEFAULT_TARIFF_TIME_ZONE, TariffDefinition } from './schema.ts'

export type TariffCheck =
  | { ok: true; tariff: TariffDefinition }
  | { ok: false; code: typeof TariffErrorCode.TARIFF_INVALID; message: string }

export type TariffStateCheck =
  | { ok: true; state: AccountTariffState }
  | { ok: false; code: typeof TariffErrorCode.TARIFF_STATE_INVALID; message: string }

function schemaProblem(schema: TSchema, value: unknown): string | null {
  if (Value.Check(schema, value)) return null
  const first = Value.Errors(schema, value).First()
  return first === undefined
    ? 'does not match the schema'
    : `${first.path || '/'}: ${first.message}`
}

/** The rules a JSON schema cannot state; null when the tariff is sound. */
function ruleProblem(t: TariffDefinition): string | null {
  if (t.maxVendFen < t.minVendFen) return 'maxVendFen is below minVendFen'
  if (!isValidTimeZone(t.timeZone ?? DEFAULT_TARIFF_TIME_ZONE))
    return `unknown time zone ${t.timeZone ?? ''}`
  if (t.pricing.kind === 'flat') return null
  const blocks = t.pricing.blocks
  let previous = 0
  for (const [i, b] of blocks.entries()) {
    const last = i === blocks.length - 1
    // Every kWh must have a price: only the last block is open, and it must be.
    if (last && b.upToKwh !== null) return 'the last block must have upToKwh null'
    if (!last && b.upToKwh === null) return `block ${i + 1} has no upper bound but is not the last`
    if (b.upToKwh !== null) {
      if (b.upToKwh <= previous) return `block ${i + 1} upToKwh must be above ${previous}`
      previous = b.upToKwh
    }
  }
  return null
}

export function checkTariffDefinition(value: unknown): TariffCheck {
  const problem = schemaProblem(TariffDefinition, value) ?? ruleProblem(value as TariffDefinition)
  if (problem !== null)
    return { ok: false, code: TariffErrorCode.TARIFF_INVALID, message: `tariff ${problem}` }
  return { ok: true, tariff: value as TariffDefinition }
}

export function checkAccountTariffState(value: unknown): TariffStateCheck {
  const problem = schemaProblem(AccountTariffState, value)
  if (problem !== null)
    return {
      ok: false,
      code: TariffErrorCode.TARIFF_STATE_INVALID,
      message: `tariff state ${problem}`,
    }
  return { ok: true, state: value as AccountTariffState }
}
