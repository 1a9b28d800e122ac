/**
 * Kiosk operations the central records for the back office (DESIGN.md, Kiosk ↔ central): the
 * heartbeat (state for the fleet monitor), collections (one per closed cash box cycle, for the
 * cashier's reconciliation) and service events (every field-staff action, for the audit log).
 * All three are signed kiosk requests and idempotent: a heartbeat is a snapshot (last one wins),
 * a collection is keyed by its cycle id, a service event by its event id.
 */
import { Type, type Static } from '@sinclair/typebox'
import { AmountFen, CardNo, IsoTime, strict, Uuid } from './common.ts'

const Health = Type.Union([Type.Literal('ok'), Type.Literal('offline'), Type.Literal('jammed'), Type.Literal('fault'), Type.Literal('disabled')])


export const HeartbeatFault = Type.Object(
  {
    /** UTC ISO time the agent saw it. */
    at: IsoTime,
    device: Type.Union([Type.Literal('acceptor'), Type.Literal('printer'), Type.Literal('reader')]),
    health: Health,
    /** The driver's code or state, e.g. 'paperOut', 'jammed'. */
    code: Type.String({ minLength: 1, maxLength: 64 }),
  },
  strict,
)
export type HeartbeatFault = Static<typeof HeartbeatFault>

/** POST /api/v1/kiosks/heartbeat → 204. Every 30 s (configurable) and at once on a fault. */
export const HeartbeatRequest = Type.Object(
  {
    /** UTC ISO time of this heartbeat. */
    sentAt: IsoTime,
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
        cycleId: Uuid,
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

/** Banknote denominations the kiosks take, in fen (¥1 … ¥100). */
export const NOTE_VALUES_FEN = [100, 500, 1000, 2000, 5000, 10_000] as const
export const NoteValueFen = Type.Union(NOTE_VALUES_FEN.map((v) => Type.Literal(v)))

export const DenominationCount = Type.Object({ valueFen: NoteValueFen, count: Type.Integer({ minimum: 0, maximum: 100_000 }) }, strict)
export type DenominationCount = Static<typeof DenominationCount>

/** A note the acceptor may have stacked without the journal crediting it (power cut mid-stack). */
export const SuspectNote = Type.Object(
  {
    noteId: Uuid,
    valueFen: Type.Union([NoteValueFen, Type.Null()]),
    at: IsoTime,
    /** Why it is suspect, e.g. 'powerUpWithBill', 'stackedUncredited'. */
    reason: Type.String({ minLength: 1, maxLength: 64 }),
  },
  strict,
)
export type SuspectNote = Static<typeof SuspectNote>

/**
 * POST /api/v1/kiosks/collections → 200 CollectionReceipt. One per closed cash box cycle: what the
 * kiosk's journal says the box holds (expected), by denomination, with the bag or seal number the
 * field staff entered. Idempotent by cycleId: the same body again → the same receipt
 * (duplicate: true); another body with the same cycleId → 422 ERR_IDEMPOTENCY_MISMATCH.
 */
export const CollectionRequest = Type.Object(
  {
    cycleId: Uuid,
    sealNo: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9-]+$' }),
    openedAt: IsoTime,
    closedAt: IsoTime,
    /** The field staff member's card that closed the cycle. */
    staffCardNo: CardNo,
    noteCount: Type.Integer({ minimum: 0, maximum: 100_000 }),
    totalFen: AmountFen,
    /** Expected notes by denomination; the sum of value × count equals totalFen. */
    counts: Type.Array(DenominationCount, { maxItems: NOTE_VALUES_FEN.length }),
    suspectNotes: Type.Array(SuspectNote, { maxItems: 1000 }),
  },
  strict,
)
export type CollectionRequest = Static<typeof CollectionRequest>

export const CollectionReceipt = Type.Object(
  {
    collectionId: Uuid,
    cycleId: Uuid,
    /** True when the central already had this collection (a retry). */
    duplicate: Type.Boolean(),
    receivedAt: IsoTime,
  },
  strict,
)
export type CollectionReceipt = Static<typeof CollectionReceipt>

export const SERVICE_ACTIONS = [
  'service.enter',
  'service.exit',
  'cashbox.exchange',
  'paper.refill',
  'printer.test',
  'acceptor.testNote',
  'kiosk.outOfService',
  'kiosk.backInService',
  'outbox.sync',
] as const
export type ServiceAction = (typeof SERVICE_ACTIONS)[number]

/**
 * POST /api/v1/kiosks/service-events → 204. Every field-staff action at the kiosk, journaled there
 * first and sent here for the central's audit log. Idempotent by eventId.
 */
export const ServiceEventRequest = Type.Object(
  {
    eventId: Uuid,
    at: IsoTime,
    action: Type.Union(SERVICE_ACTIONS.map((a) => Type.Literal(a))),
    staffCardNo: CardNo,
    /** Small, action-specific facts (seal number, test note value, …); at most 2 KB as JSON. */
    details: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean(), Type.Null()]), {
      maxProperties: 16,
    }),
  },
  strict,
)
export type ServiceEventRequest = Static<typeof ServiceEventRequest>
