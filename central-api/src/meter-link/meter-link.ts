/**
 * The central's end of the meter link: an MQTT client (QoS 1, persistent session) on the embedded
 * broker or MQTT_URL, the inbound handlers, the delivery outbox worker, the command outbox worker
 * and the low-credit monitor.
 */
import type { FastifyBaseLogger } from 'fastify'
import mqtt, { type MqttClient } from 'mqtt'
import { METER_TOPIC_WILDCARD, meterTopic, type Clock, type TokenDelivery } from '@gridtill/shared'
import type { Metrics } from '../plugins/metrics.ts'
import type { Repository } from '../storage/repository.ts'
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.ts'
import { LowCreditMonitor, type LowCreditOptions } from '../notifications/low-credit.ts'
import type { Notifier } from '../notifications/notifier.ts'
import { commandWorker, type CommandMessage, type CommandWorker } from './command-worker.ts'
import { deliveryWorker, type DeliveryWorker } from './delivery-worker.ts'
import { handleMeterMessage, type InboundContext } from './inbound.ts'

export interface MeterLinkOptions {
  /** External broker; undefined starts the embedded one on host:embeddedPort. */
  url: string | undefined
  host: string
  embeddedPort: number
  clientId: string
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  metrics: Metrics
  notifier: Notifier
  lowCredit?: LowCreditOptions
}

const PUBACK_TIMEOUT_MS = 10_000
const SUBSCRIPTIONS = [METER_TOPIC_WILDCARD('acks'), METER_TOPIC_WILDCARD('readings'), METER_TOPIC_WILDCARD('status'), METER_TOPIC_WILDCARD('events')]

export class MeterLink {
  private broker: EmbeddedBroker | null = null
  private client: MqttClient | null = null
  private subscribed = false
  readonly worker: DeliveryWorker
  readonly commands: CommandWorker
  readonly lowCredit: LowCreditMonitor
  private readonly inbound: InboundContext
  /** The broker URL in use (the embedded one's once started). */
  url = ''

  constructor(private readonly opts: MeterLinkOptions) {
    this.worker = deliveryWorker({
      repo: opts.repo,
      clock: opts.clock,
      log: opts.log,
      connected: () => this.connected,
      publish: (meterNo, message) => this.publish(meterNo, message),
    })
    this.commands = commandWorker({
      repo: opts.repo,
      clock: opts.clock,
      log: opts.log,
      connected: () => this.connected,
      publish: (meterNo, message) => this.publishCommand(meterNo, message),
    })
    this.lowCredit = new LowCreditMonitor({ repo: opts.repo, clock: opts.clock, log: opts.log, notifier: opts.notifier }, opts.lowCredit)
    this.inbound = {
      repo: opts.repo,
      clock: opts.clock,
      log: opts.log,
      metrics: opts.metrics,
      lowCredit: this.lowCredit,
      onMeterOnline: () => this.meterOnline(),
    }
  }

  /** What waited for this meter was made due by its online status: look now. */
  private meterOnline(): void {
    this.worker.kick()
    this.commands.kick()
  }

  get connected(): boolean {
    return this.client?.connected === true && this.subscribed
  }

  /** True when the broker we depend on is there: the embedded one listening, or the client connected. */
  brokerUp(): boolean {
    return this.broker !== null ? this.broker.listening() : this.client?.connected === true
  }

  get embeddedBroker(): EmbeddedBroker | null {
    return this.broker
  }

  /**
   * Starts the broker (if embedded) and the client. Resolves once subscribed, or after
   * `waitMs` with the client still trying (an external broker may come later; /health says so).
   */
  async start(waitMs = 5_000): Promise<void> {
    const { log } = this.opts
    if (this.opts.url === undefined) {
      this.broker = await startEmbeddedBroker(this.opts.host, this.opts.embeddedPort, log)
      this.url = this.broker.url
    } else {
      this.url = this.opts.url
    }
    const client = mqtt.connect(this.url, {
      clientId: this.opts.clientId,
      // A persistent session: acks and readings published while we reconnect are queued for us.
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
    })
    this.client = client
    const firstSubscribe = new Promise<void>((resolve) => {
      client.on('connect', () => {
        // Nagle off (a new socket on each reconnect): a token publish or PUBACK is a small write,
        // and with Nagle it can sit behind the broker's delayed TCP ACK (~40 ms) before leaving.
        ;(client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true)
        client.subscribe(SUBSCRIPTIONS, { qos: 1 }, (err) => {
          if (err) {
            log.error({ err: err.message }, 'meter link subscribe failed')
            return
          }
          this.subscribed = true
          log.info({ broker: redactUrl(this.url) }, 'meter link connected')
          this.worker.kick()
          this.commands.kick()
          resolve()
        })
      })
    })
    client.on('close', () => {
      if (this.subscribed) log.warn('meter link disconnected; reconnecting')
      this.subscribed = false
    })
    client.on('error', (err) => log.warn({ err: err.message }, 'meter link error'))
    client.on('message', (topic, payload) => {
      handleMeterMessage(topic, payload, this.inbound).catch((err: unknown) => log.error({ err, topic }, 'meter message handler failed'))
    })
    this.worker.start()
    this.commands.start()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([firstSubscribe, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))])
    clearTimeout(timer)
  }

  publish(meterNo: string, message: TokenDelivery): Promise<void> {
    return this.publishTo(meterTopic(meterNo, 'tokens'), message)
  }

  publishCommand(meterNo: string, message: CommandMessage): Promise<void> {
    return this.publishTo(meterTopic(meterNo, message.leaf), message.payload)
  }

  private async publishTo(topic: string, message: object): Promise<void> {
    const client = this.client
    if (client === null || !this.connected) throw new Error('meter link not connected')
    // The broker's PUBACK normally comes in milliseconds; don't let a half-dead link stall the worker.
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no PUBACK within 10 s')), PUBACK_TIMEOUT_MS)))
    try {
      await Promise.race([client.publishAsync(topic, JSON.stringify(message), { qos: 1 }), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  async stop(): Promise<void> {
    await this.worker.stop()
    await this.commands.stop()
    const client = this.client
    this.client = null
    this.subscribed = false
    if (client !== null) await client.endAsync(true).catch(() => undefined)
    if (this.broker !== null) await this.broker.close()
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
