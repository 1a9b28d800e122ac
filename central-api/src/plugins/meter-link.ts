/** Starts the meter link (embedded broker unless MQTT_URL) with the app and stops it on close. */
import fp from 'fastify-plugin'
import type { Clock } from '@gridtill/shared'
import type { Config } from '../config.ts'
import { MeterLink } from '../meter-link/meter-link.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when the app was built without a meter link (some unit tests). */
    meterLink: MeterLink | null
  }
}

export const meterLinkPlugin = fp<{ config: Config; clock: Clock; enabled: boolean }>(
  async (app, opts) => {
    if (!opts.enabled) {
      app.decorate('meterLink', null)
      return
    }
    const link = new MeterLink({
      url: opts.config.mqttUrl,
      // The embedded broker has no authentication yet: loopback only; remote meters need MQTT_URL.
      host: '127.0.0.1',
      embeddedPort: opts.config.mqttPort,
      clientId: opts.config.mqttClientId,
      repo: app.repo,
      clock: opts.clock,
      log: app.log.child({ component: 'meter-link' }),
      metrics: app.metrics,
    })
    app.decorate('meterLink', link)
    // Stop before storage closes (onClose hooks run in reverse order of registration).
    app.addHook('onClose', () => link.stop())
    await link.start()
  },
  { name: 'meter-link', dependencies: ['storage'] },
)
