/**
 * Test support for the meter link: an in-process aedes broker, a probe for an external broker and
 * a stand-in for the central's side of MQTT. Used by tests only; not exported from index.ts.
 */
import { randomBytes } from 'node:crypto'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { connectAsync, type MqttClient } from 'mqtt'
import { Value } from '@sinclair/typebox/value'
import {
  METER_TOPIC_WILDCARD,
  MeterReading,
  MeterStatus,
  TokenAck,
  luhnCheckDigit,
  meterTopic,
  type TokenDelivery,
} from '@gridtill/shared'

export interface TestBroker {
  url: string
  close(): Promise<void>
}

/** aedes 1.x on a random loopback port. aedes is the central's dependency, so only tests load it. */
export async function startAedes(): Promise<TestBroker> {
  const { Aedes } = await import('aedes')
  const broker = await Aedes.createBroker()
  const server = createServer(broker.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** True when something accepts TCP connections there (refused or silent for 1 s → false). */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Meter numbers no other run uses, so tests can share a long-lived broker such as Mosquitto. */
export function uniqueMeterNos(count: number): string[] {
  const base = 90_000_000 + (randomBytes(4).readUInt32BE() % 9_000_000)
  return Array.from({ length: count }, (_, i) => `58${String(base * 10 + i).slice(-9)}`)
}

/** A valid-looking PAN for a meter number (IIN 600727). */
export function testPan(meterNo: string): string {
  const body = `600727${meterNo}`
  return body + String(luhnCheckDigit(body))
}

export async function waitUntil(
  cond: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The central's side of the link, as far as these tests need it. */
export class TestCentral {
  readonly acks: TokenAck[] = []
  readonly readings: MeterReading[] = []
  readonly statuses = new Map<string, MeterStatus>()
  /** Messages that did not match their shared schema (the fleet must never send one). */
  readonly malformed: string[] = []

  private constructor(
    private readonly client: MqttClient,
    private readonly meterNos: ReadonlySet<string>,
  ) {}

  static async connect(url: string, meterNos: readonly string[]): Promise<TestCentral> {
    const client = await connectAsync(url, {
      clientId: `central-test-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
    })
    const central = new TestCentral(client, new Set(meterNos))
    client.on('message', (topic, payload) => central.onMessage(topic, payload))
    await client.subscribeAsync(
      [
        METER_TOPIC_WILDCARD('acks'),
        METER_TOPIC_WILDCARD('readings'),
        METER_TOPIC_WILDCARD('status'),
      ],
      { qos: 1 },
    )
    return central
  }

  async deliver(meterNo: string, delivery: TokenDelivery): Promise<void> {
    await this.client.publishAsync(meterTopic(meterNo, 'tokens'), JSON.stringify(delivery), {
      qos: 1,
    })
  }

  async publishRaw(meterNo: string, payload: string): Promise<void> {
    await this.client.publishAsync(meterTopic(meterNo, 'tokens'), payload, { qos: 1 })
  }

  acksFor(deliveryId: string): TokenAck[] {
    return this.acks.filter((a) => a.deliveryId === deliveryId)
  }

  async close(): Promise<void> {
    await this.client.endAsync()
  }

  private onMessage(topic: string, payload: Buffer): void {
    const [, , meterNo, leaf] = topic.split('/')
    if (meterNo === undefined || !this.meterNos.has(meterNo)) return
    let json: unknown
    try {
      json = payload.length === 0 ? null : JSON.parse(payload.toString('utf8'))
    } catch {
      this.malformed.push(topic)
      return
    }
    if (json === null) return // a cleared retained status
    if (leaf === 'acks' && Value.Check(TokenAck, json)) this.acks.push(json)
    else if (leaf === 'readings' && Value.Check(MeterReading, json) && json.meterNo === meterNo)
      this.readings.push(json)
    else if (leaf === 'status' && Value.Check(MeterStatus, json) && json.meterNo === meterNo)
      this.statuses.set(meterNo, json)
    else this.malformed.push(topic)
  }
}

/** Leaves a shared broker as it was: persistent sessions dropped, retained statuses cleared. */
export async function forgetMeters(url: string, meterNos: readonly string[]): Promise<void> {
  for (const meterNo of meterNos) {
    const c = await connectAsync(url, {
      clientId: `meter-${meterNo}`,
      clean: true,
      reconnectPeriod: 0,
    })
    await c.publishAsync(meterTopic(meterNo, 'status'), '', { qos: 1, retain: true })
    await c.endAsync()
  }
}
