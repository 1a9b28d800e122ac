import type { Logger } from 'pino'
import type { Clock, DevicesView, HeartbeatFault, HeartbeatRequest } from '@gridtill/shared'
import { CentralError } from '../central-client/central-client.ts'

export interface HeartbeatDeps {
  clock: Clock
  log: Logger
  intervalMs: number
  /** Everything but the faults, read when the heartbeat goes out. */
  state: () => Omit<HeartbeatRequest, 'faults' | 'sentAt'>
  send: (body: HeartbeatRequest) => Promise<void>
  /** Fault heartbeats come at most this often (a flapping device must not flood the central). Default 2 s. */
  minGapMs?: number
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void }
}

const MAX_FAULTS = 50

/**
 * The kiosk's heartbeat: its state every `intervalMs`, and at once when a device turns faulty.
 * Faults queue until a heartbeat carrying them is answered, so one seen offline still reaches the
 * central; the queue keeps the newest 50. A central without the route (404) is logged once.
 */
export class Heartbeat {
  private readonly faults: HeartbeatFault[] = []
  private timer: unknown
  private running = false
  private inFlight: Promise<void> | null = null
  private again = false
  private missingRouteLogged = false
  private lastHealth = new Map<string, string>()
  private lastFaultBeatAt = Number.NEGATIVE_INFINITY
  sent = 0
  lastError: string | null = null
  private readonly timers: NonNullable<HeartbeatDeps['timers']>

  constructor(private readonly d: HeartbeatDeps) {
    this.timers = d.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }
  }

  start(): void {
    this.running = true
    this.beat()
  }

  async stop(): Promise<void> {
    this.running = false
    this.timers.clearTimeout(this.timer)
    await this.inFlight
  }

  /** The devices as the screens see them; a device newly not ok is a fault, sent now. */
  devicesChanged(devices: DevicesView): void {
    let fresh = false
    const entries: [HeartbeatFault['device'], HeartbeatFault['health'], string][] = [
      ['acceptor', devices.acceptor.health, devices.acceptor.stackerFull ? 'stackerFull' : !devices.acceptor.cashboxPresent ? 'cashboxRemoved' : devices.acceptor.health],
      ['printer', devices.printer.health, devices.printer.paper === 'out' ? 'paperOut' : devices.printer.coverOpen ? 'coverOpen' : devices.printer.health],
      ['reader', devices.reader.health, devices.reader.health],
    ]
    for (const [device, health, code] of entries) {
      const key = `${health}:${code}`
      if (this.lastHealth.get(device) === key) continue
      this.lastHealth.set(device, key)
      if (health === 'ok' || health === 'disabled') continue
      this.faults.push({ at: new Date(this.d.clock.now()).toISOString(), device, health, code })
      if (this.faults.length > MAX_FAULTS) this.faults.splice(0, this.faults.length - MAX_FAULTS)
      fresh = true
    }
    if (fresh && this.running) this.beatSoon()
  }

  /** A fault's heartbeat: now, or as soon as the minimum gap since the last one allows. */
  private beatSoon(): void {
    if (this.inFlight) {
      this.again = true
      return
    }
    const waitMs = this.lastFaultBeatAt + (this.d.minGapMs ?? 2_000) - this.d.clock.now()
    const go = () => {
      this.lastFaultBeatAt = this.d.clock.now()
      this.beat()
    }
    if (waitMs <= 0) {
      go()
      return
    }
    this.timers.clearTimeout(this.timer)
    this.timer = this.timers.setTimeout(go, waitMs)
  }

  get queuedFaults(): number {
    return this.faults.length
  }

  /** Sends one heartbeat now (one at a time; a request made meanwhile follows right after). */
  beat(): void {
    if (this.inFlight) {
      this.again = true
      return
    }
    this.timers.clearTimeout(this.timer)
    this.inFlight = this.once().finally(() => {
      this.inFlight = null
      if (!this.running) return
      if (this.again) {
        this.again = false
        this.beatSoon()
      } else {
        this.timer = this.timers.setTimeout(() => this.beat(), this.d.intervalMs)
      }
    })
  }

  private async once(): Promise<void> {
    const carried = this.faults.slice()
    const body: HeartbeatRequest = { ...this.d.state(), sentAt: new Date(this.d.clock.now()).toISOString(), faults: carried }
    try {
      await this.d.send(body)
      this.faults.splice(0, carried.length)
      this.sent++
      this.lastError = null
    } catch (err) {
      if (err instanceof CentralError && err.status === 404) {
        // The central does not have the route yet: the faults stay in the log, not in a queue that grows.
        this.faults.splice(0, carried.length)
        if (!this.missingRouteLogged) this.d.log.debug('central has no heartbeat route yet (404); carrying on')
        this.missingRouteLogged = true
        return
      }
      this.lastError = err instanceof Error ? err.message : String(err)
      this.d.log.debug({ err: this.lastError, queuedFaults: this.faults.length }, 'heartbeat not delivered; faults kept for the next one')
    }
  }
}
