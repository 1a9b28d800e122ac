import { systemClock, uuidv7, type Clock } from '@gridtill/shared'
import type { Transport } from '../transport/transport.ts'
import {
  BillAcceptorError,
  BillAcceptorErrorCode,
  realTimers,
  type BillAcceptor,
  type BillAcceptorDriverOptions,
  type BillAcceptorEvent,
  type BillAcceptorProtocol,
  type BillAcceptorState,
  type CreditHandler,
  type DriverLogger,
  type Timers,
} from './bill-acceptor.ts'
import { concatBytes, errorMessage, Listeners } from './support.ts'

/**
 * What both protocol drivers share (kiosk-hardware.md §7.3): the polling loop with one command in
 * flight, timeouts → offline, reconnection, the note cycle with exactly-once credit, the escrow
 * decision window and the normalized events. The subclasses only speak their protocol.
 */

export type DecodeResult<F> =
  | { kind: 'frame'; frame: F; rest: Uint8Array; skipped: number }
  | { kind: 'incomplete'; rest: Uint8Array; skipped: number }
  | { kind: 'badChecksum'; rest: Uint8Array; skipped: number }

/** The device did not answer in time (or the link is down): counts towards going offline. */
export class CommError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CommError'
  }
}

export interface DriverStats {
  framesIn: number
  badChecksums: number
  garbageBytes: number
  /** Frames that arrived when nothing was waiting for them, or did not fit the command. */
  unsolicited: number
  timeouts: number
  credits: number
}

/** One note's way through the acceptor, from the slot to the box or back out. */
export interface NoteCycle {
  phase: 'accepting' | 'escrow' | 'stacking' | 'credited' | 'leaving'
  valueFen?: number
  /** Minted the first time the credit handler is called and reused on every retry. */
  noteId?: string
  /** The host sent the stack command (or a poll that accepts, SSP) for this note. */
  stackSent: boolean
  credited: boolean
  /** noteReturned / noteRejected / suspectNote already emitted for this note. */
  outcomeReported: boolean
}

interface Job {
  run: () => Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

interface Pending<F> {
  accept: (frame: F) => boolean
  resolve: (frame: F) => void
  reject: (err: Error) => void
  timer: unknown
}

const RX_LIMIT = 4096

export interface ResolvedOptions {
  pollIntervalMs: number
  responseTimeoutMs: number
  offlineAfterFailures: number
  reconnectIntervalMs: number
  startTimeoutMs: number
  escrowTimeoutMs: number
  creditRetryMs: number
  timers: Timers
  clock: Clock
  log: DriverLogger | undefined
}

export function resolveOptions(
  o: BillAcceptorDriverOptions,
  responseTimeoutMs: number,
): ResolvedOptions {
  return {
    pollIntervalMs: o.pollIntervalMs ?? 150,
    responseTimeoutMs: o.responseTimeoutMs ?? responseTimeoutMs,
    offlineAfterFailures: o.offlineAfterFailures ?? 3,
    reconnectIntervalMs: o.reconnectIntervalMs ?? 500,
    startTimeoutMs: o.startTimeoutMs ?? 5000,
    escrowTimeoutMs: o.escrowTimeoutMs ?? 9000,
    creditRetryMs: o.creditRetryMs ?? 500,
    timers: o.timers ?? realTimers,
    clock: o.clock ?? systemClock,
    log: o.log,
  }
}

export abstract class DriverCore<F> implements BillAcceptor {
  abstract readonly protocol: BillAcceptorProtocol
  readonly stats: DriverStats = {
    framesIn: 0,
    badChecksums: 0,
    garbageBytes: 0,
    unsolicited: 0,
    timeouts: 0,
    credits: 0,
  }

  protected readonly opts: ResolvedOptions
  protected online = false
  protected cycle: NoteCycle | undefined
  /** What the host wants; re-applied after every reset/reconnect. */
  protected desired: { enabled: boolean; valuesFen: readonly number[] | undefined } = {
    enabled: false,
    valuesFen: undefined,
  }
  protected denominations: number[] = []

  private readonly listeners = new Listeners<BillAcceptorEvent>()
  private readonly onlineWaiters = new Listeners<void>()
  private mode: 'enabled' | 'disabled' | undefined
  private jam: { safe: boolean } | undefined
  private cashboxOut = false
  private stackerFullFlag = false
  private failure: string | undefined
  private creditHandler: CreditHandler | undefined
  private running = false
  private rx: Uint8Array = new Uint8Array(0)
  private pending: Pending<F> | undefined
  private queue: Job[] = []
  /** A queued (not yet started) apply of `desired`: later enable()/disable() calls share it. */
  private queuedApply: Promise<void> | undefined
  private lastPollAt = 0
  private wakeUp: (() => void) | undefined
  private loopDone: Promise<void> | undefined
  private failures = 0
  private decisionTimer: unknown
  private modeWaiters: {
    mode: 'enabled' | 'disabled'
    resolve: () => void
    reject: (e: Error) => void
  }[] = []
  private unsubscribe: (() => void)[] = []

  constructor(
    protected readonly transport: Transport,
    options: BillAcceptorDriverOptions,
    defaultResponseTimeoutMs: number,
  ) {
    this.opts = resolveOptions(options, defaultResponseTimeoutMs)
  }

  // --- protocol hooks -------------------------------------------------------------------------

  protected abstract decodeFrame(buf: Uint8Array): DecodeResult<F>
  /** Handshake after the link comes up: 'start' resets the device, 'recover' resumes. */
  protected abstract initialize(kind: 'start' | 'recover'): Promise<void>
  /** One poll and the handling of what it reports. */
  protected abstract pollOnce(): Promise<void>
  protected abstract applyDesired(): Promise<void>
  protected abstract sendStack(cycle: NoteCycle): Promise<void>
  protected abstract sendReturn(cycle: NoteCycle): Promise<void>
  protected abstract sendHold(cycle: NoteCycle): Promise<void>
  /** Called when the link is declared down, so the protocol can forget session state. */
  protected onOffline(): void {}

  // --- public API -----------------------------------------------------------------------------

  get denominationsFen(): readonly number[] {
    return this.denominations
  }

  get state(): BillAcceptorState {
    if (!this.online) return 'offline'
    if (this.jam) return 'jammed'
    if (this.failure !== undefined || this.cashboxOut || this.stackerFullFlag) return 'fault'
    if (this.cycle) return 'busy'
    return this.mode === 'enabled' ? 'enabled' : 'disabled'
  }

  on(listener: (event: BillAcceptorEvent) => void): () => void {
    return this.listeners.add(listener)
  }

  setCreditHandler(handler: CreditHandler): void {
    this.creditHandler = handler
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.desired = { enabled: false, valuesFen: undefined } // start() leaves the device disabled
    this.unsubscribe = [
      this.transport.on('data', (chunk) => this.onData(chunk)),
      this.transport.on('close', () => this.onTransportClose()),
      this.transport.on('open', () => this.wake()),
    ]
    this.loopDone = this.run()
    if (this.online) return
    await new Promise<void>((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        off()
        reject(
          new BillAcceptorError(
            BillAcceptorErrorCode.OFFLINE,
            `${this.protocol} acceptor did not come online`,
          ),
        )
      }, this.opts.startTimeoutMs)
      const off = this.onlineWaiters.add(() => {
        this.opts.timers.clearTimeout(timer)
        off()
        resolve()
      })
    })
  }

  async stop(): Promise<void> {
    if (!this.running) return
    // leave the device inhibited so nobody feeds notes to a host that stopped listening
    if (this.online && !this.cycle) {
      this.desired = { ...this.desired, enabled: false }
      await this.applyLater().catch(() => undefined)
    }
    this.running = false
    this.failPending(new BillAcceptorError(BillAcceptorErrorCode.STOPPED))
    for (const w of this.modeWaiters.splice(0))
      w.reject(new BillAcceptorError(BillAcceptorErrorCode.STOPPED))
    this.wake()
    await this.loopDone
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
    this.clearDecisionTimer()
    if (this.online) {
      this.online = false
      this.emit({ type: 'offline', reason: 'stopped' })
    }
    await this.transport.close().catch(() => undefined)
  }

  enable(valuesFen?: readonly number[]): Promise<void> {
    if (valuesFen && this.denominations.length > 0) {
      const unknown = valuesFen.filter((v) => !this.denominations.includes(v))
      if (unknown.length > 0) {
        return Promise.reject(
          new BillAcceptorError(
            BillAcceptorErrorCode.UNKNOWN_DENOMINATION,
            `not in the device's table: ${unknown.join(', ')}`,
          ),
        )
      }
    }
    this.desired = { enabled: true, valuesFen: valuesFen ? [...valuesFen] : undefined }
    return this.applyLater()
  }

  async disable(): Promise<void> {
    this.desired = { ...this.desired, enabled: false }
    await this.applyLater()
    if (this.mode === 'disabled' && !this.cycle) return
    await new Promise<void>((resolve, reject) => {
      this.modeWaiters.push({ mode: 'disabled', resolve, reject })
    })
  }

  stack(): Promise<void> {
    return this.enqueue(async () => {
      const c = this.requireEscrow()
      this.clearDecisionTimer()
      await this.sendStack(c)
    })
  }

  returnNote(): Promise<void> {
    return this.enqueue(async () => {
      const c = this.requireEscrow()
      this.clearDecisionTimer()
      await this.sendReturn(c)
    })
  }

  hold(): Promise<void> {
    return this.enqueue(async () => {
      const c = this.requireEscrow()
      await this.sendHold(c)
      this.startDecisionTimer()
    })
  }

  /**
   * Queue one apply of `desired`; it reads `desired` when it runs, so calls made before it starts
   * share it instead of piling up commands ahead of the polls.
   */
  private applyLater(): Promise<void> {
    if (this.queuedApply) return this.queuedApply
    const p = this.enqueue(() => {
      if (this.queuedApply === p) this.queuedApply = undefined
      return this.applyDesired()
    })
    this.queuedApply = p
    p.catch(() => {
      if (this.queuedApply === p) this.queuedApply = undefined
    })
    return p
  }

  // --- for subclasses: exchanges --------------------------------------------------------------

  /** Send one command and wait for the frame `accept` recognises as its answer. */
  protected request(
    bytes: Uint8Array,
    accept: (frame: F) => boolean,
    timeoutMs = this.opts.responseTimeoutMs,
  ): Promise<F> {
    if (!this.running) return Promise.reject(new BillAcceptorError(BillAcceptorErrorCode.STOPPED))
    if (this.pending) return Promise.reject(new Error('one command in flight'))
    return new Promise<F>((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        if (this.pending?.timer !== timer) return
        this.pending = undefined
        this.stats.timeouts++
        // a half frame (or a corrupted LNG) must not poison the next answer
        this.rx = new Uint8Array(0)
        reject(new CommError('no answer'))
      }, timeoutMs)
      this.pending = { accept, resolve, reject, timer }
      this.transport.write(bytes).catch((err: unknown) => {
        if (this.pending?.timer !== timer) return
        this.opts.timers.clearTimeout(timer)
        this.pending = undefined
        reject(new CommError(`write failed: ${errorMessage(err)}`))
      })
    })
  }

  /** Send bytes that get no answer (ID-003 ACK). */
  protected async send(bytes: Uint8Array): Promise<void> {
    try {
      await this.transport.write(bytes)
    } catch (err) {
      throw new CommError(`write failed: ${errorMessage(err)}`)
    }
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.opts.timers.setTimeout(resolve, ms))
  }

  protected get isRunning(): boolean {
    return this.running
  }

  /** Run `fn` inside the loop (one command in flight); used for decisions the driver takes itself. */
  protected enqueue(run: () => Promise<void>): Promise<void> {
    if (!this.running) return Promise.reject(new BillAcceptorError(BillAcceptorErrorCode.STOPPED))
    if (!this.online) return Promise.reject(new BillAcceptorError(BillAcceptorErrorCode.OFFLINE))
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ run, resolve, reject })
      this.wake()
    })
  }

  // --- for subclasses: normalized state -------------------------------------------------------

  protected emit(event: BillAcceptorEvent): void {
    this.opts.log?.debug({ event, protocol: this.protocol }, 'acceptor event')
    this.listeners.emit(event)
  }

  protected setMode(mode: 'enabled' | 'disabled'): void {
    if (this.mode !== mode) {
      this.mode = mode
      this.emit({ type: mode })
    }
  }

  protected get deviceMode(): 'enabled' | 'disabled' | undefined {
    return this.mode
  }

  protected forgetMode(): void {
    this.mode = undefined
  }

  protected setJam(jam: { safe: boolean } | undefined): void {
    if (jam && (!this.jam || this.jam.safe !== jam.safe))
      this.emit({ type: 'jammed', safe: jam.safe })
    this.jam = jam
  }

  protected setCashboxOut(out: boolean): void {
    if (out !== this.cashboxOut) this.emit({ type: out ? 'cashboxRemoved' : 'cashboxReplaced' })
    this.cashboxOut = out
  }

  protected setStackerFull(full: boolean): void {
    if (full && !this.stackerFullFlag) this.emit({ type: 'stackerFull' })
    this.stackerFullFlag = full
  }

  protected setFailure(code: string | undefined): void {
    if (code !== undefined && code !== this.failure) this.emit({ type: 'fault', code })
    this.failure = code
  }

  /** The device reports normal operation: every latched condition is over. */
  protected clearConditions(): void {
    this.setJam(undefined)
    this.setCashboxOut(false)
    this.setStackerFull(false)
    this.setFailure(undefined)
  }

  protected openCycle(phase: NoteCycle['phase']): NoteCycle {
    this.cycle ??= { phase, stackSent: false, credited: false, outcomeReported: false }
    return this.cycle
  }

  /** ESCROW is not money (§2.1 safety rules): tell the host and open the decision window. */
  protected noteInEscrow(valueFen: number): void {
    // a finished note whose idle status we never saw: this is the next note
    if (this.cycle && (this.cycle.phase === 'credited' || this.cycle.phase === 'leaving'))
      this.closeCycle()
    const c = this.openCycle('escrow')
    if (c.phase === 'accepting' || (c.phase === 'escrow' && c.valueFen === undefined)) {
      c.phase = 'escrow'
      c.valueFen = valueFen
      this.emit({ type: 'noteEscrowed', valueFen })
      this.startDecisionTimer()
    }
  }

  protected noteReturned(c: NoteCycle): void {
    if (c.outcomeReported || c.credited) return
    c.outcomeReported = true
    c.phase = 'leaving'
    this.clearDecisionTimer()
    this.emit(
      c.valueFen === undefined
        ? { type: 'noteReturned' }
        : { type: 'noteReturned', valueFen: c.valueFen },
    )
  }

  protected noteRejected(c: NoteCycle, reason: string): void {
    if (c.outcomeReported || c.credited) return
    c.outcomeReported = true
    c.phase = 'leaving'
    this.clearDecisionTimer()
    this.emit({ type: 'noteRejected', reason })
  }

  protected suspect(where: 'stacker' | 'acceptor', valueFen: number | undefined): void {
    this.emit(
      valueFen === undefined
        ? { type: 'suspectNote', where }
        : { type: 'suspectNote', where, valueFen },
    )
  }

  /**
   * The device is idle again: whatever the note did and we did not hear, infer it now, so the
   * host never waits on a note that is gone.
   */
  protected closeCycle(): void {
    const c = this.cycle
    if (!c) return
    this.cycle = undefined
    this.clearDecisionTimer()
    if (c.credited || c.outcomeReported) return
    if (c.stackSent) {
      // sent to the stacker but the credit event never came: money may be in the box
      this.suspect('stacker', c.valueFen)
    } else if (c.valueFen !== undefined) {
      this.emit({ type: 'noteReturned', valueFen: c.valueFen })
    } else {
      this.emit({ type: 'noteRejected', reason: 'unknown' })
    }
  }

  /** Forget the note cycle without inferring anything (power-up handling reports it itself). */
  protected dropCycle(): void {
    this.cycle = undefined
    this.clearDecisionTimer()
  }

  /**
   * The credit event: call the handler (same noteId on every retry) until it resolves; only then
   * may the subclass acknowledge the device. Throws only when the driver is stopped.
   */
  protected async credit(c: NoteCycle): Promise<void> {
    if (c.credited) return
    const valueFen = c.valueFen
    if (valueFen === undefined) throw new Error('credit without a value')
    this.clearDecisionTimer()
    c.phase = 'stacking'
    c.noteId ??= uuidv7(this.opts.clock.now())
    const noteId = c.noteId
    for (;;) {
      if (!this.running) throw new BillAcceptorError(BillAcceptorErrorCode.STOPPED)
      const handler = this.creditHandler
      try {
        if (!handler) throw new Error('no credit handler set')
        await handler({ noteId, valueFen })
        break
      } catch (err) {
        this.opts.log?.warn(
          { noteId, valueFen, err: errorMessage(err) },
          'credit handler failed; will retry before acknowledging',
        )
        await this.sleep(this.opts.creditRetryMs)
      }
    }
    c.credited = true
    c.phase = 'credited'
    this.stats.credits++
    this.emit({ type: 'noteCredited', noteId, valueFen })
  }

  // --- the loop -------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let kind: 'start' | 'recover' = 'start'
    while (this.running) {
      try {
        if (!this.transport.isOpen) {
          this.goOffline('transport closed')
          try {
            await this.transport.open()
          } catch {
            await this.idle(this.opts.reconnectIntervalMs)
            continue
          }
          if (!this.transport.isOpen) {
            await this.idle(this.opts.reconnectIntervalMs)
            continue
          }
        }
        if (!this.online) {
          this.rx = new Uint8Array(0)
          await this.initialize(kind)
          kind = 'recover'
          this.failures = 0
          this.online = true
          this.emit({ type: 'online' })
          this.onlineWaiters.emit()
          continue
        }
        // commands go first, but never starve the poll that tells us what the device is doing
        const pollDue = this.opts.clock.now() - this.lastPollAt > this.opts.pollIntervalMs * 4
        const job = pollDue && this.queue.length > 0 ? undefined : this.queue.shift()
        if (job) {
          try {
            await job.run()
            job.resolve()
          } catch (err) {
            job.reject(
              err instanceof BillAcceptorError
                ? err
                : new BillAcceptorError(
                    err instanceof CommError
                      ? BillAcceptorErrorCode.TIMEOUT
                      : BillAcceptorErrorCode.COMMAND_FAILED,
                    errorMessage(err),
                  ),
            )
            throw err
          }
          this.failures = 0
        } else {
          try {
            await this.pollOnce()
          } finally {
            // measured from the end: a slow device must not turn every turn into a poll
            this.lastPollAt = this.opts.clock.now()
          }
          this.failures = 0
          this.settleModeWaiters()
          await this.idle(this.opts.pollIntervalMs)
        }
      } catch (err) {
        if (!this.running) break
        if (err instanceof CommError) {
          this.failures++
          if (this.online && this.failures >= this.opts.offlineAfterFailures)
            this.goOffline(`no answer from the device (${err.message})`)
          if (!this.online) await this.idle(this.opts.reconnectIntervalMs)
        } else if (!(err instanceof BillAcceptorError)) {
          this.opts.log?.error({ err: errorMessage(err) }, 'bill acceptor driver error')
          await this.idle(this.opts.pollIntervalMs)
        }
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (!this.running || this.queue.length > 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = this.opts.timers.setTimeout(() => {
        this.wakeUp = undefined
        resolve()
      }, ms)
      this.wakeUp = () => {
        this.opts.timers.clearTimeout(timer)
        this.wakeUp = undefined
        resolve()
      }
    })
  }

  private wake(): void {
    this.wakeUp?.()
  }

  private goOffline(reason: string): void {
    const jobs = this.queue
    this.queue = []
    this.queuedApply = undefined
    for (const j of jobs) j.reject(new BillAcceptorError(BillAcceptorErrorCode.OFFLINE, reason))
    for (const w of this.modeWaiters.splice(0))
      w.reject(new BillAcceptorError(BillAcceptorErrorCode.OFFLINE, reason))
    if (!this.online) return
    this.online = false
    this.forgetMode()
    this.onOffline()
    this.emit({ type: 'offline', reason })
  }

  private onTransportClose(): void {
    this.failPending(new CommError('transport closed'))
    this.goOffline('transport closed')
    this.wake()
  }

  private failPending(err: Error): void {
    const p = this.pending
    if (!p) return
    this.pending = undefined
    this.opts.timers.clearTimeout(p.timer)
    p.reject(err)
  }

  private onData(chunk: Uint8Array): void {
    try {
      this.rx = concatBytes(this.rx, chunk)
      if (this.rx.length > RX_LIMIT) this.rx = this.rx.slice(this.rx.length - RX_LIMIT)
      for (;;) {
        const r = this.decodeFrame(this.rx)
        this.rx = r.rest
        this.stats.garbageBytes += r.skipped
        if (r.kind === 'incomplete') break
        if (r.kind === 'badChecksum') {
          this.stats.badChecksums++
          continue
        }
        this.stats.framesIn++
        const p = this.pending
        if (p && p.accept(r.frame)) {
          this.pending = undefined
          this.opts.timers.clearTimeout(p.timer)
          p.resolve(r.frame)
        } else {
          this.stats.unsolicited++
        }
      }
    } catch (err) {
      // garbage must never take the driver down; drop the buffer and resync on the next frame
      this.rx = new Uint8Array(0)
      this.opts.log?.warn({ err: errorMessage(err) }, 'undecodable input dropped')
    }
  }

  private requireEscrow(): NoteCycle {
    const c = this.cycle
    if (!c || c.phase !== 'escrow' || c.valueFen === undefined) {
      throw new BillAcceptorError(BillAcceptorErrorCode.NO_ESCROW, 'no note in escrow')
    }
    return c
  }

  protected startDecisionTimer(): void {
    this.clearDecisionTimer()
    this.decisionTimer = this.opts.timers.setTimeout(() => {
      this.decisionTimer = undefined
      const c = this.cycle
      if (!c || c.phase !== 'escrow' || c.stackSent) return
      this.opts.log?.info(
        { valueFen: c.valueFen },
        'no decision within the escrow window; returning the note',
      )
      this.enqueue(async () => {
        if (this.cycle === c && c.phase === 'escrow' && !c.stackSent) await this.sendReturn(c)
      }).catch(() => undefined)
    }, this.opts.escrowTimeoutMs)
  }

  protected clearDecisionTimer(): void {
    if (this.decisionTimer !== undefined) this.opts.timers.clearTimeout(this.decisionTimer)
    this.decisionTimer = undefined
  }

  /**
   * disable() is confirmed when no note is mid-cycle and the device reports DISABLED — or reports a
   * condition (jam, cashbox out, full, failure) under which it takes no notes either.
   */
  private settleModeWaiters(): void {
    if (this.cycle || this.modeWaiters.length === 0) return
    const blocked =
      this.jam !== undefined ||
      this.failure !== undefined ||
      this.cashboxOut ||
      this.stackerFullFlag
    const keep: typeof this.modeWaiters = []
    for (const w of this.modeWaiters) {
      if (
        w.mode === this.mode ||
        (w.mode === 'disabled' && blocked && this.desired.enabled === false)
      )
        w.resolve()
      else keep.push(w)
    }
    this.modeWaiters = keep
  }
}
