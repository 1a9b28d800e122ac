import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, uuidv7, type DevicesView } from '@gridtill/shared'
import { CentralError } from '../central-client/central-client.ts'
import { Heartbeat } from '../heartbeat/heartbeat.ts'
import type { HeartbeatRequest } from '@gridtill/shared'
import { Journal } from '../journal/journal.ts'
import { createHarness, settle } from '../testing/machine-harness.ts'

const log = pino({ level: 'silent' })
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function journal(): Journal {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svc-'))
  dirs.push(dir)
  return Journal.open(path.join(dir, 'j.db'), { clock: new ManualClock(Date.UTC(2026, 0, 1)) })
}

describe('late credit and orphan credit events at power-up', () => {
  it('a bill in the stacker after a credited, unacknowledged note is that note: matched, not a suspect', () => {
    const j = journal()
    j.creditNote({ noteId: uuidv7(1), sessionId: 's1', valueFen: 5000 })
    // power lost before the ACK: the device powers up with the bill in the stacker
    expect(j.recordSuspectNote({ valueFen: null, location: 'stacker' }).matchedNoteId).not.toBeNull()
    expect(j.suspectNoteCount()).toBe(0)
    expect(j.totals().notes).toBe(1)
  })

  it('once the device moved past the credit (settled), a bill in the stacker is a new suspect', () => {
    const j = journal()
    j.creditNote({ noteId: uuidv7(1), sessionId: 's1', valueFen: 5000 })
    j.settleNotes()
    expect(j.recordSuspectNote({ valueFen: null, location: 'stacker' }).matchedNoteId).toBeNull()
    expect(j.suspectNoteCount()).toBe(1)
    // a bill in the head is returned at power-up: recorded, not counted as box money
    j.recordSuspectNote({ valueFen: 2000, location: 'acceptor' })
    expect(j.suspectNoteCount()).toBe(1)
  })
})

describe('service mode', () => {
  it('test note: the acceptor is enabled for it, the note goes back, nothing is credited; every action journaled', async () => {
    const h = createHarness()
    h.tap('9900000101', 'staff', 'field')
    await settle()
    expect(h.state().matches('service')).toBe(true)
    h.actor.send({ type: 'staff.testNote' })
    expect(h.state().matches({ service: 'testNote' })).toBe(true)
    expect(h.commands.at(-1)).toBe('acceptor.enable')
    h.insert(2000)
    await settle()
    expect(h.commands.slice(-2)).toEqual(['acceptor.return', 'acceptor.disable'])
    expect(h.state().matches({ service: 'main' })).toBe(true)
    expect(h.ctx().staff?.message).toBe('testNote.returned:2000')
    expect(h.ctx().session).toBeNull()
    h.actor.send({ type: 'staff.beginCashboxExchange' })
    h.actor.send({ type: 'staff.completeCashboxExchange', sealNo: 'SEAL-42' })
    await settle()
    h.actor.send({ type: 'staff.exit' })
    const actions = h.emitted.filter((e): e is { type: 'journal.staff'; action: string } => (e as { type: string }).type === 'journal.staff').map((e) => e.action)
    expect(actions).toEqual(['service.enter', 'testNote.start', 'testNote', 'cashbox.begin', 'cashbox.seal', 'cashbox.closed', 'service.exit'])
  })

  it('cash box exchange: counts by denomination close the cycle and wait in the collections outbox', () => {
    const j = journal()
    j.creditNote({ noteId: uuidv7(1), sessionId: 's', valueFen: 5000 })
    j.creditNote({ noteId: uuidv7(2), sessionId: 's', valueFen: 5000 })
    j.creditNote({ noteId: uuidv7(3), sessionId: 's', valueFen: 1000 })
    j.recordTestNote({ valueFen: 2000, outcome: 'stacked', noteId: uuidv7(4), staffCardNo: '9900000101' })
    const closed = j.closeCycle('SEAL-7', '9900000101')
    expect(closed.countsByValueFen).toEqual({ 1000: 1, 5000: 2 })
    expect(j.pendingCollections()).toEqual([{ cycleId: closed.cycleId, sealNo: 'SEAL-7', totalFen: 11_000, noteCount: 3, countsByValueFen: { 1000: 1, 5000: 2 } }])
    expect(j.cashbox().noteCount).toBe(0)
  })
})

describe('heartbeat', () => {
  const devices = (paper: 'ok' | 'out'): DevicesView => ({
    acceptor: { health: 'ok', protocol: 'id003', cashboxPresent: true, stackerFull: false },
    reader: { health: 'ok' },
    printer: { health: paper === 'ok' ? 'ok' : 'fault', paper, coverOpen: false },
  })
  const state = (): Omit<HeartbeatRequest, 'faults' | 'sentAt'> => ({
    softwareVersion: '0.1.0',
    uptimeS: 1,
    screen: 'attract',
    outOfService: false,
    devices: devices('ok'),
    outbox: { depth: 0, oldestAgeMs: null, failed: 0 },
    cashbox: { cycleId: uuidv7(1), noteCount: 0, totalFen: 0, fill: 0, suspectNotes: 0 },
    collectionsPending: 0,
  })
  const manualTimers = () => ({ setTimeout: () => 0, clearTimeout: () => undefined })

  it('sends a fault at once and keeps it queued while the central is away', async () => {
    const sent: HeartbeatRequest[] = []
    let up = false
    const hb = new Heartbeat({
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
      log,
      intervalMs: 30_000,
      state,
      timers: manualTimers(),
      send: (b) => {
        sent.push(b)
        return up ? Promise.resolve() : Promise.reject(new CentralError(0, 'ERR_CENTRAL_UNREACHABLE', 'away'))
      },
    })
    hb.start()
    await settle()
    hb.devicesChanged(devices('out'))
    await settle()
    expect(sent.at(-1)?.faults).toMatchObject([{ device: 'printer', code: 'paperOut' }])
    expect(hb.queuedFaults).toBe(1)
    up = true
    hb.beat()
    await settle()
    expect(sent.at(-1)?.faults).toHaveLength(1)
    expect(hb.queuedFaults).toBe(0)
    await hb.stop()
  })

  it('a central without the route (404) is logged once and the kiosk carries on', async () => {
    let calls = 0
    const debug: string[] = []
    const hb = new Heartbeat({
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
      log: { debug: (m: string) => debug.push(m) } as unknown as typeof log,
      intervalMs: 30_000,
      state,
      timers: manualTimers(),
      send: () => {
        calls++
        return Promise.reject(new CentralError(404, 'HTTP_404', 'Not Found'))
      },
    })
    hb.start()
    await settle()
    hb.beat()
    await settle()
    expect(calls).toBe(2)
    expect(debug).toHaveLength(1)
    await hb.stop()
  })
})
