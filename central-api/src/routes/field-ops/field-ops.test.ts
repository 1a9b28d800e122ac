/**
 * Field operations end to end inside one app, on both engines: heartbeats raise and clear alerts
 * (one open per kiosk and kind), the offline rule on the injected clock, service events
 * (idempotent, audited under the staff card's staff member), the staff actions on alerts and work
 * orders with their audit rows, bad bodies refused with nothing changed, and the live socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_STAFF_CARDS, uuidv7, type ServiceEventRequest } from '@gridtill/shared'
import { heartbeat, type HeartbeatPatch } from '../../field-ops/test-heartbeat.ts'
import type { AlertView, KioskHistoryView, KioskView, WorkOrderView } from '../../field-ops/views.ts'
import { ENGINES, enrollDemoKiosk, makeApp, signed, staffHeaders, type TestApp, type TestKiosk } from '../../test-support.ts'
import { consoleSignIn } from '../console/testing.ts'

const FIELD = `${API_PREFIX}/console/field`
const FIELD_CARD = DEMO_STAFF_CARDS.find((c) => c.role === 'field')!

describe.each(ENGINES)('field operations on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  let FIELD_ID = 'F001'
  beforeAll(async () => {
    t = await makeApp({ engine })
    // The field staff member whose card the demo seeds (the console's demo staff has one, S004;
    // without it, one is added under the card's name). F002 has left.
    const seeded = (await t.app.repo.listFieldStaff()).find((s) => s.name === FIELD_CARD.name)
    if (seeded === undefined) await t.db.exec(`INSERT INTO staff (id, name, role, active, created_at) VALUES (FIELD_ID, '${FIELD_CARD.name}', 'field', 1, 0)`)
    FIELD_ID = seeded?.id ?? 'F001'
    await t.db.exec(`INSERT INTO staff (id, name, role, active, created_at) VALUES ('F002', 'Retired (field)', 'field', 0, 0)`)
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const beat = (patch: HeartbeatPatch = {}) => signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/kiosks/heartbeat`, body: heartbeat(t.clock.now(), patch) })
  const get = <T>(url: string, staffId = FIELD_ID) => t.app.inject({ method: 'GET', url: `${FIELD}${url}`, headers: staffHeaders(staffId) }).then((r) => ({ status: r.statusCode, body: r.json<T>() }))
  const post = (url: string, staffId = FIELD_ID, payload?: object) =>
    t.app.inject({ method: 'POST', url: `${FIELD}${url}`, headers: staffHeaders(staffId), ...(payload === undefined ? {} : { payload }) })
  const openAlerts = async () => (await get<AlertView[]>(`/alerts?kioskId=${kiosk.kioskId}`)).body
  const auditEntries = async () => (await t.app.repo.verifyAuditChain()).entries

  it('stores the latest heartbeat and shows it in the fleet; a paper-out heartbeat raises one alert, once', async () => {
    const res = await beat({ printer: { paper: 'out' }, outbox: { depth: 3 } })
    expect(res.statusCode, res.body).toBe(204)
    expect(res.body).toBe('')
    const fleet = (await get<{ kiosks: KioskView[]; offlineAfterMin: number }>('/fleet')).body
    expect(fleet.offlineAfterMin).toBe(5)
    expect(fleet.kiosks.find((k) => k.kioskId === kiosk.kioskId)).toMatchObject({ online: true, paper: 'out', outboxDepth: 3, cashboxFill: 0.2, devices: { acceptor: 'ok' }, openAlerts: 1 })
    expect((await openAlerts()).map((a) => [a.kind, a.status, a.severity])).toEqual([['paperOut', 'open', 'critical']])

    // The same condition again: still exactly one open alert.
    t.clock.advance(30_000)
    expect((await beat({ printer: { paper: 'out' } })).statusCode).toBe(204)
    expect((await openAlerts()).map((a) => a.kind)).toEqual(['paperOut'])
  })

  it('clears an alert when its condition ends and raises a new one only after that', async () => {
    const first = (await openAlerts())[0]!
    t.clock.advance(30_000)
    await beat()
    expect(await openAlerts()).toEqual([])
    const all = (await get<AlertView[]>(`/alerts?status=all&kioskId=${kiosk.kioskId}`)).body
    expect(all.find((a) => a.alertId === first.alertId)).toMatchObject({ status: 'cleared', clearedAt: new Date(t.clock.now()).toISOString() })
    t.clock.advance(30_000)
    await beat({ printer: { paper: 'out' } })
    const again = await openAlerts()
    expect(again).toHaveLength(1)
    expect(again[0]!.alertId).not.toBe(first.alertId)
  })

  it('refuses bad heartbeats with 400 and a code, storing nothing; unsigned ones with 401', async () => {
    const before = (await get<KioskHistoryView>(`/kiosks/${kiosk.kioskId}/history`)).body
    const bad = [
      { ...heartbeat(t.clock.now()), extra: 1 },
      { ...heartbeat(t.clock.now()), uptimeS: -1 },
      { ...heartbeat(t.clock.now()), cashbox: { ...heartbeat(t.clock.now()).cashbox, fill: 1.5 } },
      { ...heartbeat(t.clock.now()), faults: Array.from({ length: 51 }, () => ({ at: new Date(t.clock.now()).toISOString(), device: 'printer', health: 'fault', code: 'x' })) },
      '{"sentAt":',
    ]
    for (const body of bad) {
      const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/kiosks/heartbeat`, body })
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json<{ code: string }>().code).toMatch(/^ERR_/)
    }
    const unsigned = await t.app.inject({ method: 'POST', url: `${API_PREFIX}/kiosks/heartbeat`, payload: heartbeat(t.clock.now()) })
    expect(unsigned.statusCode).toBe(401)
    const after = (await get<KioskHistoryView>(`/kiosks/${kiosk.kioskId}/history`)).body
    expect(after.heartbeats.length).toBe(before.heartbeats.length)
    expect(after.kiosk.lastHeardAt).toBe(before.kiosk.lastHeardAt)
  })

  it('records faults once even when the kiosk sends them again', async () => {
    const at = new Date(t.clock.now()).toISOString()
    const faults = [{ at, device: 'acceptor' as const, health: 'jammed' as const, code: 'jammed' }]
    await beat({ faults, acceptor: { health: 'jammed' } })
    t.clock.advance(1000)
    await beat({ faults, acceptor: { health: 'jammed' } })
    const h = (await get<KioskHistoryView>(`/kiosks/${kiosk.kioskId}/history`)).body
    expect(h.faults.filter((f) => f.at === at)).toHaveLength(1)
    expect((await openAlerts()).map((a) => a.kind).sort()).toEqual(['acceptorJam'])
    t.clock.advance(1000)
    await beat()
  })

  it('raises offline after N minutes without a heartbeat (on the injected clock) and clears it on the next', async () => {
    await beat()
    t.clock.advance(5 * 60_000)
    expect((await t.app.fieldOps.sweep()).raised).toEqual([])
    t.clock.advance(1)
    const swept = await t.app.fieldOps.sweep()
    expect(swept.raised.map((a) => [a.kioskId, a.kind])).toEqual([[kiosk.kioskId, 'offline']])
    // A second sweep raises nothing new.
    expect((await t.app.fieldOps.sweep()).raised).toEqual([])
    expect((await get<{ kiosks: KioskView[] }>('/fleet')).body.kiosks.find((k) => k.kioskId === kiosk.kioskId)).toMatchObject({ online: false, openAlerts: 1 })
    await beat()
    expect(await openAlerts()).toEqual([])
  })

  it('acknowledges an alert (audited once), turns it into a work order, assigns and closes it', async () => {
    t.clock.advance(1000)
    await beat({ acceptor: { cashboxPresent: false } })
    const alert = (await openAlerts()).find((a) => a.kind === 'cassetteRemoved')!
    const audit0 = await auditEntries()

    // Support may look but not act; a cashier may not even look.
    expect((await post(`/alerts/${alert.alertId}/acknowledge`, 'S002')).json()).toMatchObject({ statusCode: 403, code: 'ERR_STAFF_FORBIDDEN' })
    expect((await get(`/alerts`, 'S002')).status).toBe(200)
    expect((await get(`/alerts`, 'S003')).status).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: `${FIELD}/fleet` })).statusCode).toBe(401)

    const acked = await post(`/alerts/${alert.alertId}/acknowledge`, FIELD_ID)
    expect(acked.statusCode, acked.body).toBe(200)
    expect(acked.json<AlertView>()).toMatchObject({ status: 'acknowledged', acknowledgedBy: FIELD_ID })
    expect((await post(`/alerts/${alert.alertId}/acknowledge`, 'S001')).json<AlertView>()).toMatchObject({ acknowledgedBy: FIELD_ID })
    expect(await auditEntries()).toBe(audit0 + 1)

    // Bad bodies change nothing.
    for (const body of [{ assignee: FIELD_ID, extra: true }, { assignee: 'not a staff id!' }, { note: '   ' }]) {
      const res = await post(`/alerts/${alert.alertId}/work-order`, FIELD_ID, body)
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({ code: 'ERR_VALIDATION' })
    }
    // Only active field or admin staff can take it.
    for (const assignee of ['S003', 'F002', 'NOBODY']) {
      expect((await post(`/alerts/${alert.alertId}/work-order`, FIELD_ID, { assignee })).json()).toMatchObject({ statusCode: 422, code: 'ERR_WORK_ORDER_ASSIGNEE' })
    }
    expect((await post(`/alerts/${uuidv7(t.clock.now())}/work-order`, FIELD_ID, {})).statusCode).toBe(404)
    expect(await auditEntries()).toBe(audit0 + 1)
    expect((await get<WorkOrderView[]>('/work-orders')).body).toEqual([])

    const made = await post(`/alerts/${alert.alertId}/work-order`, 'S001', { note: 'Cash box left out after exchange?' })
    expect(made.statusCode, made.body).toBe(201)
    const wo = made.json<WorkOrderView>()
    expect(wo).toMatchObject({ kioskId: kiosk.kioskId, alertId: alert.alertId, state: 'open', assignedTo: null, createdBy: 'S001' })
    expect((await post(`/alerts/${alert.alertId}/work-order`, FIELD_ID, {})).json()).toMatchObject({ statusCode: 409, code: 'ERR_WORK_ORDER_EXISTS' })
    // open → done is not a step: someone must be on it first.
    expect((await post(`/work-orders/${wo.workOrderId}/close`, FIELD_ID, { note: 'done' })).json()).toMatchObject({ statusCode: 409, code: 'ERR_WORK_ORDER_STATE' })

    const assigned = await post(`/work-orders/${wo.workOrderId}/assign`, 'S001', { assignee: FIELD_ID })
    expect(assigned.json<WorkOrderView>()).toMatchObject({ state: 'assigned', assignedTo: FIELD_ID })
    expect((await post(`/work-orders/${wo.workOrderId}/notes`, FIELD_ID, { note: 'On my way' })).statusCode).toBe(200)
    const closed = await post(`/work-orders/${wo.workOrderId}/close`, FIELD_ID, { note: 'Cash box reseated and locked' })
    expect(closed.statusCode, closed.body).toBe(200)
    expect(closed.json<WorkOrderView>()).toMatchObject({ state: 'done', closedBy: FIELD_ID })
    expect(closed.json<WorkOrderView>().notes.map((n) => n.kind)).toEqual(['created', 'assigned', 'note', 'closed'])
    expect((await post(`/work-orders/${wo.workOrderId}/close`, FIELD_ID, { note: 'again' })).json()).toMatchObject({ statusCode: 409, code: 'ERR_WORK_ORDER_STATE' })
    expect((await post(`/work-orders/${wo.workOrderId}/assign`, FIELD_ID, { assignee: FIELD_ID })).json()).toMatchObject({ statusCode: 409 })
    // created, assigned, noted, closed: one audit row each, and the chain still verifies.
    expect(await auditEntries()).toBe(audit0 + 5)
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)

    const alertNow = (await get<AlertView[]>(`/alerts?status=all&kioskId=${kiosk.kioskId}`)).body.find((a) => a.alertId === alert.alertId)
    expect(alertNow).toMatchObject({ workOrderId: wo.workOrderId })
    expect((await get<WorkOrderView[]>('/work-orders?state=done')).body.map((w) => w.workOrderId)).toEqual([wo.workOrderId])
    expect((await get('/work-orders?state=closed')).status).toBe(400)
    expect((await get('/work-orders?limit=0')).status).toBe(400)
  })

  it('a work order made with an assignee starts assigned and acknowledges its alert', async () => {
    t.clock.advance(1000)
    await beat({ printer: { paper: 'nearEnd' } })
    const alert = (await openAlerts()).find((a) => a.kind === 'paperLow')!
    const made = await post(`/alerts/${alert.alertId}/work-order`, FIELD_ID, { assignee: FIELD_ID })
    expect(made.json<WorkOrderView>()).toMatchObject({ state: 'assigned', assignedTo: FIELD_ID })
    expect((await get<AlertView[]>(`/alerts?kioskId=${kiosk.kioskId}`)).body.find((a) => a.alertId === alert.alertId)).toMatchObject({ status: 'acknowledged', acknowledgedBy: FIELD_ID })
    expect((await get<{ id: string }[]>('/staff')).body.map((s) => s.id)).toEqual([FIELD_ID, 'S001'])
  })

  describe('service events', () => {
    const event = (overrides: Partial<ServiceEventRequest> = {}): ServiceEventRequest => ({
      eventId: uuidv7(t.clock.now()),
      at: new Date(t.clock.now()).toISOString(),
      action: 'paper.refill',
      staffCardNo: FIELD_CARD.cardNo,
      details: { rollLengthM: 80 },
      ...overrides,
    })
    const send = (body: unknown) => signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/kiosks/service-events`, body })

    it('records each once, audited under the staff card’s staff member; a retry is a no-op, another body under the id a 422', async () => {
      const e = event()
      const audit0 = await auditEntries()
      expect((await send(e)).statusCode).toBe(204)
      expect(await auditEntries()).toBe(audit0 + 1)
      expect((await send(e)).statusCode).toBe(204)
      expect(await auditEntries()).toBe(audit0 + 1)
      const other = await send({ ...e, action: 'printer.test' })
      expect(other.statusCode).toBe(422)
      expect(other.json()).toMatchObject({ code: 'ERR_IDEMPOTENCY_MISMATCH' })
      expect(await auditEntries()).toBe(audit0 + 1)
      const h = (await get<KioskHistoryView>(`/kiosks/${kiosk.kioskId}/history`)).body
      expect(h.serviceEvents.filter((s) => s.eventId === e.eventId)).toEqual([expect.objectContaining({ action: 'paper.refill', actor: `staff:${FIELD_ID}`, details: { rollLengthM: 80 } })])
    })

    it('keeps an event from an unknown card under the card itself (the kiosk already did it)', async () => {
      const e = event({ staffCardNo: '9900009999', action: 'service.enter', details: {} })
      expect((await send(e)).statusCode).toBe(204)
      const h = (await get<KioskHistoryView>(`/kiosks/${kiosk.kioskId}/history`)).body
      expect(h.serviceEvents.find((s) => s.eventId === e.eventId)).toMatchObject({ actor: 'card:9900009999' })
    })

    it('refuses bad bodies with 400 and writes nothing', async () => {
      const audit0 = await auditEntries()
      const bads: unknown[] = [
        { ...event(), action: 'kiosk.explode' },
        { ...event(), extra: 1 },
        { ...event(), staffCardNo: '12' },
        { ...event(), details: { nested: { a: 1 } } },
        { ...event(), details: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) },
        { ...event(), details: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, 'x'.repeat(200)])) },
        { ...event(), eventId: 'not-a-uuid' },
      ]
      for (const b of bads) {
        const res = await send(b)
        expect(res.statusCode, JSON.stringify(b).slice(0, 80)).toBe(400)
        expect(res.json()).toMatchObject({ code: 'ERR_VALIDATION' })
      }
      expect(await auditEntries()).toBe(audit0)
    })
  })

  it('keeps a bounded history per kiosk', async () => {
    const now = t.clock.now()
    for (let i = 0; i < 5; i++) {
      await t.app.repo.recordHeartbeat({ kioskId: kiosk.kioskId, heartbeat: heartbeat(now + i), receivedAt: now + i, conditions: new Map(), decides: [], historyLimit: 3, newAlertId: () => uuidv7(now) })
    }
    const h = await t.app.repo.kioskHistory(kiosk.kioskId, 100)
    expect(h.heartbeats.map((b) => b.receivedAt)).toEqual([now + 4, now + 3, now + 2])
  })

  it('the history page of an unknown kiosk is a 404; bad path parameters are 400', async () => {
    expect((await get('/kiosks/K999/history')).status).toBe(404)
    expect((await get('/kiosks/bad%20id/history')).status).toBe(400)
    expect((await post('/alerts/not-a-uuid/acknowledge')).statusCode).toBe(400)
  })
})

describe('field operations live socket', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp()
    await t.db.exec(`INSERT INTO staff (id, name, role, active, created_at) VALUES ('F001', 'Field', 'field', 1, 0)`)
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  it('pushes a snapshot, then kiosk health and alert changes; a bad message gets an error frame and the socket lives on', async () => {
    const received: { type: string; [k: string]: unknown }[] = []
    // Listening from onInit: the snapshot may arrive before injectWS resolves.
    const ws = await t.app.injectWS(
      `${FIELD}/live`,
      { headers: staffHeaders('F001') },
      { onInit: (s) => s.on('message', (d: Buffer) => received.push(JSON.parse(d.toString()) as { type: string })) },
    )
    const waitFor = async (pred: (m: { type: string; [k: string]: unknown }) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const m = received.find(pred)
        if (m !== undefined) return m
        await new Promise((r) => setTimeout(r, 10))
      }
      throw new Error(`no such message in ${JSON.stringify(received.map((m) => m.type))}`)
    }
    expect(await waitFor((m) => m.type === 'snapshot')).toMatchObject({ alerts: [] })

    ws.send('not json')
    expect(await waitFor((m) => m.type === 'error')).toMatchObject({ code: 'ERR_WS_BAD_MESSAGE' })
    ws.send(JSON.stringify({ type: 'ping' }))
    await waitFor((m) => m.type === 'pong')

    await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/kiosks/heartbeat`, body: heartbeat(t.clock.now(), { printer: { paper: 'out' } }) })
    expect(await waitFor((m) => m.type === 'alert')).toMatchObject({ alert: { kind: 'paperOut', status: 'open', kioskId: kiosk.kioskId } })
    expect(await waitFor((m) => m.type === 'kiosk')).toMatchObject({ kiosk: { kioskId: kiosk.kioskId, paper: 'out', online: true } })
    ws.terminate()
  })

  it('opens with a console session cookie and closes when that session is signed out', async () => {
    const session = await consoleSignIn(t.app, 'S004')
    const received: { type: string; code?: string }[] = []
    let closedWith: number | null = null
    const ws = await t.app.injectWS(
      `${FIELD}/live`,
      { headers: { cookie: session.cookie } },
      {
        onInit: (s) => {
          s.on('message', (d: Buffer) => received.push(JSON.parse(d.toString()) as { type: string }))
          s.on('close', (code: number) => (closedWith = code))
        },
      },
    )
    ws.send(JSON.stringify({ type: 'ping' }))
    await expect.poll(() => received.some((m) => m.type === 'pong')).toBe(true)
    expect((await session.request({ method: 'DELETE', url: `${API_PREFIX}/console/session` })).statusCode).toBeLessThan(300)
    ws.send(JSON.stringify({ type: 'ping' }))
    await expect.poll(() => closedWith).toBe(4401)
    expect(received.at(-1)).toMatchObject({ type: 'error', code: 'ERR_STAFF_UNAUTHENTICATED' })
  })

  it('refuses the upgrade without a signed-in staff member', async () => {
    await expect(t.app.injectWS(`${FIELD}/live`)).rejects.toThrow()
    await expect(t.app.injectWS(`${FIELD}/live`, { headers: staffHeaders('S003') })).rejects.toThrow()
    // Another site's page, even with a valid credential, may not open it.
    await expect(t.app.injectWS(`${FIELD}/live`, { headers: { ...staffHeaders('F001'), origin: 'https://evil.example', host: 'central.example' } })).rejects.toThrow()
    const ok = await t.app.injectWS(`${FIELD}/live`, { headers: { ...staffHeaders('F001'), origin: 'http://central.example', host: 'central.example' } })
    ok.terminate()
  })
})
