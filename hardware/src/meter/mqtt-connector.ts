/**
 * One MQTT client per meter, as a meter with its own modem would have. A persistent session
 * (clean: false, fixed client id) makes the broker queue QoS 1 tokens while the meter is offline
 * and deliver them after it reconnects; the retained status plus a last will tell the central
 * whether the meter is reachable.
 *
 * Made for 10 000 clients in one process: connects go through a gate (bounded concurrency,
 * jitter), reconnects back off exponentially with jitter (mqtt.js's own reconnect is a fixed
 * interval, which turns a broker restart into synchronized waves), and a meter subscribes only
 * when the broker has no session for it — not 10 000 SUBSCRIBEs after every broker blip.
 */
import { connect, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { meterTopic, type MeterStatus } from '@gridtill/shared'
import { ConnectGate, backoffMs } from './connect-gate.ts'
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
  /** First reconnect delay (ms); doubles per failed attempt up to maxReconnectMs. */
  reconnectPeriodMs?: number
  maxReconnectMs?: number
  keepaliveS?: number
  /** Connection attempts in flight at once, across all meters of this connector. */
  connectConcurrency?: number
  /** Random delay (0…ms) before each attempt. */
  connectJitterMs?: number
  username?: string
  password?: string
}

export class MqttConnector implements MeterConnector {
  private readonly gate: ConnectGate

  constructor(private readonly opts: MqttConnectorOptions) {
    this.gate = new ConnectGate({
      concurrency: opts.connectConcurrency ?? 64,
      jitterMs: opts.connectJitterMs ?? 10,
    })
  }

  connect(meterNo: string, handlers: MeterLinkHandlers): MeterConnection {
    return new MqttMeterConnection(meterNo, handlers, this.opts, this.gate)
  }
}

const status = (meterNo: string, online: boolean, at: number): string =>
  JSON.stringify({ meterNo, online, at } satisfies MeterStatus)

class MqttMeterConnection implements MeterConnection {
  private readonly client: MqttClient
  private readonly tokensTopic: string
  private readonly commandsTopic: string
  private closing = false
  private wasOnline = false
  /** Our SUBSCRIBE has been granted in this process (a kept session then needs no other). */
  private subscribed = false
  private attempt = 0
  private started = false
  private retryTimer: NodeJS.Timeout | undefined
  /** Ends the gate slot of the attempt under way. */
  private attemptDone: (() => void) | undefined
  private logger: Logger | undefined

  constructor(
    private readonly meterNo: string,
    private readonly handlers: MeterLinkHandlers,
    private readonly opts: MqttConnectorOptions,
    private readonly gate: ConnectGate,
  ) {
    this.tokensTopic = meterTopic(meterNo, 'tokens')
    this.commandsTopic = meterTopic(meterNo, 'commands')
    this.client = connect(opts.url, {
      clientId: `meter-${meterNo}`,
      clean: false,
      // We pace the first connect and every reconnect ourselves (gate + backoff).
      manualConnect: true,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: 30_000,
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
    this.client.on('connect', (connack) => this.onConnect(connack.sessionPresent))
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload))
    this.client.on('close', () => this.onClose())
    // Without an error listener an unreachable broker would crash the process.
    this.client.on('error', (err) => this.log().debug({ err: err.message }, 'meter link error'))
    this.schedule(0)
  }

  get connected(): boolean {
    return this.client.connected
  }

  async publish(leaf: OutboundLeaf, payload: unknown, qos: 0 | 1): Promise<void> {
    await this.client.publishAsync(meterTopic(this.meterNo, leaf), JSON.stringify(payload), { qos })
  }

  async close(): Promise<void> {
    this.closing = true
    clearTimeout(this.retryTimer)
    this.attemptDone?.()
    if (this.client.connected) {
      try {
        await this.client.publishAsync(
          meterTopic(this.meterNo, 'status'),
          status(this.meterNo, false, this.opts.now()),
          { qos: 1, retain: true },
        )
      } catch {
        // Going away anyway; the broker's view will be corrected by the next online status.
      }
    }
    // A clean DISCONNECT: the broker keeps the session (clean: false) and queues QoS 1 tokens.
    await this.client.endAsync(!this.client.connected)
  }

  private log(): Logger {
    // A child logger per meter costs memory × 10 000; make it only when there is something to say.
    return (this.logger ??= this.opts.log.child({ meterNo: this.meterNo }))
  }

  private schedule(delayMs: number): void {
    const go = () =>
      this.gate.enter((done) => {
        if (this.closing) return done()
        this.attemptDone = done
        if (this.started) this.client.reconnect()
        else {
          this.started = true
          this.client.connect()
        }
      })
    if (delayMs <= 0) go()
    else this.retryTimer = setTimeout(go, delayMs)
  }

  private onConnect(sessionPresent: boolean): void {
    // An ack is a small write right after the token's PUBACK: with Nagle on it waits for the
    // broker's delayed TCP ACK (~40 ms). Meters' modems do not batch like that either.
    const socket = this.client.stream as { setNoDelay?: (on: boolean) => void } | undefined
    socket?.setNoDelay?.(true)
    this.attemptDone?.()
    this.attemptDone = undefined
    this.attempt = 0
    this.wasOnline = true
    this.client.publish(
      meterTopic(this.meterNo, 'status'),
      status(this.meterNo, true, this.opts.now()),
      {
        qos: 1,
        retain: true,
      },
    )
    // A kept session still holds our subscriptions; a new one (first start, broker lost its
    // state) needs them again.
    if (!sessionPresent || !this.subscribed) {
      this.client.subscribe([this.tokensTopic, this.commandsTopic], { qos: 1 }, (err) => {
        if (err) this.log().error({ err }, 'meter subscribe failed')
        else this.subscribed = true
      })
    }
    this.handlers.onOnline?.()
  }

  private onMessage(topic: string, payload: Buffer): void {
    const leaf: InboundLeaf | undefined =
      topic === this.tokensTopic ? 'tokens' : topic === this.commandsTopic ? 'commands' : undefined
    if (leaf === undefined) return
    try {
      this.handlers.onMessage(leaf, payload)
    } catch (err) {
      // The PUBACK still goes out: a message that crashes the handler would crash it again on redelivery.
      this.log().error({ err, topic }, 'meter message handler failed')
    }
  }

  private onClose(): void {
    this.attemptDone?.()
    this.attemptDone = undefined
    if (this.closing) return
    if (this.wasOnline && this.attempt === 0) this.handlers.onOffline?.()
    clearTimeout(this.retryTimer)
    const delay = backoffMs(
      this.attempt++,
      this.opts.reconnectPeriodMs ?? 1_000,
      this.opts.maxReconnectMs ?? 60_000,
    )
    this.retryTimer = setTimeout(() => this.schedule(0), delay)
  }
}
