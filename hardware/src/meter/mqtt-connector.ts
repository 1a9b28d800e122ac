/**
 * One MQTT client per meter, as a meter with its own modem would have. A persistent session
 * (clean: false, fixed client id) makes the broker queue QoS 1 tokens while the meter is offline
 * and deliver them after it reconnects; the retained status plus a last will tell the central
 * whether the meter is reachable.
 */
import { connect, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { meterTopic, type MeterStatus } from '@gridtill/shared'
import type {
  InboundLeaf,
  MeterConnection,
  MeterConnector,
  MeterLinkHandlers,
  OutboundLeaf,
} from './connection.ts'

export interface MqttConnectorOptions {
  url: string
  log: Logger
  now: () => number
  /** ms between reconnect attempts. */
  reconnectPeriodMs?: number
  keepaliveS?: number
  username?: string
  password?: string
}

export class MqttConnector implements MeterConnector {
  constructor(private readonly opts: MqttConnectorOptions) {}

  connect(meterNo: string, handlers: MeterLinkHandlers): MeterConnection {
    return new MqttMeterConnection(meterNo, handlers, this.opts)
  }
}

const status = (meterNo: string, online: boolean, at: number): string =>
  JSON.stringify({ meterNo, online, at } satisfies MeterStatus)

class MqttMeterConnection implements MeterConnection {
  private readonly client: MqttClient
  private readonly tokensTopic: string
  private readonly commandsTopic: string
  private closing = false

  constructor(
    private readonly meterNo: string,
    handlers: MeterLinkHandlers,
    private readonly opts: MqttConnectorOptions,
  ) {
    this.tokensTopic = meterTopic(meterNo, 'tokens')
    this.commandsTopic = meterTopic(meterNo, 'commands')
    const log = opts.log.child({ meterNo })
    this.client = connect(opts.url, {
      clientId: `meter-${meterNo}`,
      clean: false,
      reconnectPeriod: opts.reconnectPeriodMs ?? 2_000,
      connectTimeout: 10_000,
      keepalive: opts.keepaliveS ?? 60,
      // Readings taken while offline are dropped rather than replayed in a burst after reconnect.
      queueQoSZero: false,
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      // The will's `at` is the connect time: the broker sends it unchanged whenever the link dies.
      will: {
        topic: meterTopic(meterNo, 'status'),
        payload: Buffer.from(status(meterNo, false, opts.now())),
        qos: 1,
        retain: true,
      },
    })
    this.client.on('connect', (connack) => {
      log.debug({ sessionPresent: connack.sessionPresent }, 'meter link up')
      this.client.publish(meterTopic(meterNo, 'status'), status(meterNo, true, opts.now()), {
        qos: 1,
        retain: true,
      })
      // Subscribing again is harmless when the broker kept the session, and repairs it when it did not.
      this.client.subscribe([this.tokensTopic, this.commandsTopic], { qos: 1 }, (err) => {
        if (err) log.error({ err }, 'meter subscribe failed')
      })
      handlers.onOnline?.()
    })
    this.client.on('message', (topic, payload) => {
      const leaf: InboundLeaf | undefined =
        topic === this.tokensTopic
          ? 'tokens'
          : topic === this.commandsTopic
            ? 'commands'
            : undefined
      if (leaf === undefined) return
      try {
        handlers.onMessage(leaf, payload)
      } catch (err) {
        // The PUBACK still goes out: a message that crashes the handler would crash it again on redelivery.
        log.error({ err, topic }, 'meter message handler failed')
      }
    })
    this.client.on('offline', () => {
      if (!this.closing) handlers.onOffline?.()
    })
    // Without an error listener an unreachable broker would crash the process.
    this.client.on('error', (err) => log.warn({ err: err.message }, 'meter link error'))
  }

  get connected(): boolean {
    return this.client.connected
  }

  async publish(leaf: OutboundLeaf, payload: unknown, qos: 0 | 1): Promise<void> {
    await this.client.publishAsync(meterTopic(this.meterNo, leaf), JSON.stringify(payload), { qos })
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.client.connected) {
      try {
        await this.client.publishAsync(
          meterTopic(this.meterNo, 'status'),
          status(this.meterNo, false, this.opts.now()),
          {
            qos: 1,
            retain: true,
          },
        )
      } catch {
        // Going away anyway; the broker's view will be corrected by the next online status.
      }
    }
    // A clean DISCONNECT: the broker keeps the session (clean: false) and queues QoS 1 tokens.
    await this.client.endAsync(!this.client.connected)
  }
}
