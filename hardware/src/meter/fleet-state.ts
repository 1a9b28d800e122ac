/**
 * The fleet's state file: every meter's registers and its decoder's memory, so a token used before
 * a restart is still USED after it and credit/energy carry on where they stopped.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import {
  EnergyWh,
  MeterEvent,
  MeterNo,
  TokenAck,
  TokenDigits,
  TokenRejectReason,
  strict,
} from '@gridtill/shared'
import type { SimulatedMeterSnapshot } from './simulated-meter.ts'

const EnteredToken = Type.Object(
  {
    token: TokenDigits,
    source: Type.Union([Type.Literal('link'), Type.Literal('keypad')]),
    at: Type.Integer({ minimum: 0 }),
    result: Type.Union([Type.Literal('accepted'), Type.Literal('rejected')]),
    kind: Type.Optional(Type.String({ maxLength: 40 })),
    reason: Type.Optional(TokenRejectReason),
    creditedWh: Type.Optional(EnergyWh),
  },
  strict,
)

const MeterControl = Type.Object(
  {
    manualOpen: Type.Boolean(),
    emergencyCreditWh: EnergyWh,
    friendlyHours: Type.Union([
      Type.Object(
        {
          fromHour: Type.Integer({ minimum: 0, maximum: 23 }),
          toHour: Type.Integer({ minimum: 0, maximum: 24 }),
          weekends: Type.Boolean(),
        },
        strict,
      ),
      Type.Null(),
    ]),
    trippedUntilSim: Type.Union([Type.Integer(), Type.Null()]),
    lowCreditArmed: Type.Boolean(),
    relayClosed: Type.Boolean(),
    commands: Type.Array(
      Type.Object({ commandId: Type.String({ maxLength: 64 }), answer: MeterEvent }, strict),
    ),
  },
  strict,
)

export const MeterSnapshot = Type.Object(
  {
    v: Type.Literal(1),
    meterNo: MeterNo,
    creditWh: EnergyWh,
    debtWh: EnergyWh,
    energyWh: EnergyWh,
    partialWms: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    tamper: Type.Boolean(),
    maxPowerW: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    sts: Type.Unknown(),
    deliveries: Type.Array(
      Type.Object(
        { deliveryId: Type.String({ maxLength: 64 }), acks: Type.Array(TokenAck) },
        strict,
      ),
    ),
    entered: Type.Array(EnteredToken),
    /** Remote-control settings; absent in snapshots from before remote control. */
    control: Type.Optional(MeterControl),
  },
  strict,
)

export const FleetState = Type.Object(
  {
    v: Type.Literal(1),
    savedAt: Type.Integer({ minimum: 0 }),
    /** Keyed by meter number (checked against each snapshot's own). */
    meters: Type.Record(Type.String(), MeterSnapshot),
  },
  strict,
)
export type FleetState = Static<typeof FleetState>

const SnapshotCheck = TypeCompiler.Compile(MeterSnapshot)

/** Validates one stored meter row; a bad row stops the fleet rather than dropping a meter's TID memory. */
export function parseMeterSnapshot(
  json: unknown,
  meterNo: string,
  where: string,
): SimulatedMeterSnapshot {
  if (!SnapshotCheck.Check(json)) {
    const first = SnapshotCheck.Errors(json).First()
    throw new Error(
      `${where}: meter ${meterNo} does not match the meter snapshot schema (${first ? `${first.path} ${first.message}` : 'unknown'}); move the store away to start afresh`,
    )
  }
  if (json.meterNo !== meterNo)
    throw new Error(`${where}: row ${meterNo} holds meter ${json.meterNo}`)
  return json
}

/** Validates a state file's content; a file that fails is refused rather than half-trusted. */
export function parseFleetState(
  json: unknown,
  path: string,
): Record<string, SimulatedMeterSnapshot> {
  if (!Value.Check(FleetState, json)) {
    const first = Value.Errors(FleetState, json).First()
    throw new Error(
      `state file ${path} does not match the fleet state schema (${first ? `${first.path} ${first.message}` : 'unknown'}); move it away to start afresh`,
    )
  }
  return json.meters
}
