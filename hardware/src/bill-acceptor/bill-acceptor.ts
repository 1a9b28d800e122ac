import type { Clock } from '@gridtill/shared'

/**
 * The one banknote-acceptor interface the kiosk agent codes against (kiosk-hardware.md §7.3).
 * Both protocol drivers (JCM ID-003, ITL SSP/eSSP) implement it, and both simulators implement
 * `BillAcceptorSimulator`, so the agent, the demo's hardware panel and the tests never care which
 * protocol sits underneath.
 */
export type BillAcceptorEvent =
  | { type: 'online' }
  | { type: 'offline'; reason: string }
  | { type: 'enabled' }
  | { type: 'disabled' }
  | { type: 'noteEscrowed'; valueFen: number }
  | { type: 'noteCredited'; noteId: string; valueFen: number }
  | { type: 'noteRejected'; reason: string }
  | { type: 'noteReturned'; valueFen?: number }
  | { type: 'jammed'; safe: boolean }
  | { type: 'cashboxRemoved' }
  | { type: 'cashboxReplaced' }
  | { type: 'stackerFull' }
  | { type: 'fraudAttempt'; valueFen?: number }
  /** Power-up with a note inside: money the host may never have credited (DESIGN.md, Exactly once). */
  | { type: 'suspectNote'; valueFen?: number; where: 'stacker' | 'acceptor' }
  | { type: 'fault'; code: string }

/**
 * Called exactly once per note at the protocol's credit event; the driver ACKs the device only
 * after it resolves. It receives a fresh UUIDv7 noteId. If it rejects, the driver must NOT ack and
 * must retry calling it (same noteId) until it resolves — the note is physically in the box.
 */
export type CreditHandler = (note: { noteId: string; valueFen: number }) => Promise<void>

export type BillAcceptorState = 'offline' | 'disabled' | 'enabled' | 'busy' | 'jammed' | 'fault'

export type BillAcceptorProtocol = 'id003' | 'ssp'

export interface BillAcceptor {
  readonly protocol: BillAcceptorProtocol
  /**
   * Open the transport, reset/sync, read denominations, stay disabled; keep polling.
   * Resolves once the device is online; rejects with ERR_DEVICE_OFFLINE if it is not online within
   * `startTimeoutMs`, but keeps trying in the background (an `online` event follows) until stop().
   */
  start(): Promise<void>
  stop(): Promise<void>
  /** Accept these denominations (default all known), others inhibited. */
  enable(valuesFen?: readonly number[]): Promise<void>
  /** Resolves once the device confirms DISABLED (a note mid-cycle completes first). */
  disable(): Promise<void>
  /** Accept the note in escrow. */
  stack(): Promise<void>
  returnNote(): Promise<void>
  /** Keep the note in escrow (resets the device's escrow timer and the driver's decision window). */
  hold(): Promise<void>
  setCreditHandler(handler: CreditHandler): void
  on(listener: (event: BillAcceptorEvent) => void): () => void
  /** From the device's own tables (ID-003 0x8A CURRENCY ASSIGN, SSP SETUP REQUEST). */
  readonly denominationsFen: readonly number[]
  readonly state: BillAcceptorState
}

/** Errors the driver's methods reject with (hardware-local; the agent maps them to ErrorCode). */
export const BillAcceptorErrorCode = {
  OFFLINE: 'ERR_DEVICE_OFFLINE',
  STOPPED: 'ERR_ACCEPTOR_STOPPED',
  NO_ESCROW: 'ERR_ACCEPTOR_NO_ESCROW',
  UNKNOWN_DENOMINATION: 'ERR_ACCEPTOR_UNKNOWN_DENOMINATION',
  COMMAND_FAILED: 'ERR_ACCEPTOR_COMMAND_FAILED',
  TIMEOUT: 'ERR_ACCEPTOR_TIMEOUT',
} as const
export type BillAcceptorErrorCode =
  (typeof BillAcceptorErrorCode)[keyof typeof BillAcceptorErrorCode]

export class BillAcceptorError extends Error {
  constructor(
    readonly code: BillAcceptorErrorCode,
    message: string = code,
  ) {
    super(message)
    this.name = 'BillAcceptorError'
  }
}

/** Timer functions, injectable so tests can drive time; defaults to the global timers. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Optional structured logger (pino-compatible subset). */
export interface DriverLogger {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface BillAcceptorDriverOptions {
  /** Status/poll cadence. Default 150 ms (the ID-003 and SSP manuals suggest 100–200 ms). */
  pollIntervalMs?: number
  /** How long to wait for one reply. Default 500 ms (ID-003), 1000 ms (SSP). */
  responseTimeoutMs?: number
  /** Consecutive unanswered exchanges before the device is declared offline. Default 3. */
  offlineAfterFailures?: number
  /** Pause between reconnection attempts while offline. Default 500 ms. */
  reconnectIntervalMs?: number
  /** How long start() waits for the device before rejecting (it keeps trying). Default 5000 ms. */
  startTimeoutMs?: number
  /**
   * The driver's own escrow decision window: with no stack()/returnNote() within it (hold() restarts
   * it) the note is returned. Default 9000 ms, inside the devices' 10 s escrow timers.
   */
  escrowTimeoutMs?: number
  /** Delay before calling a rejecting credit handler again. Default 500 ms. */
  creditRetryMs?: number
  timers?: Timers
  /** Time source for note ids (UUIDv7). */
  clock?: Clock
  log?: DriverLogger
}

// ---------------------------------------------------------------------------------------------
// Simulators

/**
 * Scripted faults. The PRNG is seeded so a failing run can be replayed exactly.
 */
export interface SimulatorFaults {
  seed: number
  /** Report the credit event (VEND VALID / CREDIT NOTE) this many extra times after it was acknowledged. */
  repeatCreditEvent: number
  /** Ignore the host's acknowledgement of the credit event: keep repeating it. */
  neverAckCredit: boolean
  /** Probability that a reply has a byte corrupted. */
  corruptProbability: number
  /** Extra delay before every reply. */
  responseDelayMs: number
  /** Probability that a reply is never sent. */
  dropProbability: number
}

export const defaultFaults: SimulatorFaults = {
  seed: 1,
  repeatCreditEvent: 0,
  neverAckCredit: false,
  corruptProbability: 0,
  responseDelayMs: 0,
  dropProbability: 0,
}

export interface SimulatorTimings {
  /** Note transport from the slot to escrow (validation). */
  acceptMs: number
  /** Escrow to the point of no return (in the box), i.e. to the credit event. */
  stackMs: number
  /** Time a reject/return/stacked/cheated status is shown (at least one report is guaranteed). */
  transientMs: number
  /** The device's own escrow timer (ID-003: reject 0x79; SSP: reject code 0x13), restarted by HOLD. */
  escrowTimeoutMs: number
  /** Initialisation after RESET / power-up. */
  initMs: number
}

export const defaultTimings: SimulatorTimings = {
  acceptMs: 400,
  stackMs: 600,
  transientMs: 300,
  escrowTimeoutMs: 10_000,
  initMs: 300,
}

export interface BillAcceptorSimulatorOptions {
  /** The device's note table in fen. Default CNY 1, 5, 10, 20, 50, 100 yuan. */
  denominationsFen?: readonly number[]
  /** ISO currency of the note table. Default 'CNY'. */
  currency?: string
  /** Notes the cashbox holds before it reports full. Default 1000. */
  capacity?: number
  timings?: Partial<SimulatorTimings>
  faults?: Partial<SimulatorFaults>
  timers?: Timers
  /**
   * Keep the cassette (and a note mid-stack) in this file, written synchronously as notes reach the
   * box and restored by start(), so the box survives the simulating process being killed.
   */
  cassetteFile?: string
}

export interface CassetteContents {
  countsByValueFen: Record<number, number>
  totalFen: number
}

/** What the simulator did, for the demo panel and for tests that check byte-level ordering. */
export type SimulatorEvent =
  | { type: 'rx'; frame: Uint8Array }
  /** A command the device executed (decrypted for eSSP; retransmissions it only replays are not here). */
  | { type: 'command'; code: number; encrypted: boolean }
  | { type: 'tx'; frame: Uint8Array; dropped: boolean; corrupted: boolean }
  | { type: 'state'; state: string }
  | { type: 'creditAcked'; valueFen: number }
  | { type: 'stacked'; valueFen: number }

export interface SimulatorSnapshot {
  powered: boolean
  state: string
  enabled: boolean
  escrowValueFen: number | undefined
  jammed: 'safe' | 'unsafe' | undefined
  cashboxRemoved: boolean
  stackerFull: boolean
}

/** The device side: what a person (or a test) can do to the machine. */
export interface BillAcceptorSimulator {
  readonly protocol: BillAcceptorProtocol
  /** Attach to the device side of the transport (opens it) and start answering. */
  start(): Promise<void>
  stop(): Promise<void>
  /** A genuine note goes into the slot. False when the device would not take it (off, busy, disabled…). */
  insertNote(valueFen: number): boolean
  /** A counterfeit goes in; the device rejects it. */
  insertFake(): boolean
  /** Someone fishes with a string / tape: the device reports a fraud attempt. */
  fraudAttempt(valueFen?: number): void
  /** safe = the note is stuck inside (customer cannot reach it); unsafe = it could be pulled out. */
  jam(safe: boolean): void
  clearJam(): void
  removeCashbox(): void
  replaceCashbox(): void
  setStackerFull(full: boolean): void
  /** Power goes away: the device stops answering, volatile settings are lost; the cassette is kept. */
  powerCut(): void
  /** Power returns: the device reports power-up (with a note in the acceptor/stacker if there was one). */
  powerOn(): void
  cassette(): CassetteContents
  emptyCassette(): void
  setFaults(faults: Partial<SimulatorFaults>): void
  readonly faults: Readonly<SimulatorFaults>
  snapshot(): SimulatorSnapshot
  onEvent(listener: (event: SimulatorEvent) => void): () => void
}

/** CNY notes 1, 5, 10, 20, 50, 100 yuan (DESIGN.md, Defaults). */
export const CNY_NOTES_FEN: readonly number[] = [100, 500, 1000, 2000, 5000, 10000]
