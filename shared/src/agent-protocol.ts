/**
 * The one WebSocket between the kiosk UI and its agent. The UI is a projection: it renders the
 * agent's snapshots and sends intents; the agent is authoritative, re-sends a full snapshot on
 * every (re)connect, validates every intent and answers a bad one with an error, changing nothing.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Language, MeterNo, Uuid, strict } from './schemas/common.ts'
import type { HistoryDeliveryState } from './schemas/account-history.ts'
import type { AccountSummary, VendBreakdown } from './schemas/kiosk-api.ts'

export const AGENT_WS_PATH = '/ws'

// ── intents (UI → agent) ─────────────────────────────────────────────────────────────────────
// P defaults to no fields, so intents without fields get an exact object type, not an index signature.
const I = <T extends string, P extends Record<string, TSchema> = Record<never, TSchema>>(type: T, props?: P) =>
  Type.Object({ type: Type.Literal(type), ...(props ?? ({} as P)) }, strict)

export const Intent = Type.Union([
  I('resident.start'),
  I('resident.setLanguage', { language: Language }),
  I('resident.toggleLargeText'),
  /** Meter number typed on the keypad: 11 digits, or 12 with the check digit. */
  I('resident.enterMeterNo', { digits: Type.String({ pattern: '^[0-9]{1,12}$' }) }),
  I('resident.selectMeter', { meterNo: MeterNo }),
  I('resident.insertCash'),
  I('resident.confirm'),
  I('resident.cancel'),
  I('resident.back'),
  I('resident.stillHere'),
  I('resident.finish'),
  I('resident.reprint'),
  I('resident.showHistory'),
  I('staff.exit'),
  I('staff.beginCashboxExchange'),
  I('staff.completeCashboxExchange', { sealNo: Type.String({ pattern: '^[A-Za-z0-9-]{3,32}$' }) }),
  I('staff.paperRefilled'),
  I('staff.testPrint'),
  I('staff.testNote'),
  I('staff.setOutOfService', { outOfService: Type.Boolean() }),
  I('staff.syncOutbox'),
])
export type Intent = Static<typeof Intent>
export type IntentType = Intent['type']

export const ClientMessage = Type.Object(
  { type: Type.Literal('intent'), intentId: Uuid, intent: Intent },
  strict,
)
export type ClientMessage = Static<typeof ClientMessage>

// ── snapshots (agent → UI) ───────────────────────────────────────────────────────────────────
export type KioskScreen =
  | 'attract'
  | 'identify' // keypad / "tap your card"
  | 'lookingUp'
  | 'account'
  | 'collecting'
  | 'confirm'
  | 'vending'
  | 'done'
  | 'history'
  | 'error'
  | 'service'
  | 'outOfService'

export type DeviceHealth = 'ok' | 'offline' | 'jammed' | 'fault' | 'disabled'

export interface DevicesView {
  acceptor: { health: DeviceHealth; protocol: string; cashboxPresent: boolean; stackerFull: boolean }
  reader: { health: DeviceHealth }
  printer: { health: DeviceHealth; paper: 'ok' | 'nearEnd' | 'out'; coverOpen: boolean }
}

export interface SessionView {
  sessionId: string
  /** How the resident identified: card tap or typed meter number. */
  via: 'card' | 'meterNo'
  account: (AccountSummary & { /** Answered from the kiosk's offline roster: the central was unreachable. */ fromCache?: boolean }) | null
  meterNo: string | null
  notes: { noteId: string; valueFen: number }[]
  insertedFen: number
  /** A note sits in escrow (not money yet). */
  escrowFen: number | null
  /** The most the resident may still insert. */
  maxMoreFen: number
  /** Live estimate for insertedFen, from the central's quote (null offline or before the first note). */
  quote: { energyWh: number; breakdown: VendBreakdown } | null
  /** Keypad digits typed so far on the identify screen. */
  keypadDigits: string
  /** Why accepting cash stopped (jam, acceptor offline, maximum reached), if it did. */
  cashStoppedReason: string | null
}

export interface VendResultView {
  vendId: string
  status: 'vended' | 'creditPending'
  receiptNo: string | null
  meterNo: string
  meterNoDisplay: string
  amountFen: number
  energyWh: number | null
  tokens: string[]
  breakdown: VendBreakdown | null
  receipt: 'printing' | 'printed' | 'failed' | 'notPrinted'
  receiptFailReason: string | null
  /** Reference printed on a credit-pending receipt (the vend id's short form). */
  reference: string
  /** What the meter did with the token, as the central last reported; absent or null until known. */
  delivery?: TokenStatusView | null
}

/** The token's journey to the meter: sent and waiting, accepted, rejected (with the STS reason), or void. */
export interface TokenStatusView {
  state: HistoryDeliveryState
  reason: string | null
}

export interface HistoryVendView {
  vendId: string
  /** ISO time of payment. */
  paidAt: string
  receiptNo: string
  meterNoDisplay: string
  amountFen: number
  energyWh: number
  tokens: string[]
  /** Null when the vend minted no token. */
  delivery: TokenStatusView | null
}

/** The card's history screen: loading, shown, or not available (central away). */
export interface HistoryView {
  status: 'loading' | 'ready' | 'failed'
  errorCode: string | null
  /** Newest first. */
  vends: HistoryVendView[]
  /** 12 local months, oldest first; energyWh null where the meters did not report. */
  months: { month: string; energyWh: number | null }[]
}

export interface ServiceView {
  staffName: string
  role: 'field' | 'cashier' | 'admin'
  cashbox: { cycleId: string; countsByValueFen: Record<string, number>; totalFen: number; noteCount: number }
  exchange: 'idle' | 'awaitingSeal' | 'posting' | 'done'
  lastCollection: { cycleId: string; sealNo: string; totalFen: number } | null
  outbox: { depth: number; oldestAgeMs: number | null; lastSyncAt: number | null; lastError: string | null }
  /**
   * Closed cash box cycles and the central: how many wait to be sent, and those it refused for
   * good (not sent again; resolved in the console), oldest first. `at`: epoch ms of the refusal.
   */
  collections: { pending: number; failed: { cycleId: string; sealNo: string; code: string; at: number }[] }
  suspectNotes: number
  message: string | null
}

export interface KioskView {
  seq: number
  screen: KioskScreen
  language: Language
  largeText: boolean
  kiosk: { name: string; location: string; centralOnline: boolean; outOfService: boolean; version: string }
  devices: DevicesView
  session: SessionView | null
  result: VendResultView | null
  /** "Are you still there?" — absolute deadline (epoch ms) of the agent's timer. */
  idleWarning: { deadline: number } | null
  /** A resident-facing problem: error code (the UI translates it) and whether trying again helps. */
  error: { code: string; retryable: boolean } | null
  history: HistoryView | null
  service: ServiceView | null
  /** The agent's clock when this snapshot was made, so UI countdowns ignore the screen's clock. */
  at: number
}

export type ServerMessage =
  | { type: 'snapshot'; view: KioskView }
  | { type: 'error'; intentId: string | null; code: string; message: string }

export const MAX_CLIENT_MESSAGE_BYTES = 4096
