/**
 * The "factory key-loading file": what each simulated meter is programmed with (its decoder key
 * and STS parameters). Written by the central in demo mode and read by the meter fleet simulator.
 * Mirrors hardware/src/meter/programming.ts (which validates what it reads).
 * TODO(integrator): one schema in shared for both sides.
 */
import { Type, type Static } from '@sinclair/typebox'
import { MeterNo } from '@gridtill/shared'

export const MeterProgramming = Type.Object(
  {
    meterNo: MeterNo,
    pan: Type.String({ pattern: '^[0-9]{18}$' }),
    ea: Type.Union([Type.Literal('07'), Type.Literal('11')]),
    /** The decoder key, big-endian hex (16 digits STA, 32 MISTY1). Demo and simulators only. */
    dkHex: Type.String({ pattern: '^[0-9a-f]{16}([0-9a-f]{16})?$' }),
    baseDate: Type.Union([Type.Literal(1993), Type.Literal(2014), Type.Literal(2035)]),
    ken: Type.Integer({ minimum: 0, maximum: 255 }),
    kt: Type.Integer({ minimum: 0, maximum: 3 }),
    krn: Type.Integer({ minimum: 1, maximum: 9 }),
    ti: Type.String({ pattern: '^[0-9]{2}$' }),
    sgc: Type.String({ pattern: '^[0-9]{6}$' }),
    profile: Type.Union([Type.Literal('household'), Type.Literal('shop'), Type.Literal('factory')]),
  },
  { additionalProperties: false },
)
export type MeterProgramming = Static<typeof MeterProgramming>
