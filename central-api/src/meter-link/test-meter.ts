/**
 * A small MQTT meter for the central's meter-link tests: it speaks the meter side of the shared
 * protocol with a real STS decoder (shared) and a TID memory, so a token entered twice comes back
 * USED as on a real meter. The full simulator is hardware/src/meter (the central may not import it).
 * Not imported by production code.
 */
import mqtt, { type MqttClient } from 'mqtt'
import { decodeToken, meterTopic, type MeterCommand, type MeterEvent, type MeterReading, type MeterStatus, type StsKey, type TokenAck, type TokenDelivery } from '@gridtill/shared'

export interface TestMeterOptions {
  url: string
  meterNo: string
  key: StsKey
  clientId: string
  /** Wh on the meter at the start. */
  creditWh?: number
}

export class TestMeter {
  client: MqttClient | null = null
  creditWh: number
  relay: 'closed' | 'open' = 'closed'
  tamper = false
  maxPowerW: number | null = null
  readonly usedTids = new Set<number>()
  readonly deliveries: TokenDelivery[] = []
  readonly commands: MeterCommand[] = []
  readonly acks: TokenAck[] = []
  /** Acks to swallow (as if lost on the way back). */
  dropAcks = 0

  constructor(private readonly o: TestMeterOptions) {
    this.creditWh = o.creditWh ?? 0
  }

  get meterNo(): string {
    return this.o.meterNo
  }

  /** Connects with a persistent session (queued QoS 1 messages arrive after a reconnect). */
  async connect(now: number): Promise<void> {
    const status = (online: boolean): string => JSON.stringify({ meterNo: this.o.meterNo, online, at: now } satisfies MeterStatus)
    const client = await mqtt.connectAsync(this.o.url, {
      clientId: this.o.clientId,
      clean: false,
      reconnectPeriod: 0,
      will: { topic: meterTopic(this.o.meterNo, 'status'), payload: Buffer.from(status(false)), qos: 1, retain: true },
    })
    this.client = client
    client.on('message', (topic, payload) => {
      void this.onMessage(topic, payload.toString('utf8'), now)
    })
    await client.subscribeAsync([meterTopic(this.o.meterNo, 'tokens'), meterTopic(this.o.meterNo, 'commands')], { qos: 1 })
    await client.publishAsync(meterTopic(this.o.meterNo, 'status'), status(true), { qos: 1, retain: true })
  }

  /** Drops the link without a goodbye: the broker publishes the last will. */
  async crash(): Promise<void> {
    const c = this.client
    this.client = null
    if (c === null) return
    c.stream.destroy()
    await c.endAsync(true).catch(() => undefined)
  }

  /** A clean goodbye, as the fleet does: offline status, then DISCONNECT (no will). */
  async close(): Promise<void> {
    const c = this.client
    this.client = null
    if (c === null) return
    const offline = JSON.stringify({ meterNo: this.o.meterNo, online: false, at: Date.now() } satisfies MeterStatus)
    await c.publishAsync(meterTopic(this.o.meterNo, 'status'), offline, { qos: 1, retain: true }).catch(() => undefined)
    await c.endAsync(false).catch(() => undefined)
  }

  async publishReading(r: Omit<MeterReading, 'meterNo' | 'relay' | 'tamper' | 'creditWh'> & { creditWh?: number }): Promise<void> {
    const reading: MeterReading = { meterNo: this.o.meterNo, relay: this.relay, tamper: this.tamper, creditWh: this.creditWh, ...r }
    await this.client?.publishAsync(meterTopic(this.o.meterNo, 'readings'), JSON.stringify(reading), { qos: 1 })
  }

  async publishEvent(e: Omit<MeterEvent, 'meterNo'>): Promise<void> {
    await this.client?.publishAsync(meterTopic(this.o.meterNo, 'events'), JSON.stringify({ meterNo: this.o.meterNo, ...e }), { qos: 1 })
  }

  private async onMessage(topic: string, text: string, at: number): Promise<void> {
    const client = this.client
    if (client === null) return
    if (topic.endsWith('/tokens')) {
      const d = JSON.parse(text) as TokenDelivery
      this.deliveries.push(d)
      for (const token of d.tokens) {
        const ack = this.enter(d.deliveryId, token, at)
        this.acks.push(ack)
        if (this.dropAcks > 0) {
          this.dropAcks--
          continue
        }
        await client.publishAsync(meterTopic(this.o.meterNo, 'acks'), JSON.stringify(ack), { qos: 1 })
      }
      return
    }
    const cmd = JSON.parse(text) as MeterCommand
    this.commands.push(cmd)
    const before = this.relay
    if (cmd.command === 'relayOpen') this.relay = 'open'
    if (cmd.command === 'relayClose') this.relay = 'closed'
    await this.publishEvent({ at, event: 'commandDone', commandId: cmd.commandId, creditWh: this.creditWh })
    if (this.relay !== before) await this.publishEvent({ at, event: this.relay === 'open' ? 'relayOpened' : 'relayClosed' })
  }

  private enter(deliveryId: string, token: string, at: number): TokenAck {
    let decoded
    try {
      decoded = decodeToken(this.o.key, token)
    } catch {
      return { deliveryId, token, result: 'rejected', reason: 'CRC', creditWh: this.creditWh, at }
    }
    if (!('tid' in decoded)) return { deliveryId, token, result: 'rejected', reason: 'OTHER', creditWh: this.creditWh, at }
    if (this.usedTids.has(decoded.tid)) return { deliveryId, token, result: 'rejected', reason: 'USED', creditWh: this.creditWh, at }
    this.usedTids.add(decoded.tid)
    if (decoded.class === 0) {
      const creditedWh = decoded.units * 100
      this.creditWh += creditedWh
      return { deliveryId, token, result: 'accepted', creditedWh, creditWh: this.creditWh, at }
    }
    if (decoded.class === 2 && decoded.subclass === 0) this.maxPowerW = decoded.value
    if (decoded.class === 2 && decoded.subclass === 5) this.tamper = false
    return { deliveryId, token, result: 'accepted', creditWh: this.creditWh, at }
  }
}
