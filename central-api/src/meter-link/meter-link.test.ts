import mqtt, { type MqttClient } from 'mqtt'
import { Value } from '@sinclair/typebox/value'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { API_PREFIX, TokenDelivery, meterTopic, type TokenAck, type VendResponse, type VendStatusResponse } from '@gridtill/shared'
import { ADMIN, enrollDemoKiosk, ENGINES, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'
import { backoffMs, BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './backoff.ts'
import { BROKERS, brokerConfig, runId } from './test-brokers.ts'

async function waitFor<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, what: string, ms = 5_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('delivery backoff', () => {
  it('doubles from 2 s and caps at about a minute', () => {
    const none = () => 0
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffMs(n, none))).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
    for (let n = 1; n < 30; n++) expect(backoffMs(n)).toBeLessThanOrEqual(BACKOFF_CAP_MS * 1.1)
  })
})

describe.each(BROKERS)('meter link over the %s broker', (broker) => {
  let t: TestApp
  let kiosk: TestKiosk
  let meter: MqttClient
  /** Token deliveries the test meter received. */
  let received: TokenDelivery[]

  beforeEach(async () => {
    t = await makeApp({ meterLink: true, config: brokerConfig(broker) })
    kiosk = await enrollDemoKiosk(t.app)
    received = []
    meter = await mqtt.connectAsync(t.app.meterLink!.url, { clientId: `meter-${FIRST_METER}-${runId()}`, clean: true })
    meter.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()) as TokenDelivery))
    await meter.subscribeAsync(meterTopic(FIRST_METER, 'tokens'), { qos: 1 })
  })
  afterEach(async () => {
    await meter.endAsync(true)
    await t.close()
  })

  const vend = async () => (await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })).json<VendResponse>()
  const ack = (a: TokenAck, meterNo = FIRST_METER) => meter.publishAsync(meterTopic(meterNo, 'acks'), JSON.stringify(a), { qos: 1 })
  const status = async (vendId: string) => (await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/vends/${vendId}` })).json<VendStatusResponse>().delivery

  it('publishes the token, and the meter\'s ack settles the delivery once', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ ready: true, checks: { db: true, broker: true }, reasons: [] })
    const v = await vend()
    const delivery = await waitFor(() => received[0], 'the token delivery')
    expect(Value.Check(TokenDelivery, delivery)).toBe(true)
    expect(delivery.tokens).toEqual(v.tokens)
    // Its one attempt was recorded by the vend's transaction; 'sent' comes with a retry's claim.
    expect((await status(v.vendId)).state).toBe('pending')

    t.clock.advance(1500)
    await ack({ deliveryId: delivery.deliveryId, token: v.tokens[0]!, result: 'accepted', creditedWh: v.energyWh, creditWh: 20_000, at: t.clock.now() })
    await waitFor(async () => (await status(v.vendId)).state === 'accepted', 'accepted')

    // A duplicate ack, and a late contradicting one, change nothing.
    await ack({ deliveryId: delivery.deliveryId, token: v.tokens[0]!, result: 'accepted', at: t.clock.now() })
    await ack({ deliveryId: delivery.deliveryId, token: v.tokens[0]!, result: 'rejected', reason: 'CRC', at: t.clock.now() })
    await settle()
    const [d] = (await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meters/${FIRST_METER}/deliveries`, headers: ADMIN })).json<{ state: string; reason: string | null }[]>()
    expect(d).toMatchObject({ state: 'accepted', reason: null })
    const acct = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/${FIRST_METER}/account` })
    expect(acct.json()).toMatchObject({ account: { lastKnownCreditWh: 20_000 } })
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^delivery_latency_seconds_count 1$/m)
    expect(metrics).toMatch(/^delivery_latency_seconds_sum 1.5$/m)
    expect(metrics).toMatch(/^delivery_outbox_depth 0$/m)
  })

  it('records a rejection with its reason; USED counts as delivered', async () => {
    const a = await vend()
    const da = await waitFor(() => received.find((r) => r.tokens[0] === a.tokens[0]), 'first delivery')
    await ack({ deliveryId: da.deliveryId, token: a.tokens[0]!, result: 'rejected', reason: 'OLD', at: t.clock.now() })
    await waitFor(async () => (await status(a.vendId)).state === 'rejected', 'rejected')
    expect(await status(a.vendId)).toMatchObject({ state: 'rejected', reason: 'OLD' })

    const b = await vend()
    const db = await waitFor(() => received.find((r) => r.tokens[0] === b.tokens[0]), 'second delivery')
    await ack({ deliveryId: db.deliveryId, token: b.tokens[0]!, result: 'rejected', reason: 'USED', at: t.clock.now() })
    await waitFor(async () => (await status(b.vendId)).state === 'accepted', 'USED treated as delivered')
    expect(await status(b.vendId)).toMatchObject({ state: 'accepted', reason: 'USED' })
  })

  it('drops bad payloads without harm and keeps serving', async () => {
    const v = await vend()
    const delivery = await waitFor(() => received[0], 'the token delivery')
    const junk: [string, string][] = [
      [meterTopic(FIRST_METER, 'acks'), 'not json'],
      [meterTopic(FIRST_METER, 'acks'), JSON.stringify({ deliveryId: delivery.deliveryId, result: 'accepted' })],
      [meterTopic(FIRST_METER, 'acks'), JSON.stringify({ deliveryId: delivery.deliveryId, token: v.tokens[0], result: 'accepted', at: 1, extra: true })],
      // A real ack, but for the wrong meter or the wrong token.
      [meterTopic('58101000002', 'acks'), JSON.stringify({ deliveryId: delivery.deliveryId, token: v.tokens[0], result: 'accepted', at: 1 })],
      [meterTopic(FIRST_METER, 'acks'), JSON.stringify({ deliveryId: delivery.deliveryId, token: '12345678901234567890', result: 'accepted', at: 1 })],
      [meterTopic(FIRST_METER, 'readings'), JSON.stringify({ meterNo: FIRST_METER, at: -1 })],
      [meterTopic(FIRST_METER, 'readings'), JSON.stringify({ meterNo: '58101000002', at: 1, energyWh: 1, creditWh: 1, powerW: 1, relay: 'closed', tamper: false })],
      [meterTopic(FIRST_METER, 'status'), '[]'],
      [meterTopic('99999999999', 'readings'), JSON.stringify({ meterNo: '99999999999', at: 1, energyWh: 1, creditWh: 1, powerW: 1, relay: 'closed', tamper: false })],
      [meterTopic(FIRST_METER, 'events'), '{"any":"thing"}'],
    ]
    for (const [topic, payload] of junk) await meter.publishAsync(topic, payload, { qos: 1 })
    await settle()
    expect((await status(v.vendId)).state).toBe('pending')

    // Readings are stored once per (meter, at), whatever the broker redelivers.
    const reading = { meterNo: FIRST_METER, at: t.clock.now(), energyWh: 123_456, creditWh: 50_000, powerW: 800, relay: 'closed', tamper: false }
    await meter.publishAsync(meterTopic(FIRST_METER, 'readings'), JSON.stringify(reading), { qos: 1 })
    await meter.publishAsync(meterTopic(FIRST_METER, 'readings'), JSON.stringify(reading), { qos: 1 })
    const rows = await waitFor(async () => {
      const r = (await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meters/${FIRST_METER}/readings?limit=10`, headers: ADMIN })).json<unknown[]>()
      return r.length > 0 ? r : null
    }, 'the reading')
    await settle()
    expect((await t.app.repo.latestReadings(FIRST_METER, 10)).length).toBe(1)
    expect(rows[0]).toMatchObject({ meterNo: FIRST_METER, energyWh: 123_456, relay: 'closed', tamper: false })
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)

    // Without its broker the central says it is not ready, and why.
    await t.app.meterLink!.stop()
    const health = await t.app.inject({ method: 'GET', url: '/health' })
    expect(health.statusCode).toBe(503)
    expect(health.json()).toEqual({ ready: false, checks: { db: true, broker: false }, reasons: ['MQTT broker not reachable'] })
  })

  it('publishes again with backoff until the meter answers', async () => {
    await meter.unsubscribeAsync(meterTopic(FIRST_METER, 'tokens'))
    const v = await vend()
    const worker = t.app.meterLink!.worker
    // The vend's transaction recorded the first attempt (the publish went nowhere: no subscriber).
    expect((await t.app.repo.deliveryForVend(v.vendId))?.attempts).toBe(1)
    // Not due yet: nothing is published again.
    expect(await worker.runOnce()).toBe(0)
    await meter.subscribeAsync(meterTopic(FIRST_METER, 'tokens'), { qos: 1 })
    t.clock.advance(backoffMs(1, () => 0) * 1.2)
    expect(await worker.runOnce()).toBe(1)
    const delivery = await waitFor(() => received[0], 'the retried delivery')
    expect(delivery.tokens).toEqual(v.tokens)
    expect((await t.app.repo.deliveryForVend(v.vendId))?.attempts).toBe(2)
    await ack({ deliveryId: delivery.deliveryId, token: v.tokens[0]!, result: 'accepted', at: t.clock.now() })
    await waitFor(async () => (await status(v.vendId)).state === 'accepted', 'accepted after retry')
    t.clock.advance(BACKOFF_CAP_MS * 2)
    expect(await worker.runOnce()).toBe(0)
  })
})

describe.each(ENGINES)('a vend\'s first publish on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  let meter: MqttClient
  let received: TokenDelivery[]
  const apps: TestApp[] = []

  const connectMeter = async (app: TestApp) => {
    meter = await mqtt.connectAsync(app.app.meterLink!.url, { clientId: `meter-${FIRST_METER}-${runId()}`, clean: true })
    meter.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()) as TokenDelivery))
    await meter.subscribeAsync(meterTopic(FIRST_METER, 'tokens'), { qos: 1 })
  }

  beforeEach(async () => {
    t = await makeApp({ engine, meterLink: true, config: brokerConfig('embedded') })
    apps.push(t)
    kiosk = await enrollDemoKiosk(t.app)
    received = []
    await connectMeter(t)
  })
  afterEach(async () => {
    await meter.endAsync(true)
    // The later instance first: it shares the first one's database, which the first one drops.
    for (const a of apps.splice(0).reverse()) await a.close()
  })

  const vend = async () => (await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })).json<VendResponse>()

  it('goes out from the vend\'s commit with no claim: the row is as the vend wrote it', async () => {
    const v = await vend()
    const delivery = await waitFor(() => received[0], 'the token delivery')
    expect(delivery.tokens).toEqual(v.tokens)
    // The row is as the vend's transaction wrote it: one attempt, the next one a backoff later, and
    // no write since (a claim would have counted a second attempt and stamped updated_at).
    const row = await t.app.repo.deliveryForVend(v.vendId)
    expect(row).toMatchObject({ id: delivery.deliveryId, state: 'pending', attempts: 1, updatedAt: row!.createdAt })
    expect(row!.nextAttemptAt - row!.createdAt).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 0.9)
    expect(row!.nextAttemptAt - row!.createdAt).toBeLessThanOrEqual(BACKOFF_BASE_MS * 1.1)
  })

  it('is published by the poll after the process died between the commit and the publish', async () => {
    // The vend commits; the process dies before its publish.
    vi.spyOn(t.app.meterLink!.worker, 'publishNow').mockResolvedValue(undefined)
    const v = await vend()
    await settle()
    expect(received).toHaveLength(0)
    await meter.endAsync(true)
    await t.app.close()

    // Restarted on the same database: the row is not due before its recorded next attempt…
    const again = await makeApp({ engine, db: t.db, clock: t.clock, meterLink: true, config: brokerConfig('embedded') })
    apps.push(again)
    await connectMeter(again)
    const worker = again.app.meterLink!.worker
    expect(await worker.runOnce()).toBe(0)
    expect(received).toHaveLength(0)
    // …and then the poll publishes it (a meter that did get it answers USED: delivered).
    t.clock.advance(BACKOFF_BASE_MS * 1.2)
    worker.kick()
    const delivery = await waitFor(() => received[0], 'the republished delivery')
    expect(delivery.tokens).toEqual(v.tokens)
    await waitFor(async () => (await again.app.repo.deliveryForVend(v.vendId))?.attempts === 2, 'the retry recorded')
    await meter.publishAsync(meterTopic(FIRST_METER, 'acks'), JSON.stringify({ deliveryId: delivery.deliveryId, token: v.tokens[0]!, result: 'accepted', at: t.clock.now() } satisfies TokenAck), { qos: 1 })
    await waitFor(async () => (await again.app.repo.deliveryForVend(v.vendId))?.state === 'accepted', 'accepted')
  })
})

/** Lets in-flight MQTT messages reach the central's handlers. */
function settle(ms = 150): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
