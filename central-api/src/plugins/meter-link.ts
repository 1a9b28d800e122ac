/** Starts the meter link (embedded broker unless MQTT_URL) with the app and stops it on close. */
import fp from 'fastify-plugin'
import type { Clock } from '@gridtill/shared'
import type { Config } from '../config.ts'
import { MeterControl } from '../meter-link/meter-control.ts'
import { MeterLink } from '../meter-link/meter-link.ts'
import { LogNotifier, type Notifier } from '../notifications/notifier.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when the app was built without a meter link (some unit tests). */
    meterLink: MeterLink | null
    /** Remote control: queues commands; the meter link (when there is one) publishes them. */
    meterControl: MeterControl
  }
}

export const meterLinkPlugin = fp<{ config: Config; clock: Clock; enabled: boolean; notifier?: Notifier }>(
  async (app, opts) => {
    let link: MeterLink | null = null
    app.decorate(
      'meterControl',
      new MeterControl({ repo: app.repo, securityModule: app.securityModule, clock: opts.clock, onQueued: () => link?.commands.kick() }),
    )
    if (!opts.enabled) {
      app.decorate('meterLink', null)
      return
    }
    link = new MeterLink({
      url: opts.config.mqttUrl,
      // The embedded broker has no authentication yet: loopback only; remote meters need MQTT_URL.
      host: '127.0.0.1',
      embeddedPort: opts.config.mqttPort,
      clientId: opts.config.mqttClientId,
      repo: app.repo,
      clock: opts.clock,
      log: app.log.child({ component: 'meter-link' }),
      metrics: app.metrics,
      // The default keeps alerts in storage for the console and logs them; an SMS gateway plugs in here.
      notifier: opts.notifier ?? new LogNotifier(app.log.child({ component: 'notifications' })),
      lowCredit: opts.config.lowCreditDays === undefined ? {} : { thresholdDays: opts.config.lowCreditDays },
    })
    app.decorate('meterLink', link)
    // Stop before storage closes (onClose hooks run in reverse order of registration).
    app.addHook('onClose', () => link.stop())
    await link.start()
  },
  { name: 'meter-link', dependencies: ['storage'] },
)
