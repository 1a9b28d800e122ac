/**
 * Field operations at run time: heartbeats turned into alerts, the offline sweep on a timer (the
 * rule itself reads the injected clock, so tests drive it with sweep()), and the live feed the
 * console's WebSocket subscribes to. One instance per app (plugin.ts).
 */
import type { FastifyBaseLogger } from 'fastify'
import { uuidv7, type Clock, type HeartbeatRequest } from '@gridtill/shared'
import type { AlertChanges } from '../storage/field-ops-repository.ts'
import type { Repository } from '../storage/repository.ts'
import { HEARTBEAT_KINDS, heartbeatConditions, type AlertThresholds } from './alert-rules.ts'
import { alertView, kioskView, type AlertView, type KioskView, type LiveMessage } from './views.ts'

export interface FieldOpsOptions {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  thresholds: AlertThresholds
  /** Heartbeats and faults kept per kiosk. */
  historyLimit: number
}

export type LiveListener = (msg: LiveMessage) => void

export class FieldOpsService {
  private readonly listeners = new Set<LiveListener>()
  private timer: NodeJS.Timeout | null = null
  private sweeping: Promise<AlertChanges> | null = null

  constructor(private readonly o: FieldOpsOptions) {}

  get thresholds(): AlertThresholds {
    return this.o.thresholds
  }

  subscribe(fn: LiveListener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  get subscribers(): number {
    return this.listeners.size
  }

  publish(msg: LiveMessage): void {
    for (const fn of this.listeners) {
      try {
        fn(msg)
      } catch (err) {
        // One broken socket must not stop the others hearing about it.
        this.o.log.warn({ err }, 'field-ops live listener failed')
      }
    }
  }

  private newAlertId = () => uuidv7(this.o.clock.now())

  async heartbeat(kioskId: string, hb: HeartbeatRequest): Promise<AlertChanges> {
    const receivedAt = this.o.clock.now()
    const changes = await this.o.repo.recordHeartbeat({
      kioskId,
      heartbeat: hb,
      receivedAt,
      conditions: heartbeatConditions(hb, this.o.thresholds),
      decides: HEARTBEAT_KINDS,
      historyLimit: this.o.historyLimit,
      newAlertId: this.newAlertId,
    })
    this.publishAlerts(changes)
    if (this.listeners.size > 0) {
      const k = await this.kiosk(kioskId)
      if (k !== null) this.publish({ type: 'kiosk', kiosk: k })
    }
    return changes
  }

  /** The offline rule, once, at the clock's now; overlapping calls share one run. */
  sweep(): Promise<AlertChanges> {
    this.sweeping ??= (async () => {
      try {
        const changes = await this.o.repo.sweepOfflineKiosks(this.o.clock.now(), this.o.thresholds.offlineAfterMs, this.newAlertId)
        this.publishAlerts(changes)
        if (this.listeners.size > 0) {
          for (const id of new Set([...changes.raised, ...changes.cleared].map((a) => a.kioskId))) {
            const k = await this.kiosk(id)
            if (k !== null) this.publish({ type: 'kiosk', kiosk: k })
          }
        }
        return changes
      } finally {
        this.sweeping = null
      }
    })()
    return this.sweeping
  }

  private publishAlerts(changes: AlertChanges): void {
    for (const a of [...changes.cleared, ...changes.raised]) this.publish({ type: 'alert', alert: alertView(a) })
    const n = changes.raised.length + changes.cleared.length
    if (n > 0) this.o.log.info({ raised: changes.raised.map((a) => `${a.kioskId}:${a.kind}`), cleared: changes.cleared.map((a) => `${a.kioskId}:${a.kind}`) }, 'kiosk alerts changed')
  }

  /** Starts the offline sweep every intervalMs of real time (unref'd: it never holds the process up). */
  start(intervalMs: number): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.o.log.warn({ err }, 'kiosk offline sweep failed'))
    }, intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.listeners.clear()
    await this.sweeping?.catch(() => undefined)
  }

  // ── views ────────────────────────────────────────────────────────────────────────────────

  async fleet(): Promise<KioskView[]> {
    const [kiosks, open] = await Promise.all([this.o.repo.fleetHealth(), this.o.repo.listAlerts({ openOnly: true, kioskId: null, limit: 1000 })])
    const counts = new Map<string, number>()
    for (const a of open) counts.set(a.kioskId, (counts.get(a.kioskId) ?? 0) + 1)
    const now = this.o.clock.now()
    return kiosks.filter((k) => !k.revoked).map((k) => kioskView(k, now, this.o.thresholds.offlineAfterMs, counts.get(k.kioskId) ?? 0))
  }

  async kiosk(kioskId: string): Promise<KioskView | null> {
    const k = await this.o.repo.kioskHealth(kioskId)
    if (k === null) return null
    const open = await this.o.repo.listAlerts({ openOnly: true, kioskId, limit: 1000 })
    return kioskView(k, this.o.clock.now(), this.o.thresholds.offlineAfterMs, open.length)
  }

  async openAlerts(): Promise<AlertView[]> {
    return (await this.o.repo.listAlerts({ openOnly: true, kioskId: null, limit: 500 })).map(alertView)
  }
}
