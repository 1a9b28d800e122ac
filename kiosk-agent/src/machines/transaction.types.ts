/**
 * Events, context and actor contracts of the transaction machine. Pure types plus tiny helpers;
 * imports only shared (STYLE.md, Agent).
 */
import type {
  AccountHistoryResponse,
  AccountSummary,
  CardLookupResponse,
  Language,
  MeterLookupResponse,
  QuoteResponse,
  VendBreakdown,
  VendNote,
  VendResponse,
  VendResultView,
  VendStatusResponse,
} from '@gridtill/shared'
import type { AgentIntent } from './intents.ts'

// ── facts from devices (past tense) ──────────────────────────────────────────────────────────
export type ReaderEvent = {
  type: 'reader.cardRead'
  uid: string
  cardNo: string
  cardKind: 'resident' | 'staff'
  staffRole?: 'field' | 'cashier' | 'admin'
}

export type AcceptorEvent =
  | { type: 'acceptor.online' }
  | { type: 'acceptor.offline' }
  | { type: 'acceptor.enabled' }
  | { type: 'acceptor.disabled' }
  | { type: 'acceptor.noteEscrowed'; valueFen: number }
  | { type: 'acceptor.noteCredited'; noteId: string; valueFen: number }
  | { type: 'acceptor.noteRejected'; reason: string }
  | { type: 'acceptor.noteReturned' }
  | { type: 'acceptor.jammed'; safe: boolean }
  | { type: 'acceptor.cashboxRemoved' }
  | { type: 'acceptor.cashboxReplaced' }
  | { type: 'acceptor.stackerFull' }
  | { type: 'acceptor.fault'; code: string }

/** Commands the machine sends to the acceptor actor (imperative). */
export type AcceptorCommand =
  /** `testNoteBy`: service mode's test note — whatever the device does with it credits nobody. */
  | { type: 'acceptor.enable'; sessionId: string; valuesFen: number[]; testNoteBy?: string }
  | { type: 'acceptor.disable' }
  | { type: 'acceptor.stack' }
  | { type: 'acceptor.return' }

export type TransactionEvent = AgentIntent | ReaderEvent | AcceptorEvent

// ── what the machine emits for the world outside (journal, outbox) ─────────────────────────────
export type SessionJournalState = 'identified' | 'collecting' | 'vending' | 'done' | 'abandoned'
export type TransactionEmitted =
  | {
      type: 'journal.session'
      sessionId: string
      via: 'card' | 'meterNo'
      cardNo: string | null
      accountId: string | null
      meterNo: string | null
      customerNameMasked: string | null
      state: SessionJournalState
    }
  | { type: 'outbox.kick' }
  /** A field-staff action for the journal (who: the staff card; detail: what was done). */
  | { type: 'journal.staff'; staffCardNo: string; action: string; detail: Record<string, unknown> | null }

// ── one-shot jobs (fromPromise actors) ───────────────────────────────────────────────────────
export interface VendJobInput {
  vendId: string
  sessionId: string
  meterNo: string
  cardNo: string | null
  notes: VendNote[]
  /** UTC ms when the resident paid. */
  paidAt: number
}
export type VendJobOutput =
  | { status: 'vended'; response: VendResponse }
  /** The central refused (422): the money is recorded as owed, the resident gets a reference. */
  | { status: 'failed'; code: string }

export interface PrintJobInput {
  kind: 'vend' | 'duplicate'
  sessionId: string
  result: VendResultView
  customerNameMasked: string
  tariffName: string
  notes: VendNote[]
  language: Language
  /** Days the meter's credit lasts with this purchase (daysLeftAfterVend); null: not printed. */
  daysLeft?: number | null
}
export type PrintJobOutput = { ok: true } | { ok: false; reason: string }

export interface CloseCashboxOutput {
  cycleId: string
  sealNo: string
  totalFen: number
}

export type LookupCardOutput = CardLookupResponse
export type LookupMeterOutput = MeterLookupResponse
export type QuoteOutput = QuoteResponse
export type HistoryOutput = AccountHistoryResponse
export type VendStatusOutput = VendStatusResponse

/** The card's history as fetched from the central for the history screen. */
export interface HistoryContext {
  status: 'loading' | 'ready' | 'failed'
  data: AccountHistoryResponse | null
  errorCode: string | null
}

// ── context ──────────────────────────────────────────────────────────────────────────────────
export interface Timing {
  idleTimeoutMs: number
  /** Countdown of "Are you still there?"; at least 20 s (WCAG 2.2.1). */
  idleWarningMs: number
  lookupTimeoutMs: number
  vendWaitMs: number
  printTimeoutMs: number
  doneTimeoutMs: number
  errorTimeoutMs: number
  serviceTimeoutMs: number
  /** How long service mode waits for the test note to be inserted and come back. */
  testNoteTimeoutMs: number
  /** Longest wait for the acceptor to confirm it is disabled before moving on. */
  closeCashTimeoutMs: number
  /** How often the done screen asks the central what the meter did with the token. */
  deliveryPollMs: number
  /**
   * How long a note that fits waits in escrow before it is stacked (0: at once). While it waits,
   * Cancel or Buy hands it back. Below the driver's own escrow timeout (10 s).
   */
  escrowHoldMs: number
}

export const DEFAULT_TIMING: Timing = {
  idleTimeoutMs: 60_000,
  idleWarningMs: 30_000,
  lookupTimeoutMs: 15_000,
  vendWaitMs: 12_000,
  printTimeoutMs: 30_000,
  doneTimeoutMs: 60_000,
  errorTimeoutMs: 15_000,
  serviceTimeoutMs: 300_000,
  testNoteTimeoutMs: 60_000,
  closeCashTimeoutMs: 8_000,
  deliveryPollMs: 3_000,
  escrowHoldMs: 0,
}

export type CashStoppedReason = 'maximumReached' | 'jammed' | 'acceptorOffline' | 'acceptorFault' | 'stackerFull' | 'cashboxRemoved'

export interface SessionContext {
  sessionId: string
  via: 'card' | 'meterNo'
  cardNo: string | null
  account: AccountSummary | null
  meterNo: string | null
  notes: VendNote[]
  insertedFen: number
  /** A note the machine told the acceptor to stack (or holds in escrow), not yet credited. */
  escrowFen: number | null
  /** The note in escrow is being held (escrowHoldMs), not yet told to stack: it can still go back. */
  escrowHeld: boolean
  quote: { energyWh: number; breakdown: VendBreakdown } | null
  keypadDigits: string
  cashStoppedReason: CashStoppedReason | null
  vendId: string | null
  paidAt: number | null
}

export interface StaffContext {
  cardNo: string
  staffName: string
  role: 'field' | 'cashier' | 'admin'
  exchange: 'idle' | 'awaitingSeal' | 'posting' | 'done'
  lastCollection: CloseCashboxOutput | null
  message: string | null
}

export interface TransactionInput {
  /** The process's clock (UTC ms); the same one XState's timers run on in tests. */
  now: () => number
  timing?: Partial<Timing>
  /** Note values the acceptor takes, smallest first. */
  noteValuesFen?: readonly number[]
}

export interface TransactionContext {
  now: () => number
  timing: Timing
  noteValuesFen: readonly number[]
  language: Language
  largeText: boolean
  session: SessionContext | null
  result: VendResultView | null
  printKind: 'vend' | 'duplicate'
  error: { code: string; retryable: boolean } | null
  idleDeadline: number | null
  acceptorEnabled: boolean
  /** Where closingCash goes when no money was taken. */
  closeThen: 'attract' | 'account'
  staff: StaffContext | null
  outOfService: boolean
  /** The card's history while the history screen is up. */
  history: HistoryContext | null
}

/** "01J2…": the short reference on a credit-pending receipt; the random tail of the vend id. */
export function shortReference(vendId: string): string {
  const hex = vendId.replace(/-/g, '').slice(-12).toUpperCase()
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`
}

/** Error code carried by a rejected job, or a generic one. */
export function codeOf(err: unknown, fallback = 'ERR_INTERNAL'): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = err.code
    if (typeof c === 'string' && c.startsWith('ERR_')) return c
  }
  return fallback
}

/**
 * Whether trying again may help (the central was away), as opposed to a definite "no". A card or
 * meter the offline roster never saw is retryable: the answer is "not now", and the same tap
 * works once the central is back (the message says so, and where else to go meanwhile).
 */
export function isRetryable(code: string): boolean {
  return (
    code === 'ERR_CENTRAL_UNREACHABLE' ||
    code === 'ERR_INTERNAL' ||
    code === 'ERR_RATE_LIMITED' ||
    code === 'ERR_OFFLINE_CARD_UNKNOWN' ||
    code === 'ERR_OFFLINE_METER_UNKNOWN'
  )
}

/**
 * Whole days the vended meter's credit lasts with this purchase, at the recent daily use the
 * central sent with the account (AccountSummary.dailyUseWh). Null when any part is unknown: no
 * estimate, no known credit, no token yet (credit pending), or an account with several meters
 * (the session does not keep which one the central's estimate was for).
 */
export function daysLeftAfterVend(
  account: (Pick<AccountSummary, 'lastKnownCreditWh' | 'dailyUseWh'> & { meters: readonly { meterNo: string }[] }) | null,
  result: Pick<VendResultView, 'status' | 'meterNo' | 'energyWh'>,
): number | null {
  if (!account || result.status !== 'vended' || result.energyWh == null) return null
  const dailyWh = account.dailyUseWh
  if (dailyWh === undefined || dailyWh <= 0 || account.lastKnownCreditWh === null) return null
  if (account.meters.length !== 1 || account.meters[0]?.meterNo !== result.meterNo) return null
  return Math.floor((Math.max(0, account.lastKnownCreditWh) + result.energyWh) / dailyWh)
}
