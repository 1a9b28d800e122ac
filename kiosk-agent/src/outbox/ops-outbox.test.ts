import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, systemClock, uuidv7 } from '@gridtill/shared'
import { CentralError, createCentralClient, type CentralClient } from '../central-client/central-client.ts'
import { startStubCentral, STUB_STAFF_CARD } from '../central-client/stub-central.ts'
import { loadOrCreateIdentity, saveEnrolment } from '../journal/identity.ts'
import { Journal } from '../journal/journal.ts'
import { MIGRATIONS } from '../journal/schema.ts'
import { buildServiceEvent } from '../service-mode/service-event.ts'
import { serviceData } from '../service-mode/service-data.ts'
import { createOpsChannels } from './ops-channels.ts'
import { isVerdict, OpsOutbox } from './ops-outbox.ts'
import { Outbox } from './outbox.ts'

const log = pino({ level: 'silent' })
const dirs: string[] = []
const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-ops-'))
  dirs.push(dir)
  return path.join(dir, 'journal.db')
}

/** Timers the test fires by hand: a retry happens only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>()
  let seq = 0
  return {
    pending,
    setTimeout: (fn: () => void) => (pending.set(++seq, fn), seq),
    clearTimeout: (h: unknown) => void pending.delete(h as number),
    fireAll: () => {
      const fns = [...pending.values()]
      pending.clear()
      for (const f of fns) f()
    },
  }
}

async function setup(opts: { file?: string } = {}) {
  const stub = await startStubCentral()
  closers.push(() => stub.close())
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 2, 0, 0))
  const journal = Journal.open(opts.file ?? tempDb(), { clock })
  closers.push(() => Promise.resolve(journal.close()))
  const identity = loadOrCreateIdentity(journal)
  const central: CentralClient = createCentralClient({
    baseUrl: stub.url,
    // Signatures are checked against the real time window; the journal's clock is the test's.
    clock: systemClock,
    timeoutMs: 2_000,
    credentials: () => (identity.enrolment ? { kioskId: identity.enrolment.kioskId, privateKey: identity.privateKey } : null),
  })
  identity.enrolment = await central.enroll({ enrollmentCode: 'DEMO-ENROLL-K001', publicKey: identity.publicKeySpkiB64 })
  saveEnrolment(journal, identity.enrolment)
  const timers = manualTimers()
  const vends = new Outbox({ journal, post: () => Promise.reject(new Error('no vends here')), clock, log })
  const ops = new OpsOutbox({ channels: createOpsChannels(journal, central), log, timers, random: () => 0.5, onAnswered: () => vends.markSynced() })
  closers.push(() => ops.stop())
  return { stub, clock, journal, central, ops, timers, vends }
}

function fillBox(j: Journal) {
  j.creditNote({ noteId: uuidv7(), sessionId: 's', valueFen: 5000 })
  j.creditNote({ noteId: uuidv7(), sessionId: 's', valueFen: 5000 })
  j.creditNote({ noteId: uuidv7(), sessionId: 's', valueFen: 1000 })
  j.settleNotes()
  j.recordSuspectNote({ valueFen: 2000, location: 'stacker' })
  j.recordTestNote({ valueFen: 10_000, outcome: 'stacked', noteId: uuidv7(), staffCardNo: STUB_STAFF_CARD })
}

describe('collections to the central', () => {
  it('posts each closed cycle as the shared CollectionRequest: counts, staff card, times, suspects of that cycle', async () => {
    const { stub, journal, ops, clock, vends } = await setup()
    fillBox(journal)
    const openedAt = journal.cashbox().openedAt
    clock.advance(3_600_000)
    const closed = journal.closeCycle('SEAL-0042', STUB_STAFF_CARD)
    expect(vends.stats().lastSyncAt).toBeNull()
    ops.start()
    await ops.idle()
    expect(stub.invalid).toEqual([])
    expect(stub.received.collections).toHaveLength(1)
    const body = stub.received.collections[0]!.body
    expect(body).toMatchObject({
      cycleId: closed.cycleId,
      sealNo: 'SEAL-0042',
      openedAt: new Date(openedAt).toISOString(),
      closedAt: new Date(closed.closedAt).toISOString(),
      staffCardNo: STUB_STAFF_CARD,
      noteCount: 3,
      totalFen: 11_000,
      counts: [
        { valueFen: 1000, count: 1 },
        { valueFen: 5000, count: 2 },
      ],
    })
    expect(body.suspectNotes.map((s) => [s.valueFen, s.reason])).toEqual([
      [2000, 'powerUpWithBill'],
      [10_000, 'testNoteStacked'],
    ])
    expect(journal.collectionStatus(closed.cycleId)[0]?.state).toBe('posted')
    expect(journal.pendingCollections()).toEqual([])
    // The next cycle starts empty: its suspects are its own.
    expect(journal.cashbox().noteCount).toBe(0)
    expect(vends.stats().lastSyncAt).toBe(clock.now())
  })

  it('network down and 5xx: retried with backoff and the same bytes until answered; a lost answer comes back duplicate and counts as posted', async () => {
    const { stub, journal, ops, timers } = await setup()
    fillBox(journal)
    const closed = journal.closeCycle('SEAL-1', STUB_STAFF_CARD)
    stub.down = true
    ops.start()
    await ops.idle()
    expect(journal.collectionStatus()[0]).toMatchObject({ state: 'pending', attempts: 1 })
    expect(timers.pending.size).toBe(1) // one retry waiting, not a loop
    stub.down = false
    let calls = 0
    stub.override.set('POST /api/v1/kiosks/collections', () => (++calls === 1 ? { status: 503, body: { statusCode: 503, code: 'ERR_INTERNAL', error: 'x', message: 'x' } } : null))
    timers.fireAll()
    await ops.idle()
    expect(journal.collectionStatus()[0]).toMatchObject({ state: 'pending', attempts: 2 })
    // Now the central takes it, but its answer is lost on the way back.
    stub.override.delete('POST /api/v1/kiosks/collections')
    stub.loseAnswer.add('POST /api/v1/kiosks/collections')
    timers.fireAll()
    await ops.idle()
    expect(journal.collectionStatus()[0]).toMatchObject({ state: 'pending', attempts: 3 })
    expect(stub.received.collections).toHaveLength(1)
    // The retry: same bytes, the central answers duplicate: true, and that is posted.
    timers.fireAll()
    await ops.idle()
    expect(journal.collectionStatus()[0]?.state).toBe('posted')
    expect(stub.received.collections).toHaveLength(1)
    const row = journal.db.prepare('SELECT receipt_json, request_json FROM collections_outbox WHERE cycle_id = ?').get(closed.cycleId) as { receipt_json: string; request_json: string }
    expect(JSON.parse(row.receipt_json)).toMatchObject({ cycleId: closed.cycleId, duplicate: true })
    expect(stub.received.collections[0]?.raw).toBe(row.request_json)
    expect(stub.invalid).toEqual([])
  })

  it('409 retries; 422 and other 4xx mark it failed and shown; a central without the route (404, no code) keeps it pending', async () => {
    const { stub, journal, ops, timers } = await setup()
    fillBox(journal)
    journal.closeCycle('SEAL-A', STUB_STAFF_CARD)
    const answers: { status: number; body?: unknown }[] = [
      { status: 409, body: { statusCode: 409, code: 'ERR_IN_FLIGHT', error: 'x', message: 'in flight' } },
      { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Route POST:/api/v1/kiosks/collections not found' } },
      { status: 422, body: { statusCode: 422, code: 'ERR_IDEMPOTENCY_MISMATCH', error: 'x', message: 'other body for this cycle' } },
    ]
    stub.override.set('POST /api/v1/kiosks/collections', () => answers.shift() ?? null)
    ops.start()
    await ops.idle()
    expect(journal.collectionStatus()[0]?.state).toBe('pending')
    timers.fireAll()
    await ops.idle()
    expect(journal.collectionStatus()[0]?.state).toBe('pending')
    timers.fireAll()
    await ops.idle()
    expect(journal.collectionStatus()[0]).toMatchObject({ state: 'failed', failedCode: 'ERR_IDEMPOTENCY_MISMATCH', attempts: 2 })
    expect(timers.pending.size).toBe(0)
    // A refused one is not retried by the loop.
    ops.kick()
    await ops.idle()
    expect(stub.received.collections).toHaveLength(0)

    expect(isVerdict(new CentralError(400, 'ERR_VALIDATION', 'x'))).toBe(true)
    expect(isVerdict(new CentralError(403, 'ERR_STAFF_FORBIDDEN', 'x'))).toBe(true)
    expect(isVerdict(new CentralError(409, 'ERR_IN_FLIGHT', 'x'))).toBe(false)
    expect(isVerdict(new CentralError(0, 'ERR_CENTRAL_UNREACHABLE', 'x'))).toBe(false)
    expect(isVerdict(new CentralError(500, 'ERR_INTERNAL', 'x'))).toBe(false)
  })
})

describe('service events to the central', () => {
  it('each journaled action goes out once as a ServiceEventRequest, idempotent by its UUIDv7; retried when the central is away', async () => {
    const { stub, journal, ops, timers, clock } = await setup()
    const record = (action: string, detail: Record<string, unknown> | null) => {
      const at = clock.now()
      const { request, problem } = buildServiceEvent({ eventId: uuidv7(at), at, staffCardNo: STUB_STAFF_CARD, action, detail })
      journal.recordServiceAction({ staffCardNo: STUB_STAFF_CARD, action, ...(detail ? { detail } : {}), event: request, unsendable: problem })
    }
    stub.down = true
    record('service.enter', {})
    record('cashbox.closed', { output: { cycleId: uuidv7(), sealNo: 'S-1', totalFen: 100 }, message: 'cashbox.closed' })
    record('outOfService', { outOfService: false })
    ops.start()
    await ops.idle()
    expect(journal.serviceEventStates()).toEqual({ pending: 3, posted: 0, failed: 0 })
    stub.down = false
    timers.fireAll()
    await ops.idle()
    expect(stub.invalid).toEqual([])
    expect(journal.serviceEventStates()).toEqual({ pending: 0, posted: 3, failed: 0 })
    expect(stub.received.serviceEvents.map((e) => e.action)).toEqual(['service.enter', 'cashbox.exchange', 'kiosk.backInService'])
    const closedDetails = stub.received.serviceEvents[1]?.details ?? {}
    expect(Object.keys(closedDetails).sort()).toEqual(['message', 'output.cycleId', 'output.sealNo', 'output.totalFen', 'step'])
    expect(closedDetails).toMatchObject({ step: 'closed', 'output.sealNo': 'S-1', 'output.totalFen': 100, message: 'cashbox.closed' })
    const ids = stub.received.serviceEvents.map((e) => e.eventId)
    expect(new Set(ids).size).toBe(3)
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id))).toBe(true)
  })
})

describe('journal migration 3', () => {
  it('an existing v2 journal opens, keeps its rows; an old collection without the full staff card is failed and shown, not lost', async () => {
    const file = tempDb()
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    for (const [i, m] of MIGRATIONS.slice(0, 2).entries()) {
      db.exec(m)
      db.pragma(`user_version = ${i + 1}`)
    }
    const cycle = uuidv7(1)
    db.prepare('INSERT INTO cashbox_cycles (cycle_id, opened_at, closed_at, seal_no, counts_json, total_fen) VALUES (?, 1, 2, ?, ?, 5000)').run(cycle, 'OLD-1', '{"5000":1}')
    db.prepare('INSERT INTO cashbox_cycles (cycle_id, opened_at) VALUES (?, 3)').run(uuidv7(3))
    db.prepare(
      `INSERT INTO collections_outbox (cycle_id, seal_no, staff_card, counts_json, total_fen, note_count, suspect_count, test_notes, closed_at)
       VALUES (?, 'OLD-1', '…0101', '{"5000":1}', 5000, 1, 0, 0, 2)`,
    ).run(cycle)
    db.prepare("INSERT INTO service_actions (at, staff_card, action) VALUES (1, '…0101', 'service.enter')").run()
    db.prepare("INSERT INTO suspect_notes (at, value_fen, location, cycle_id) VALUES (1, 2000, 'stacker', ?)").run(cycle)
    db.close()

    const { journal, ops, stub } = await setup({ file })
    expect(Number(journal.db.pragma('user_version', { simple: true }))).toBe(MIGRATIONS.length)
    expect(journal.pendingCollections()).toHaveLength(1)
    expect(journal.serviceActions()).toHaveLength(1)
    ops.start()
    await ops.idle()
    expect(journal.collectionStatus()[0]).toMatchObject({ cycleId: cycle, state: 'failed', failedCode: 'ERR_COLLECTION_INCOMPLETE' })
    // The old action stays at the kiosk only (no full card to send); nothing was posted.
    expect(journal.serviceEventStates()).toEqual({ pending: 0, posted: 0, failed: 0 })
    expect(stub.received.collections).toHaveLength(0)
    // New cycles work as usual.
    journal.creditNote({ noteId: uuidv7(), sessionId: null, valueFen: 1000 })
    journal.closeCycle('NEW-1', STUB_STAFF_CARD)
    ops.kick()
    await ops.idle()
    expect(stub.received.collections.map((c) => c.body.sealNo)).toEqual(['NEW-1'])
  })

  it('an old pending collection with the full card gets its body on first send (opened time from the cycle, its suspects with ids)', async () => {
    const { journal, ops, stub } = await setup()
    const cycle = journal.currentCycleId()
    journal.creditNote({ noteId: uuidv7(), sessionId: null, valueFen: 2000 })
    journal.settleNotes()
    journal.closeCycle('MID-1', STUB_STAFF_CARD)
    // As if closed by a version that did not store the body yet.
    journal.db.prepare('UPDATE collections_outbox SET request_json = NULL WHERE cycle_id = ?').run(cycle)
    ops.start()
    await ops.idle()
    expect(stub.invalid).toEqual([])
    expect(stub.received.collections[0]?.body).toMatchObject({ cycleId: cycle, sealNo: 'MID-1', totalFen: 2000, staffCardNo: STUB_STAFF_CARD })
  })
})

describe('service view', () => {
  it('a collection the central refused shows on the field-staff screen with its seal and code', async () => {
    const { journal, ops, stub, vends } = await setup()
    journal.creditNote({ noteId: uuidv7(), sessionId: null, valueFen: 1000 })
    journal.closeCycle('SEAL-R', STUB_STAFF_CARD)
    stub.override.set('POST /api/v1/kiosks/collections', () => ({ status: 422, body: { statusCode: 422, code: 'ERR_COLLECTION_COUNTS_MISMATCH', error: 'x', message: 'x' } }))
    ops.start()
    await ops.idle()
    const view = serviceData(journal, vends, ops)
    expect(view.outbox.lastError).toContain('SEAL-R ERR_COLLECTION_COUNTS_MISMATCH')
    expect(view.outbox.lastSyncAt).not.toBeNull()
  })
})
