/**
 * The delivery outbox worker: publishes each pending token delivery to its meter and publishes it
 * again, with exponential backoff, until the meter acknowledges it (DESIGN.md, The meter link).
 * The attempt is recorded before the publish, so a crash can only cause one extra publish, and a
 * meter answers a repeated token with USED, which the ack handler treats as delivered. Several
 * central instances share one outbox: each claims due rows the others are not holding.
 */
import { randomInt } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock, TokenDelivery } from '@gridtill/shared'
import type { DeliveryRecord, Repository } from '../storage/repository.ts'

export const BACKOFF_BASE_MS = 2_000
export const BACKOFF_CAP_MS = 60_000
const BATCH = 100
/** The longest the worker sleeps before looking again (it is also woken on each vend). */
const IDLE_POLL_MS = 1_000
const MIN_POLL_MS = 20

/** Delay before attempt n+1 after n attempts: 2 s, 4 s, 8 s … capped at 60 s, with ±10 % jitter. */
export function backoffMs(attempts: number, jitter: (spread: number) => number = (s) => randomInt(-s, s + 1)): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.max(BACKOFF_BASE_MS / 2, base + jitter(Math.floor(base / 10)))
}

export interface DeliveryWorkerDeps {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  connected: () => boolean
  publish: (meterNo: string, message: TokenDelivery) => Promise<void>
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null
  private running = false
  /** Passes run one after another, whoever asks (the timer loop, a kick, a test). */
  private chain: Promise<unknown> = Promise.resolve()
  private looping = false
  private again = false

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  start(): void {
    this.running = true
    this.schedule(0)
  }

  /** Look now (a vend just committed, or the link came up). */
  kick(): void {
    if (!this.running) return
    if (this.looping) this.again = true
    else this.schedule(0)
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
  }

  private async pass(): Promise<number> {
    if (!this.deps.connected()) return 0
    const now = this.deps.clock.now()
    // Claimed (attempt recorded, next attempt scheduled) before publishing; another central
    // instance sharing the outbox skips rows claimed here.
    const claimed = await this.deps.repo.claimDueDeliveries(now, BATCH, (attempts) => backoffMs(attempts))
    for (const d of claimed) await this.publish(d, now)
    return claimed.length
  }

  private async publish(d: DeliveryRecord, now: number): Promise<void> {
    const log = this.deps.log.child({ deliveryId: d.id, vendId: d.vendId, meterNo: d.meterNo })
    try {
      await this.deps.publish(d.meterNo, { deliveryId: d.id, tokens: d.tokens, sentAt: now })
      log.debug({ attempts: d.attempts }, 'token delivery published')
    } catch (err) {
      log.warn({ attempts: d.attempts, err: err instanceof Error ? err.message : String(err) }, 'token delivery publish failed; will retry')
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
      const next = this.deps.connected() ? await this.deps.repo.nextDueAt() : null
      // Never spin: a due-but-unpublishable delivery (broker down) waits for the idle poll.
      if (next !== null) delay = Math.min(IDLE_POLL_MS, Math.max(MIN_POLL_MS, next - this.deps.clock.now()))
    } catch (err) {
      this.deps.log.error({ err }, 'delivery worker pass failed')
    } finally {
      this.looping = false
    }
    this.schedule(this.again ? 0 : delay)
  }
}
