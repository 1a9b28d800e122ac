import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, vi, beforeEach, describe, expect, it } from 'vitest'
import { API_PREFIX, type VendResponse } from '@gridtill/shared'
import { enrollDemoKiosk, FIRST_METER, makeApp, signed, staffHeaders, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'
import { meterKeyParams } from '../vending/token-minter.ts'
import { DAY_MS } from '../analytics/days-left.ts'
import type { LogNotifier } from '../notifications/notifier.ts'
import { BROKERS, brokerConfig, runId } from './test-brokers.ts'
import { TestMeter } from './test-meter.ts'

const SECOND_METER = '58101000002'
const ADMIN = staffHeaders('S001')
const SUPPORT = staffHeaders('S002')
const CASHIER = staffHeaders('S003')

async function waitFor<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, what: string, ms = 5_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms))

describe.each(BROKERS)('meter control over the %s broker', (broker) => {
  let t: TestApp
  let kiosk: TestKiosk
  const meters: TestMeter[] = []

  beforeEach(async () => {
    t = await makeApp({ meterLink: true, config: brokerConfig(broker) })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterEach(async () => {
    for (const m of meters.splice(0)) await m.close()
    await t.close()
  })

  async function meter(meterNo = FIRST_METER, creditWh = 0): Promise<TestMeter> {
    const rec = (await t.app.repo.findMeter(meterNo))!
    const key = await t.app.securityModule.deriveDecoderKey(meterKeyParams(rec), rec.vendingKeyId)
    const m = new TestMeter({ url: t.app.meterLink!.url, meterNo, key, clientId: `meter-${meterNo}-${runId()}`, creditWh })
    meters.push(m)
    await m.connect(t.clock.now())
    return m
  }
  const vend = async (meterNo = FIRST_METER) => (await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [1000], t.clock.now()) })).json<VendResponse>()
  const get = async <T>(url: string, headers = ADMIN) => {
    const r = await t.app.inject({ method: 'GET', url: `${API_PREFIX}${url}`, headers })
    expect(r.statusCode, r.body).toBe(200)
    return r.json<T>()
  }
  const command = (body: object, headers = ADMIN) => t.app.inject({ method: 'POST', url: `${API_PREFIX}/meter-control/commands`, headers, payload: body })

  it('a meter offline during its vend gets the token when it reconnects, exactly once', async () => {
    const m = await meter()
    const link = async () => (await get<{ link: string }>(`/meter-control/meters/${FIRST_METER}`)).link
    await waitFor(async () => (await link()) === 'online', 'online first')
    await m.close() // persistent session: the broker keeps its subscriptions and queues for it
    await waitFor(async () => (await link()) === 'offline', 'offline')
    const v = await vend()
    await waitFor(async () => ((await t.app.repo.deliveryForVend(v.vendId))?.attempts ?? 0) >= 1, 'published while offline')
    expect(m.deliveries).toHaveLength(0)

    await m.connect(t.clock.now())
    await waitFor(async () => (await t.app.repo.deliveryForVend(v.vendId))?.state === 'accepted', 'accepted after reconnect')
    await settle()
    // However many times it arrived (queued by the broker, re-sent on reconnect), credit once.
    expect(m.creditWh).toBe(v.energyWh)
    expect(m.acks.filter((a) => a.result === 'accepted')).toHaveLength(1)
    const deliveries = await get<{ state: string }[]>(`/meters/${FIRST_METER}/deliveries`, { 'x-gridtill-admin-token': 'test-admin-token' })
    expect(deliveries).toHaveLength(1)
    expect(deliveries[0]).toMatchObject({ state: 'accepted' })
  })

  it('a token published twice is rejected by the meter as used; the central records one delivery', async () => {
    const m = await meter()
    m.dropAcks = 1 // the first ack is lost on the way back
    const v = await vend()
    await waitFor(() => m.deliveries.length >= 1, 'first publish')
    await settle()
    // Unanswered, still open: its first attempt was recorded by the vend's own transaction.
    expect((await t.app.repo.deliveryForVend(v.vendId))?.state).toBe('pending')
    t.clock.advance(5_000)
    expect(await t.app.meterLink!.worker.runOnce()).toBe(1)
    await waitFor(async () => (await t.app.repo.deliveryForVend(v.vendId))?.state === 'accepted', 'settled by the USED answer')
    expect(m.acks.map((a) => a.result === 'rejected' ? a.reason : a.result)).toEqual(['accepted', 'USED'])
    expect(m.creditWh).toBe(v.energyWh)
    const d = await t.app.repo.deliveryForVend(v.vendId)
    expect(d).toMatchObject({ state: 'accepted', reason: 'USED', attempts: 2 })
    expect(await t.app.repo.listDeliveries(FIRST_METER, 10)).toHaveLength(1)
  })

  it('relay commands and readings are visible through the API; a later relay order supersedes an earlier one', async () => {
    const m = await meter(FIRST_METER, 50_000)
    const open = await command({ meterNos: [FIRST_METER], command: 'relayOpen' })
    expect(open.statusCode, open.body).toBe(202)
    const [r] = open.json<{ results: { commandId: string; result: string }[] }>().results
    expect(r).toMatchObject({ result: 'queued' })
    await waitFor(async () => (await get<{ state: string }>(`/meter-control/commands/${r!.commandId}`)).state === 'done', 'relayOpen done')
    await waitFor(async () => (await get<{ relay: string | null }>(`/meter-control/meters/${FIRST_METER}`)).relay === 'open', 'relay open')
    expect(m.relay).toBe('open')
    expect((await get<{ meterNo: string }[]>('/meter-control/meters?status=relayOpen')).map((x) => x.meterNo)).toEqual([FIRST_METER])

    await m.publishReading({ at: t.clock.now() + 1, energyWh: 1_000, powerW: 0 })
    await waitFor(async () => (await get<unknown[]>(`/meters/${FIRST_METER}/readings`, { 'x-gridtill-admin-token': 'test-admin-token' })).length === 1, 'the reading')
    const status = await get<Record<string, unknown>>(`/meter-control/meters/${FIRST_METER}`)
    expect(status).toMatchObject({ link: 'online', relay: 'open', tamper: false, creditWh: 50_000, powerW: 0 })

    // Two orders while the meter is away: only the latest is delivered.
    await m.close()
    const c1 = (await command({ meterNos: [FIRST_METER], command: 'relayClose' }, SUPPORT)).json<{ results: { commandId: string }[] }>().results[0]!
    await waitFor(async () => (await get<{ attempts: number }>(`/meter-control/commands/${c1.commandId}`)).attempts >= 1, 'first order published')
    const c2 = (await command({ meterNos: [FIRST_METER], command: 'relayOpen' }, SUPPORT)).json<{ results: { commandId: string }[] }>().results[0]!
    expect((await get<{ state: string }>(`/meter-control/commands/${c1.commandId}`)).state).toBe('superseded')
    t.clock.advance(120_000)
    await m.connect(t.clock.now())
    await waitFor(async () => (await get<{ state: string }>(`/meter-control/commands/${c2.commandId}`)).state === 'done', 'latest order done')
    await settle()
    // The superseded order is never sent again (the broker may still hand over the copy it queued,
    // ahead of the later one), so the meter ends as the latest order says.
    expect((await get<{ attempts: number }>(`/meter-control/commands/${c1.commandId}`)).attempts).toBe(1)
    expect(m.commands.at(-1)?.commandId).toBe(c2.commandId)
    expect(m.relay).toBe('open')
    const list = await get<{ commandId: string; state: string; requestedBy: string }[]>(`/meter-control/commands?meterNo=${FIRST_METER}`)
    expect(list.map((c) => c.commandId)).toEqual([c2.commandId, c1.commandId, r!.commandId])
    expect(list[0]).toMatchObject({ state: 'done', requestedBy: 'staff:S002' })
  })

  it('sends max power and clear tamper as class 2 tokens; batches report per meter; roles are enforced', async () => {
    const m1 = await meter(FIRST_METER)
    const m2 = await meter(SECOND_METER)
    await m2.publishEvent({ at: t.clock.now(), event: 'tamper', reason: 'cover opened' })
    await waitFor(async () => (await get<{ tamper: boolean | null }>(`/meter-control/meters/${SECOND_METER}`)).tamper === true, 'tamper flagged')
    expect((await get<{ meterNo: string }[]>('/meter-control/meters?status=tamper')).map((x) => x.meterNo)).toEqual([SECOND_METER])

    expect((await command({ meterNos: [FIRST_METER], command: 'relayOpen' }, CASHIER)).statusCode).toBe(403)
    expect((await command({ meterNos: [FIRST_METER], command: 'setMaxPower' })).statusCode).toBe(400)

    const res = await command({ meterNos: [FIRST_METER, SECOND_METER, '58109999999'], command: 'setMaxPower', maxPowerW: 3_000 })
    expect(res.statusCode, res.body).toBe(202)
    const batch = res.json<{ batchId: string; queued: number; results: { meterNo: string; result: string }[] }>()
    expect(batch.queued).toBe(2)
    expect(batch.results.map((r) => r.result)).toEqual(['queued', 'queued', 'unknownMeter'])
    await waitFor(async () => (await get<{ state: string }[]>(`/meter-control/commands?batchId=${batch.batchId}`)).every((c) => c.state === 'done'), 'both done')
    expect(m1.maxPowerW).toBe(3_000)
    expect(m2.maxPowerW).toBe(3_000)

    const clear = (await command({ meterNos: [SECOND_METER], command: 'clearTamper' })).json<{ results: { commandId: string }[] }>().results[0]!
    await waitFor(async () => (await get<{ state: string }>(`/meter-control/commands/${clear.commandId}`)).state === 'done', 'tamper cleared')
    expect(m2.tamper).toBe(false)
    expect((await get<{ tamper: boolean | null }>(`/meter-control/meters/${SECOND_METER}`)).tamper).toBe(false)

    // A vend after the management tokens still gets a fresh TID (the meter would refuse a reused one).
    const v = await vend(SECOND_METER)
    await waitFor(async () => (await t.app.repo.deliveryForVend(v.vendId))?.state === 'accepted', 'vend after commands')

    // Each batch is in the audit chain, under the staff member who sent it.
    const audit = await auditEntries(t)
    expect(audit.filter((a) => a.action === 'meter.command').map((a) => a.actor)).toEqual(['staff:S001', 'staff:S001'])
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
  })

  it('goes offline by the last will and shows when last seen', async () => {
    const m = await meter()
    await waitFor(async () => (await get<{ link: string }>(`/meter-control/meters/${FIRST_METER}`)).link === 'online' && true, 'online')
    await m.crash()
    await waitFor(async () => (await get<{ link: string }>(`/meter-control/meters/${FIRST_METER}`)).link === 'offline' && true, 'offline by will', 10_000)
    const offline = await get<{ meterNo: string; lastSeenAt: string | null }[]>('/meter-control/meters?status=offline&limit=100')
    expect(offline.find((x) => x.meterNo === FIRST_METER)?.lastSeenAt).not.toBeNull()
  })
})

describe('low-credit alerts', () => {
  let t: TestApp
  afterEach(async () => t.close())

  it('alerts once per episode below the threshold, and a top-up clears it', async () => {
    t = await makeApp({ meterLink: true, config: { mqttClientId: `central-${runId()}`, lowCreditDays: 3 } })
    const link = t.app.meterLink!
    const notifier = (link.lowCredit as unknown as { deps: { notifier: LogNotifier } }).deps.notifier
    const start = t.clock.now()
    // 10 days at 5 kWh/day, credit falling from 60 kWh to 10 kWh: 2 days left.
    for (let d = 0; d <= 10; d++) {
      await t.app.repo.ingestReading({ meterNo: FIRST_METER, at: start + d * DAY_MS, energyWh: d * 5_000, creditWh: 60_000 - d * 5_000, powerW: 200, relay: 'closed', tamper: false })
    }
    t.clock.set(start + 10 * DAY_MS)
    await link.lowCredit.onCredit(FIRST_METER, 10_000)
    await link.lowCredit.onCredit(FIRST_METER, 9_000)
    t.clock.advance(DAY_MS / 4)
    await link.lowCredit.onCredit(FIRST_METER, 8_000)
    const open = await t.app.repo.listMeterAlerts({ state: 'open', limit: 10 })
    expect(open).toHaveLength(1)
    expect(open[0]).toMatchObject({ meterNo: FIRST_METER, daysLeft: 2, avgDailyWh: 5_000, creditWh: 10_000, notified: true })
    expect(notifier.recent).toHaveLength(1)
    expect(notifier.recent[0]!.text['zh-CN']).toContain('余额不足')
    const listed = await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meter-control/alerts?state=open`, headers: ADMIN })
    expect(listed.json()).toMatchObject([{ meterNo: FIRST_METER, state: 'open', daysLeft: 2 }])
    expect((await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meter-control/meters?status=lowCredit`, headers: ADMIN })).json()).toMatchObject([{ meterNo: FIRST_METER, lowCredit: { daysLeft: 2 } }])

    // A top-up to 40 kWh (8 days): the episode ends.
    await link.lowCredit.onCredit(FIRST_METER, 40_000)
    expect(await t.app.repo.listMeterAlerts({ state: 'open', limit: 10 })).toHaveLength(0)
    expect(await t.app.repo.listMeterAlerts({ state: 'cleared', limit: 10 })).toHaveLength(1)
    // Falling below again is a new episode.
    t.clock.advance(DAY_MS)
    await link.lowCredit.onCredit(FIRST_METER, 5_000)
    expect(await t.app.repo.listMeterAlerts({ limit: 10 })).toHaveLength(2)
    expect(notifier.recent).toHaveLength(2)
  })

  it('a token ack on a meter that is not low costs no estimate until the interval passes', async () => {
    t = await makeApp({ meterLink: true, config: { mqttClientId: `central-${runId()}`, lowCreditDays: 3 } })
    const link = t.app.meterLink!
    const start = t.clock.now()
    for (let d = 0; d <= 10; d++) {
      await t.app.repo.ingestReading({ meterNo: FIRST_METER, at: start + d * DAY_MS, energyWh: d * 5_000, creditWh: 100_000 - d * 5_000, powerW: 200, relay: 'closed', tamper: false })
    }
    t.clock.set(start + 10 * DAY_MS)
    // Count the monitor's reading queries (the repository itself is a proxy: wrap what it holds).
    const deps = (link.lowCredit as unknown as { deps: { repo: typeof t.app.repo } }).deps
    const repo = deps.repo
    const reads = vi.fn()
    deps.repo = new Proxy(repo, {
      get: (target, prop) => (prop === 'readingsSince' ? (...a: Parameters<typeof repo.readingsSince>) => (reads(), repo.readingsSince(...a)) : (Reflect.get(target, prop) as unknown)),
    })
    await link.lowCredit.onCredit(FIRST_METER, 50_000) // 10 days left: not low
    expect(reads).toHaveBeenCalledTimes(1)
    // Top-ups (every ack reports a rise) cannot make it low: no estimate within the interval.
    await link.lowCredit.onCredit(FIRST_METER, 60_000)
    await link.lowCredit.onCredit(FIRST_METER, 70_000)
    expect(reads).toHaveBeenCalledTimes(1)
    t.clock.advance(16 * 60_000)
    await link.lowCredit.onCredit(FIRST_METER, 80_000)
    expect(reads).toHaveBeenCalledTimes(2)
    expect(await t.app.repo.listMeterAlerts({ limit: 10 })).toHaveLength(0)
  })
})

/** The audit log as stored (the test app runs on SQLite); read after the group commit settled. */
async function auditEntries(t: TestApp): Promise<{ actor: string; action: string; details: string }[]> {
  await t.app.repo.settled()
  const db = new Database(path.join(t.dir, 'central.db'), { readonly: true })
  try {
    return db.prepare<[], { actor: string; action: string; details: string }>('SELECT actor, action, details FROM audit_log ORDER BY seq').all()
  } finally {
    db.close()
  }
}
