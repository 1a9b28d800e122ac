/**
 * Field service mode end to end through the agent: its real journal, outboxes, UI bridge
 * (WebSocket intents, as the kiosk UI sends them) and central client over HTTP to a stub central
 * that checks every body against the shared kiosk-ops schemas. Devices are the fakes.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock, uuidv7, type KioskView, type ServerMessage } from '@gridtill/shared'
import { startAgent, type RunningAgent } from '../agent.ts'
import { startStubCentral, STUB_RESIDENT_CARD, STUB_STAFF_CARD, type StubCentral } from '../central-client/stub-central.ts'
import { loadConfig } from '../config.ts'
import { fakeDevices } from '../testing/fakes.ts'

const log = pino({ level: 'silent' })
const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function start(env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-svc-e2e-'))
  cleanup.push(() => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true })))
  const stub = await startStubCentral()
  cleanup.push(() => stub.close())
  const config = loadConfig({
    AGENT_PORT: '0',
    AGENT_DATA_DIR: dir,
    CENTRAL_URL: stub.url,
    ENROLLMENT_CODE: 'DEMO-ENROLL-K001',
    UI_DIST: path.join(dir, 'no-ui'),
    VEND_WAIT_MS: '1500',
    CENTRAL_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const fakes = fakeDevices()
  const agent = await startAgent({ config, clock: systemClock, log, devices: () => Promise.resolve(fakes.devices) })
  cleanup.push(() => agent.stop())
  const ui = await connect(agent)
  cleanup.push(() => Promise.resolve(ui.ws.close()))
  return { agent, stub, ui, ...fakes }
}

async function connect(agent: RunningAgent) {
  const ws = new WebSocket(agent.url.replace(/^http/, 'ws') + '/ws')
  let view: KioskView | null = null
  const errors: ServerMessage[] = []
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString('utf8')) as ServerMessage
    if (m.type === 'snapshot') view = m.view
    else errors.push(m)
  })
  await new Promise<void>((r) => ws.once('open', () => r()))
  const until = async (pred: (v: KioskView) => boolean, what: string, ms = 20_000): Promise<KioskView> => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      if (view && pred(view)) return view
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`timed out waiting for ${what}; errors ${JSON.stringify(errors)}; last view ${JSON.stringify(view)?.slice(0, 300)}`)
  }
  // The bridge drops a repeat of one intent type within 300 ms of its arrival as a double tap: a
  // person is slower. Twice that apart here, so a loaded machine delaying one message cannot
  // make two look like a double tap.
  const lastSent = new Map<string, number>()
  const intent = async (i: { type: string } & Record<string, unknown>) => {
    const wait = (lastSent.get(i.type) ?? 0) + 650 - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    lastSent.set(i.type, Date.now())
    ws.send(JSON.stringify({ type: 'intent', intentId: uuidv7(), intent: i }))
  }
  return { ws, until, intent, errors }
}

async function eventually(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const actions = (stub: StubCentral) => stub.received.serviceEvents.map((e) => (typeof e.details.step === 'string' ? `${e.action}:${e.details.step}` : e.action))

describe('field service mode through the agent', () => {
  it('staff card → menu → test note, test print, paper, out of service and back, cash box exchange posted, forced sync; every action reaches the central', { timeout: 30_000 }, async () => {
    const { agent, stub, ui, reader, acceptor } = await start()
    await ui.until((v) => v.screen === 'attract' && v.kiosk.centralOnline, 'attract online')

    // A resident pays ¥50 + ¥20 first, so the cash box has something in it.
    reader.tap(STUB_RESIDENT_CARD)
    await ui.until((v) => v.screen === 'account', 'account')
    await ui.intent({ type: 'resident.insertCash' })
    await ui.until(() => acceptor.state === 'enabled', 'acceptor enabled')
    acceptor.insert(5000)
    await ui.until((v) => v.session?.insertedFen === 5000, '¥50 credited')
    acceptor.insert(2000)
    await ui.until((v) => v.session?.insertedFen === 7000, '¥70 credited')
    await ui.intent({ type: 'resident.confirm' })
    await ui.until((v) => v.screen === 'done' && v.result?.status === 'vended' && v.result.receipt === 'printed', 'vended')
    await ui.intent({ type: 'resident.finish' })
    await ui.until((v) => v.screen === 'attract', 'attract again')
    const notesBefore = agent.journal.totals().notes
    expect(notesBefore).toBe(2)

    // Staff card: service menu, named by the central.
    reader.tap(STUB_STAFF_CARD, 'staff', 'field')
    let v = await ui.until((x) => x.screen === 'service' && x.service?.staffName === '李师傅 Li (field)', 'service menu')
    expect(v.service?.cashbox).toMatchObject({ totalFen: 7000, noteCount: 2 })

    // Test note: the acceptor takes one, gives it back, credits nothing.
    await ui.intent({ type: 'staff.testNote' })
    await ui.until(() => acceptor.state === 'enabled', 'acceptor enabled for the test note')
    expect(acceptor.insert(10_000)).toBe(true)
    v = await ui.until((x) => x.service?.message === 'testNote.returned:10000', 'test note returned')
    expect(acceptor.state).toBe('disabled')
    expect(agent.journal.totals().notes).toBe(notesBefore)
    expect(v.service?.cashbox.totalFen).toBe(7000)

    // Test print and paper refill.
    await ui.intent({ type: 'staff.testPrint' })
    await ui.until((x) => x.service?.message === 'testPrint.ok', 'test page printed')
    await ui.intent({ type: 'staff.paperRefilled' })
    await ui.until((x) => x.service?.message === 'printer.refilled', 'paper refilled')

    // Out of service: leaving service mode shows the out-of-service screen; residents cannot start.
    await ui.intent({ type: 'staff.setOutOfService', outOfService: true })
    await ui.until((x) => x.kiosk.outOfService, 'out of service set')
    await ui.intent({ type: 'staff.exit' })
    await ui.until((x) => x.screen === 'outOfService', 'out-of-service screen')
    reader.tap(STUB_RESIDENT_CARD)
    await new Promise((r) => setTimeout(r, 100))
    expect((await ui.until(() => true, 'view')).screen).toBe('outOfService')
    // Back: staff card, back in service.
    reader.tap(STUB_STAFF_CARD, 'staff', 'field')
    await ui.until((x) => x.screen === 'service', 'service again')
    await ui.intent({ type: 'staff.setOutOfService', outOfService: false })
    await ui.until((x) => !x.kiosk.outOfService, 'back in service')

    // Cash box exchange with the bag's seal number: the cycle closes and its collection is posted.
    const cycleId = agent.journal.currentCycleId()
    await ui.intent({ type: 'staff.beginCashboxExchange' })
    await ui.until((x) => x.service?.exchange === 'awaitingSeal', 'asks for the seal')
    await ui.intent({ type: 'staff.completeCashboxExchange', sealNo: 'SEAL-0042' })
    v = await ui.until((x) => x.service?.exchange === 'done', 'exchange done')
    expect(v.service?.lastCollection).toMatchObject({ cycleId, sealNo: 'SEAL-0042', totalFen: 7000 })
    expect(v.service?.cashbox).toMatchObject({ totalFen: 0, noteCount: 0 })
    await eventually(() => stub.received.collections.length === 1, 'collection at the central')
    expect(stub.received.collections[0]?.body).toMatchObject({
      cycleId,
      sealNo: 'SEAL-0042',
      staffCardNo: STUB_STAFF_CARD,
      noteCount: 2,
      totalFen: 7000,
      counts: [
        { valueFen: 2000, count: 1 },
        { valueFen: 5000, count: 1 },
      ],
      suspectNotes: [],
    })
    await eventually(() => agent.journal.collectionStatus(cycleId)[0]?.state === 'posted', 'collection posted')

    // Forced sync: with the central away, actions wait in the journal; the sync button sends them at once.
    await eventually(() => agent.journal.serviceEventStates().pending === 0, 'earlier events out')
    stub.down = true
    await ui.intent({ type: 'staff.paperRefilled' })
    await eventually(() => agent.journal.serviceEventStates().pending >= 1 && agent.ops.lastError !== null, 'event waiting')
    const before = stub.received.serviceEvents.length
    stub.down = false
    await ui.intent({ type: 'staff.syncOutbox' })
    // Sooner than the retry's backoff (at least 750 ms after the first failure) would have.
    await eventually(() => agent.journal.serviceEventStates().pending === 0, 'forced sync delivered', 700)
    expect(actions(stub).slice(before)).toEqual(['paper.refill', 'outbox.sync'])
    v = await ui.until((x) => x.service?.outbox.lastSyncAt !== null && x.service?.outbox.lastError === null, 'synced')

    await ui.intent({ type: 'staff.exit' })
    await ui.until((x) => x.screen === 'attract', 'attract after service')
    await eventually(() => agent.journal.serviceEventStates().pending === 0, 'all events out')

    expect(stub.invalid).toEqual([])
    expect(actions(stub)).toEqual([
      'service.enter',
      'acceptor.testNote:start',
      'acceptor.testNote:result',
      'printer.test',
      'paper.refill',
      'kiosk.outOfService',
      'service.exit',
      'service.enter',
      'kiosk.backInService',
      'cashbox.exchange:begin',
      'cashbox.exchange:seal',
      'cashbox.exchange:closed',
      'paper.refill',
      'outbox.sync',
      'service.exit',
    ])
    expect(stub.received.serviceEvents.every((e) => e.staffCardNo === STUB_STAFF_CARD)).toBe(true)
    expect(new Set(stub.received.serviceEvents.map((e) => e.eventId)).size).toBe(stub.received.serviceEvents.length)
    expect(agent.journal.serviceActions().length).toBe(stub.received.serviceEvents.length)
    expect(ui.errors).toEqual([])
  })

  it('offline: a resident seen before is served from the roster (marked from cache); an unknown card gets its own code', { timeout: 20_000 }, async () => {
    const { stub, ui, reader } = await start()
    await ui.until((v) => v.screen === 'attract', 'attract')
    reader.tap(STUB_RESIDENT_CARD)
    let v = await ui.until((x) => x.screen === 'account', 'account online')
    expect(v.session?.account?.fromCache).toBeUndefined()
    await ui.intent({ type: 'resident.cancel' })
    await ui.until((x) => x.screen === 'attract', 'attract')

    stub.down = true
    reader.tap(STUB_RESIDENT_CARD)
    v = await ui.until((x) => x.screen === 'account', 'account offline')
    expect(v.session?.account).toMatchObject({ fromCache: true, customerNameMasked: '张*明', arrearsFen: 1234, lastKnownCreditWh: 56_700 })
    await ui.intent({ type: 'resident.cancel' })
    await ui.until((x) => x.screen === 'attract', 'attract')

    reader.tap('8800019999')
    v = await ui.until((x) => x.screen === 'error', 'error screen')
    expect(v.error?.code).toBe('ERR_OFFLINE_CARD_UNKNOWN')
  })

  it('heartbeat: every HEARTBEAT_MS, at once on a fault, and a central without the route or away does not stop or flood it', { timeout: 20_000 }, async () => {
    const { stub, acceptor } = await start({ HEARTBEAT_MS: '1000' })
    await eventually(() => stub.received.heartbeats.length >= 2, 'two heartbeats', 3000)
    expect(stub.invalid).toEqual([])
    // A fault goes out at once, not at the next tick.
    const n = stub.received.heartbeats.length
    const t0 = Date.now()
    acceptor.emit({ type: 'jammed', safe: true })
    await eventually(() => stub.received.heartbeats.slice(n).some((h) => h.faults.some((f) => f.device === 'acceptor' && f.health === 'jammed')), 'fault heartbeat', 900)
    expect(Date.now() - t0).toBeLessThan(900)

    // 404 (central without the route), then away: the heartbeat keeps its pace, no more, no less.
    let notFound = 0
    stub.override.set('POST /api/v1/kiosks/heartbeat', () => (++notFound, { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Route not found' } }))
    await new Promise((r) => setTimeout(r, 2600))
    expect(notFound).toBeGreaterThanOrEqual(2)
    expect(notFound).toBeLessThanOrEqual(4)
    // A failing central and a flapping device: at most one fault beat per 2 s, not one per flap.
    let failing = 0
    stub.override.set('POST /api/v1/kiosks/heartbeat', () => (++failing, { status: 503, body: { statusCode: 503, code: 'ERR_INTERNAL', error: 'x', message: 'x' } }))
    await new Promise((r) => setTimeout(r, 2100))
    failing = 0
    for (let i = 0; i < 10; i++) {
      acceptor.emit({ type: 'jammed', safe: true })
      acceptor.emit({ type: 'online' })
      await new Promise((r) => setTimeout(r, 150))
    }
    await new Promise((r) => setTimeout(r, 100))
    // 1.6 s: one or two interval beats plus at most one fault beat.
    expect(failing).toBeLessThanOrEqual(4)
    stub.override.delete('POST /api/v1/kiosks/heartbeat')
    const m = stub.received.heartbeats.length
    await eventually(() => stub.received.heartbeats.length > m, 'heartbeat again after the central is back', 2500)
    expect(stub.invalid).toEqual([])
  })
})
