import type { Logger } from 'pino'
import { CentralError } from '../central-client/central-client.ts'
import type { OpsItem } from '../journal/journal.ts'
import type { Timers } from './outbox.ts'

/**
 * One kind of kiosk operation the central records (collections, service events): where its
 * journaled rows come from and where each answer goes. Bodies are journaled text, posted as is.
 */
export interface OpsChannel {
  name: 'collection' | 'serviceEvent'
  pending(): OpsItem[]
  post(body: string): Promise<unknown>
  /** An attempt that must be repeated, and why. */
  attempted(id: string, lastError: string): void
  posted(id: string, answer: unknown): void
  failed(id: string, code: string, message: string): void
}

export interface OpsOutboxOptions {
  channels: OpsChannel[]
  log: Logger
  /** Told whenever the central answered a delivery for good (the service view's "last sync"). */
  onAnswered?: () => void
  onChange?: () => void
  baseDelayMs?: number
  maxDelayMs?: number
  random?: () => number
  timers?: Timers
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/**
 * Whether an error answer is a verdict on this body (give up, show it) or about the moment (retry
 * with the same id). Per the contract: network, 5xx and 409 (in flight) retry; 422 and the other
 * 4xx are verdicts. Exceptions that are about the request's envelope, not its content: a 404 with
 * no error code (the central does not have the route yet), 408, 429, and a signature refused only
 * for clock skew or a replayed nonce.
 */
export function isVerdict(e: CentralError): boolean {
  if (!e.answered || e.status >= 500 || e.status === 409) return false
  if (e.status === 404 && !e.code.startsWith('ERR_')) return false
  if (e.status === 408 || e.status === 429) return false
  if (e.status === 401 && (e.code === 'ERR_AUTH_CLOCK_SKEW' || e.code === 'ERR_AUTH_REPLAYED_NONCE')) return false
  return e.status >= 400 && e.status < 500
}

/**
 * The durable retry path for collections and service events: rows live in the journal (written in
 * the same transaction as the fact), go out oldest first with their own id on every attempt, and
 * stay until the central answers. One pass at a time; a pass that meets an unreachable central
 * stops and waits with capped, jittered backoff, so an offline kiosk never floods the network.
 */
export class OpsOutbox {
  private readonly timers: Timers
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly random: () => number
  private timer: unknown = undefined
  private running = false
  private pass: Promise<void> | null = null
  private again = false
  private failures = 0
  lastError: string | null = null

  constructor(private readonly o: OpsOutboxOptions) {
    this.timers = o.timers ?? realTimers
    this.baseDelayMs = o.baseDelayMs ?? 1000
    this.maxDelayMs = o.maxDelayMs ?? 60_000
    this.random = o.random ?? Math.random
  }

  start(): void {
    this.running = true
    this.kick()
  }

  async stop(): Promise<void> {
    this.running = false
    this.timers.clearTimeout(this.timer)
    await this.pass
  }

  /** Sends what is pending now (a new row, or the staff's forced sync). */
  kick(): void {
    if (!this.running) return
    if (this.pass) {
      this.again = true
      return
    }
    this.timers.clearTimeout(this.timer)
    this.timer = undefined
    this.pass = this.runPass().finally(() => {
      this.pass = null
      if (!this.running) return
      if (this.again) {
        this.again = false
        this.kick()
      }
    })
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.pass) await this.pass
  }

  pendingCount(): number {
    return this.o.channels.reduce((n, c) => n + c.pending().length, 0)
  }

  backoffMs(failures: number): number {
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failures - 1))
    return Math.round(Math.min(this.maxDelayMs, exp * (0.75 + this.random() * 0.5)))
  }

  private async runPass(): Promise<void> {
    let retry: string | null = null
    for (const ch of this.o.channels) {
      for (const item of ch.pending()) {
        if (!this.running) return
        const outcome = await this.deliver(ch, item)
        if (outcome !== null) {
          retry = outcome
          // The central is away or busy: this channel's later rows would meet the same; keep the order.
          break
        }
      }
    }
    this.lastError = retry
    if (retry === null) {
      this.failures = 0
    } else if (this.running) {
      this.failures++
      this.timer = this.timers.setTimeout(() => this.kick(), this.backoffMs(this.failures))
    }
    this.o.onChange?.()
  }

  /** null when the central answered for good; otherwise why it must be tried again. */
  private async deliver(ch: OpsChannel, item: OpsItem): Promise<string | null> {
    const log = this.o.log.child({ [ch.name === 'collection' ? 'cycleId' : 'eventId']: item.id })
    if (item.requestJson === null) {
      ch.failed(item.id, 'ERR_VALIDATION', 'no body to send')
      return null
    }
    try {
      const answer = await ch.post(item.requestJson)
      ch.posted(item.id, answer)
      this.o.onAnswered?.()
      log.info({ attempts: item.attempts + 1 }, `${ch.name} posted`)
      return null
    } catch (err) {
      const e = err instanceof CentralError ? err : new CentralError(0, 'ERR_INTERNAL', String(err))
      if (isVerdict(e)) {
        ch.failed(item.id, e.code, e.message)
        this.o.onAnswered?.()
        log.error({ status: e.status, code: e.code, msg: e.message }, `${ch.name} refused by the central`)
        return null
      }
      const why = `${e.status || 'network'} ${e.code}: ${e.message}`
      ch.attempted(item.id, why)
      log.warn({ status: e.status, code: e.code, attempts: item.attempts + 1 }, `${ch.name} not delivered yet; will retry`)
      return why
    }
  }
}
