/**
 * Drains a durable outbox to the meters: claims what is due (the attempt recorded and the next one
 * scheduled with backoff, in the same write), publishes it, and looks again when the next row is
 * due or when kicked. A row whose first attempt its producer recorded itself goes out through
 * publishNow, with no claim. The token deliveries and the remote commands are two outboxes on this
 * loop. Several central instances share an outbox: each claims due rows the others are not holding.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '@gridtill/shared'

const BATCH = 100
/** The longest the worker sleeps before looking again (it is also woken on each new row). */
const IDLE_POLL_MS = 1_000
const MIN_POLL_MS = 20

export interface OutboxWorkerDeps<T> {
  clock: Clock
  log: FastifyBaseLogger
  connected: () => boolean
  claimDue: (now: number, limit: number) => Promise<T[]>
  nextDueAt: () => Promise<number | null>
  /** Publishes one claimed row; a failure is logged and the row waits for its next attempt. */
  publish: (row: T, now: number) => Promise<void>
  /** Log fields that name a row. */
  describe: (row: T) => Record<string, unknown>
  what: string
}

export class OutboxWorker<T extends { attempts: number }> {
  private timer: NodeJS.Timeout | null = null
  private running = false
  /** Passes run one after another, whoever asks (the timer loop, a kick, a test). */
  private chain: Promise<unknown> = Promise.resolve()
  private looping = false
  private again = false
  /** publishNow calls awaiting their PUBACK (stop() lets them finish). */
  private readonly direct = new Set<Promise<void>>()

  constructor(private readonly deps: OutboxWorkerDeps<T>) {}

  start(): void {
    this.running = true
    this.schedule(0)
  }

  /** Look now (a row was just committed, or the link came up). */
  kick(): void {
    if (!this.running) return
    if (this.looping) this.again = true
    else this.schedule(0)
  }

  /**
   * Publishes a row whose attempt is already recorded (a vend's delivery, written with attempts = 1
   * and its next attempt scheduled in the vend's transaction), now, outside the passes: it needs no
   * claim, and must not queue behind a pass waiting for its PUBACKs. Not connected (or stopped):
   * nothing to do, the row falls due at its next attempt and a pass publishes it.
   */
  publishNow(row: T): Promise<void> {
    if (!this.running || !this.deps.connected()) return Promise.resolve()
    const p = this.publishOne(row, this.deps.clock.now()).finally(() => this.direct.delete(p))
    this.direct.add(p)
    return p
  }

  /** One pass over what is due; resolves with the number published (tests await it). */
  runOnce(): Promise<number> {
    const run = this.chain.then(() => this.pass())
    this.chain = run.catch(() => undefined)
    return run
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.chain
    await Promise.all(this.direct)
  }

  private async pass(): Promise<number> {
    if (!this.deps.connected()) return 0
    const now = this.deps.clock.now()
    const claimed = await this.deps.claimDue(now, BATCH)
    // Published concurrently: each waits for its PUBACK, and one slow PUBACK must not hold the rest.
    await Promise.all(claimed.map((row) => this.publishOne(row, now)))
    return claimed.length
  }

  private async publishOne(row: T, now: number): Promise<void> {
    try {
      await this.deps.publish(row, now)
      this.deps.log.debug({ ...this.deps.describe(row), attempts: row.attempts }, `${this.deps.what} published`)
    } catch (err) {
      this.deps.log.warn({ ...this.deps.describe(row), attempts: row.attempts, err: err instanceof Error ? err.message : String(err) }, `${this.deps.what} publish failed; will retry`)
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      void this.loop()
    }, delayMs)
    this.timer.unref()
  }

  private async loop(): Promise<void> {
    this.looping = true
    this.again = false
    let delay = IDLE_POLL_MS
    try {
      await this.runOnce()
      const next = this.deps.connected() ? await this.deps.nextDueAt() : null
      // Never spin: a due-but-unpublishable row (broker down) waits for the idle poll.
      if (next !== null) delay = Math.min(IDLE_POLL_MS, Math.max(MIN_POLL_MS, next - this.deps.clock.now()))
    } catch (err) {
      this.deps.log.error({ err }, `${this.deps.what} worker pass failed`)
    } finally {
      this.looping = false
    }
    this.schedule(this.again ? 0 : delay)
  }
}
