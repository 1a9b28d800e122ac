/**
 * Decorates `app.fieldOps` (the alert rules, the offline sweep's timer, the live feed) and makes
 * sure @fastify/websocket is there for the console's live socket. Registered once in app.ts at the
 * root (tests and the timer need app.fieldOps), before the API's routes.
 */
import websocket from '@fastify/websocket'
import fp from 'fastify-plugin'
import { DEFAULT_THRESHOLDS, type AlertThresholds } from './alert-rules.ts'
import { FieldOpsService } from './service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    fieldOps: FieldOpsService
  }
}

export interface FieldOpsPluginOptions {
  thresholds?: Partial<AlertThresholds>
  /** How often (real time) the offline rule is evaluated; the rule itself reads the injected clock. */
  sweepIntervalMs?: number
  historyLimit?: number
}

export const fieldOpsPlugin = fp<FieldOpsPluginOptions>(
  async (app, opts) => {
    // Registered here unless the app already has it (a plugin elsewhere may register it first).
    if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: 16 * 1024 } })
    const offlineMin = app.config.kioskOfflineAfterMin
    const thresholds: AlertThresholds = {
      ...DEFAULT_THRESHOLDS,
      ...(offlineMin === undefined ? {} : { offlineAfterMs: offlineMin * 60_000 }),
      ...opts.thresholds,
    }
    const service = new FieldOpsService({ repo: app.repo, clock: app.clock, log: app.log, thresholds, historyLimit: opts.historyLimit ?? 500 })
    app.decorate('fieldOps', service)
    const interval = opts.sweepIntervalMs ?? Math.min(15_000, Math.max(1_000, Math.floor(thresholds.offlineAfterMs / 4)))
    app.addHook('onReady', () => {
      service.start(interval)
      return Promise.resolve()
    })
    app.addHook('onClose', () => service.stop())
  },
  { name: 'field-ops', dependencies: ['storage'] },
)
