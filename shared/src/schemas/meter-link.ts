/**
 * MQTT payloads between the central and the meters (QoS 1). Topics:
 *   central → meter: gridtill/meters/{meterNo}/tokens, …/commands
 *   meter → central: gridtill/meters/{meterNo}/acks, …/readings, …/events, …/status (retained, last will)
 */
import { Type, type Static } from '@sinclair/typebox'
import { EnergyWh, MeterNo, TokenDigits, strict } from './common.ts'

export const meterTopic = (meterNo: string, leaf: 'tokens' | 'commands' | 'acks' | 'readings' | 'events' | 'status') =>
  `gridtill/meters/${meterNo}/${leaf}`
export const METER_TOPIC_WILDCARD = (leaf: 'acks' | 'readings' | 'events' | 'status' | 'commands' | 'tokens') => `gridtill/meters/+/${leaf}`

export const TokenDelivery = Type.Object(
  {
    deliveryId: Type.String({ maxLength: 64 }),
    /** The tokens in the order to enter them (key changes have several). */
    tokens: Type.Array(TokenDigits, { minItems: 1, maxItems: 4 }),
    /** Epoch ms when the central published it. */
    sentAt: Type.Integer({ minimum: 0 }),
  },
  strict,
)
export type TokenDelivery = Static<typeof TokenDelivery>

export const TokenRejectReason = Type.Union([
  Type.Literal('CRC'),
  Type.Literal('USED'),
  Type.Literal('OLD'),
  Type.Literal('KEY_EXPIRED'),
  Type.Literal('KEY_CHANGE_INCOMPLETE'),
  Type.Literal('LOCKED_OUT'),
  Type.Literal('FORMAT'),
  Type.Literal('OTHER'),
])

export const TokenAck = Type.Object(
  {
    deliveryId: Type.String({ maxLength: 64 }),
    token: TokenDigits,
    result: Type.Union([Type.Literal('accepted'), Type.Literal('rejected')]),
    reason: Type.Optional(TokenRejectReason),
    /** Energy credited by this token (accepted credit tokens only). */
    creditedWh: Type.Optional(EnergyWh),
    /** The meter's credit register after applying it. */
    creditWh: Type.Optional(EnergyWh),
    at: Type.Integer({ minimum: 0 }),
  },
  strict,
)
export type TokenAck = Static<typeof TokenAck>

export const MeterReading = Type.Object(
  {
    meterNo: MeterNo,
    at: Type.Integer({ minimum: 0 }),
    /** Cumulative energy register. */
    energyWh: EnergyWh,
    creditWh: EnergyWh,
    powerW: Type.Integer({ minimum: 0 }),
    relay: Type.Union([Type.Literal('closed'), Type.Literal('open')]),
    tamper: Type.Boolean(),
  },
  strict,
)
export type MeterReading = Static<typeof MeterReading>

export const MeterStatus = Type.Object(
  { meterNo: MeterNo, online: Type.Boolean(), at: Type.Integer({ minimum: 0 }) },
  strict,
)
export type MeterStatus = Static<typeof MeterStatus>

/**
 * Remote control, central → meter on …/commands (QoS 1). Relay commands act at once; management
 * settings that an STS meter only takes as tokens (max power, clear tamper, clear credit) travel
 * as class 2 tokens on …/tokens instead, so a keypad-only meter can be served the same way.
 */
export const MeterCommand = Type.Object(
  {
    commandId: Type.String({ maxLength: 64 }),
    command: Type.Union([
      Type.Literal('relayOpen'),
      Type.Literal('relayClose'),
      Type.Literal('readNow'),
      Type.Literal('setEmergencyCredit'),
      Type.Literal('setFriendlyHours'),
    ]),
    /** setEmergencyCredit: Wh allowed below zero (0 turns it off). */
    emergencyCreditWh: Type.Optional(EnergyWh),
    /** setFriendlyHours: local hours [from, to) during which the relay never opens for lack of credit. */
    friendlyHours: Type.Optional(
      Type.Object(
        {
          fromHour: Type.Integer({ minimum: 0, maximum: 23 }),
          toHour: Type.Integer({ minimum: 0, maximum: 24 }),
          weekends: Type.Boolean(),
        },
        strict,
      ),
    ),
    sentAt: Type.Integer({ minimum: 0 }),
  },
  strict,
)
export type MeterCommand = Static<typeof MeterCommand>

/** The meter's answer on …/events to a command, or a spontaneous event. */
export const MeterEvent = Type.Object(
  {
    meterNo: MeterNo,
    at: Type.Integer({ minimum: 0 }),
    event: Type.Union([
      Type.Literal('commandDone'),
      Type.Literal('commandRefused'),
      Type.Literal('relayOpened'),
      Type.Literal('relayClosed'),
      Type.Literal('lowCredit'),
      Type.Literal('creditExhausted'),
      Type.Literal('tamper'),
      Type.Literal('powerLimitExceeded'),
    ]),
    commandId: Type.Optional(Type.String({ maxLength: 64 })),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
    creditWh: Type.Optional(EnergyWh),
  },
  strict,
)
export type MeterEvent = Static<typeof MeterEvent>

export const MeterProfile = Type.Union([
  Type.Literal('household'),
  Type.Literal('shop'),
  Type.Literal('factory'),
])
export type MeterProfile = Static<typeof MeterProfile>

/**
 * The "factory key-loading file" entry for one meter: its decoder key and STS parameters. The
 * central writes the list to DATA_DIR/meter-fleet.json in demo mode; the fleet simulator validates
 * it before building a meter (hardware/src/meter/programming.ts). One definition for both sides.
 */
export const MeterProgramming = Type.Object(
  {
    meterNo: MeterNo,
    /** IIN(6) + DRN(11) + Luhn check digit. */
    pan: Type.String({ pattern: '^[0-9]{18}$' }),
    /** Encryption algorithm: 07 STA, 11 MISTY1. */
    ea: Type.Union([Type.Literal('07'), Type.Literal('11')]),
    /** Decoder key, big-endian hex: 16 digits for STA, 32 for MISTY1. Demo and simulators only. */
    dkHex: Type.String({ pattern: '^[0-9a-fA-F]{16}([0-9a-fA-F]{16})?$' }),
    baseDate: Type.Union([Type.Literal(1993), Type.Literal(2014), Type.Literal(2035)]),
    ken: Type.Integer({ minimum: 0, maximum: 255 }),
    kt: Type.Integer({ minimum: 0, maximum: 3 }),
    krn: Type.Integer({ minimum: 1, maximum: 9 }),
    ti: Type.String({ pattern: '^[0-9]{2}$' }),
    sgc: Type.String({ pattern: '^[0-9]{6}$' }),
    profile: MeterProfile,
    /** Manufacturer code for class 1 tokens; meters of the demo fleet use 0 when absent. */
    mfrCode: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff })),
  },
  strict,
)
export type MeterProgramming = Static<typeof MeterProgramming>
