import { Type, type Static } from '@sinclair/typebox'

/**
 * POST /api/v1/kiosks/heartbeat — the kiosk's state for the central's kiosk monitor. Defined here
 * until the integrator moves it to shared and the central implements the route (see the report).
 * Signed like every kiosk request; the central answers 204 (or 404 until the route exists).
 */
const strict = { additionalProperties: false } as const
const Health = Type.Union(['ok', 'offline', 'jammed', 'fault', 'disabled'].map((h) => Type.Literal(h)))

export const HeartbeatFault = Type.Object(
  {
    /** UTC ISO time the agent saw it. */
    at: Type.String({ format: 'date-time' }),
    device: Type.Union([Type.Literal('acceptor'), Type.Literal('printer'), Type.Literal('reader')]),
    health: Health,
    /** The driver's code or state, e.g. 'paperOut', 'jammed'. */
    code: Type.String({ minLength: 1, maxLength: 64 }),
  },
  strict,
)
export type HeartbeatFault = Static<typeof HeartbeatFault>

export const HeartbeatRequest = Type.Object(
  {
    /** UTC ISO time of this heartbeat. */
    sentAt: Type.String({ format: 'date-time' }),
    softwareVersion: Type.String({ minLength: 1, maxLength: 32 }),
    uptimeS: Type.Integer({ minimum: 0 }),
    screen: Type.String({ maxLength: 32 }),
    outOfService: Type.Boolean(),
    devices: Type.Object(
      {
        acceptor: Type.Object({ health: Health, protocol: Type.String({ maxLength: 16 }), cashboxPresent: Type.Boolean(), stackerFull: Type.Boolean() }, strict),
        printer: Type.Object(
          { health: Health, paper: Type.Union([Type.Literal('ok'), Type.Literal('nearEnd'), Type.Literal('out')]), coverOpen: Type.Boolean() },
          strict,
        ),
        reader: Type.Object({ health: Health }, strict),
      },
      strict,
    ),
    outbox: Type.Object(
      { depth: Type.Integer({ minimum: 0 }), oldestAgeMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]), failed: Type.Integer({ minimum: 0 }) },
      strict,
    ),
    cashbox: Type.Object(
      {
        cycleId: Type.String({ format: 'uuid' }),
        noteCount: Type.Integer({ minimum: 0 }),
        totalFen: Type.Integer({ minimum: 0 }),
        /** Notes in the box / the box's capacity, 0..1. */
        fill: Type.Number({ minimum: 0, maximum: 1 }),
        suspectNotes: Type.Integer({ minimum: 0 }),
      },
      strict,
    ),
    /** Closed cash box cycles not yet posted as collections. */
    collectionsPending: Type.Integer({ minimum: 0 }),
    /** Faults since the last heartbeat the central acknowledged, oldest first (at most 50). */
    faults: Type.Array(HeartbeatFault, { maxItems: 50 }),
  },
  strict,
)
export type HeartbeatRequest = Static<typeof HeartbeatRequest>
