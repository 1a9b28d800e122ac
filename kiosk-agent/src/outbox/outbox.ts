import type { Logger } from 'pino'
import type { Clock, VendResponse } from '@gridtill/shared'
import { CentralError } from '../central-client/central-client.ts'
import type { Journal, VendRecord } from '../journal/journal.ts'
import { crashPoint } from '../sim-panel/crash-points.ts'

export type OutboxOutcome =
  | { state: 'done'; response: VendResponse }
  | { state: 'failed'; code: string; message: string }

export interface OutboxStats {
  /** Sum and count of journal-to-answer times of vends delivered since start (Prometheus summary). */
  deliverySecondsSum: number
  deliveryCount: number
  depth: number
  oldestAgeMs: number | null
  lastSyncAt: number | null
  lastError: string | null
  failed: number
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface OutboxOptions {
  journal: Journal
  /** Posts the journaled request text as is (the central compares bodies for a repeated id). */
  post: (requestJson: string) => Promise<VendResponse>
  clock: Clock
  log: Logger
  baseDelayMs?: number
  maxDelayMs?: number
  random?: () => number
  timers?: Timers
}

const LAST_SYNC_KEY = 'outbox.lastSyncAt'

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/**
 * Delivers journaled vends to the central, with the vend's own id on every retry, until the central
 * answers for good (DESIGN.md, Exactly once). One attempt in flight per vend; exponential backoff
 * with jitter between attempts, capped. Nothing here ever drops a vend: only 2xx, 400 and 422 end it.
 */
export class Outbox {
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly random: () => number
  private readonly timers: Timers
  private readonly scheduled = new Map<string, unknown>()
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly waiters = new Map<string, ((o: OutboxOutcome) => void)[]>()
  private readonly listeners = new Set<() => void>()
  private running = false
  private lastSyncAt: number | null = null
  private lastError: string | null = null
  private deliveryMsSum = 0
  private deliveryCount = 0

  constructor(private readonly o: OutboxOptions) {
    this.baseDelayMs = o.baseDelayMs ?? 1000
    this.maxDelayMs = o.maxDelayMs ?? 30_000
    this.random = o.random ?? Math.random
    this.timers = o.timers ?? realTimers
    const saved = Number(o.journal.getMeta(LAST_SYNC_KEY))
    this.lastSyncAt = Number.isSafeInteger(saved) && saved > 0 ? saved : null
  }

  /**
   * The central answered a delivery for good (a vend here, or a collection or service event in
   * the ops outbox): the service view's "last sync". Kept in the journal so a restart shows it.
   */
  markSynced(): void {
    this.lastSyncAt = this.o.clock.now()
    try {
      this.o.journal.setMeta(LAST_SYNC_KEY, String(this.lastSyncAt))
    } catch (err) {
      this.o.log.warn({ err }, 'last sync time not journaled')
    }
  }

  /** Resumes every vend journaled but not yet answered (after a restart or a crash). */
  start(): void {
    this.running = true
    for (const v of this.o.journal.undeliveredVends()) this.schedule(v.vendId, 0)
  }

  /** Stops scheduling; lets attempts in flight finish so their answers are journaled. */
  async stop(): Promise<void> {
    this.running = false
    for (const h of this.scheduled.values()) this.timers.clearTimeout(h)
    this.scheduled.clear()
    await Promise.allSettled([...this.inFlight.values()])
  }

  /** Hands a freshly journaled vend over; the first attempt goes out at once. */
  enqueue(vendId: string): void {
    this.schedule(vendId, 0)
    this.changed()
  }

  /** Retries everything now (staff "sync" button). */
  kick(): void {
    for (const v of this.o.journal.undeliveredVends()) this.schedule(v.vendId, 0)
  }

  /** Resolves once the vend is done or failed; it may already be. */
  waitFor(vendId: string): Promise<OutboxOutcome> {
    const v = this.o.journal.getVend(vendId)
    if (!v) return Promise.reject(new Error(`unknown vend ${vendId}`))
    const settled = outcomeOf(v)
    if (settled) return Promise.resolve(settled)
    return new Promise((resolve) => {
      const list = this.waiters.get(vendId) ?? []
      list.push(resolve)
      this.waiters.set(vendId, list)
    })
  }

  stats(): OutboxStats {
    const s = this.o.journal.outboxStats()
    return {
      depth: s.depth,
      oldestAgeMs: s.oldestCreatedAt === null ? null : Math.max(0, this.o.clock.now() - s.oldestCreatedAt),
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      failed: s.failed,
      deliverySecondsSum: this.deliveryMsSum / 1000,
      deliveryCount: this.deliveryCount,
    }
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The wait before attempt n+1 after n failures: 2^n × base, capped, with ±25 % jitter. */
  backoffMs(failures: number): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failures - 1))
    const jittered = exp * (0.75 + this.random() * 0.5)
    return Math.round(Math.min(this.maxDelayMs, jittered))
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try {
        l()
      } catch (err) {
        this.o.log.error({ err }, 'outbox listener failed')
      }
    }
  }

  private schedule(vendId: string, delayMs: number): void {
    if (!this.running) return
    if (this.inFlight.has(vendId)) return
    const existing = this.scheduled.get(vendId)
    if (existing !== undefined) {
      if (delayMs > 0) return
      this.timers.clearTimeout(existing)
    }
    const handle = this.timers.setTimeout(() => {
      this.scheduled.delete(vendId)
      const p = this.attempt(vendId).finally(() => this.inFlight.delete(vendId))
      this.inFlight.set(vendId, p)
    }, delayMs)
    this.scheduled.set(vendId, handle)
  }

  private async attempt(vendId: string): Promise<void> {
    const vend = this.o.journal.getVend(vendId)
    if (!vend || outcomeOf(vend)) return
    const log = this.o.log.child({ vendId, sessionId: vend.sessionId })
    // Counted before the send: from now on the central may hold this id, so only this id may be used.
    this.o.journal.markVendAttempt(vendId, vend.lastError)
    let outcome: OutboxOutcome | null = null
    let retryWhy: string | null = null
    try {
      const response = await this.o.post(vend.requestJson)
      crashPoint('posted')
      if (response.vendId !== vendId) throw new CentralError(502, 'ERR_CENTRAL_BAD_RESPONSE', `answer for ${response.vendId}`)
      this.o.journal.markVendDone(vendId, response)
      outcome = { state: 'done', response }
      this.deliveryMsSum += Math.max(0, this.o.clock.now() - vend.createdAt)
      this.deliveryCount += 1
      log.info({ amountFen: vend.amountFen, receiptNo: response.receiptNo, attempts: vend.attempts + 1 }, 'vend delivered')
    } catch (err) {
      const e = err instanceof CentralError ? err : new CentralError(0, 'ERR_INTERNAL', String(err))
      if (e.status === 422 || e.status === 400) {
        this.o.journal.markVendFailed(vendId, e.code, e.message)
        outcome = { state: 'failed', code: e.code, message: e.message }
        // The money stays recorded as owed; field staff see it in service mode.
        log.error({ amountFen: vend.amountFen, code: e.code, status: e.status }, 'vend refused by the central; money owed')
      } else {
        retryWhy = `${e.code}: ${e.message}`
        this.o.journal.setVendLastError(vendId, retryWhy)
        log.warn({ code: e.code, status: e.status, attempts: vend.attempts + 1 }, 'vend not delivered yet; will retry')
      }
    }
    // Only an answer is a sync; an attempt the central never answered is not.
    if (outcome) this.markSynced()
    this.lastError = retryWhy
    if (outcome) {
      const list = this.waiters.get(vendId) ?? []
      this.waiters.delete(vendId)
      for (const w of list) w(outcome)
    } else {
      const failures = (this.o.journal.getVend(vendId)?.attempts ?? 1)
      this.inFlight.delete(vendId)
      this.schedule(vendId, this.backoffMs(failures))
    }
    this.changed()
  }
}

function outcomeOf(v: VendRecord): OutboxOutcome | null {
  if (v.state === 'done' && v.response) return { state: 'done', response: v.response }
  if (v.state === 'failed') return { state: 'failed', code: v.failedCode ?? 'ERR_INTERNAL', message: v.lastError ?? '' }
  return null
}
