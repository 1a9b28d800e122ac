import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, uuidv7 } from '@gridtill/shared'
import { createAcceptorService } from '../actors/acceptor.actor.ts'
import type { AcceptorDevice, AcceptorDeviceEvent } from '../actors/device-types.ts'
import { Journal, JournalError } from './journal.ts'
import { loadOrCreateIdentity } from './identity.ts'

const dirs: string[] = []
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-journal-'))
  dirs.push(dir)
  return path.join(dir, 'journal.db')
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const log = pino({ level: 'silent' })

/** A driver stand-in that does what the real ones promise: handler first, ack after it resolves. */
class FakeAcceptor implements AcceptorDevice {
  readonly protocol = 'fake'
  readonly state = 'enabled'
  readonly denominationsFen = [100, 500, 1000, 2000, 5000, 10000]
  readonly order: string[] = []
  private handler: ((n: { noteId: string; valueFen: number }) => Promise<void>) | null = null
  private readonly listeners = new Set<(e: AcceptorDeviceEvent) => void>()
  constructor(private readonly onAck: (noteId: string) => void) {}
  start = () => Promise.resolve()
  stop = () => Promise.resolve()
  enable = () => Promise.resolve()
  disable = () => Promise.resolve()
  stack = () => Promise.resolve()
  returnNote = () => Promise.resolve()
  setCreditHandler(h: (n: { noteId: string; valueFen: number }) => Promise<void>) {
    this.handler = h
  }
  on(l: (e: AcceptorDeviceEvent) => void) {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
  emit(e: AcceptorDeviceEvent) {
    for (const l of this.listeners) l(e)
  }
  /** VEND VALID: call the handler, then ACK, then report. */
  async credit(valueFen: number): Promise<string> {
    const noteId = uuidv7()
    this.order.push('handler:start')
    await this.handler?.({ noteId, valueFen })
    this.order.push('handler:resolved')
    this.onAck(noteId)
    this.order.push('ack')
    this.emit({ type: 'noteCredited', noteId, valueFen })
    return noteId
  }
}

describe('journal', () => {
  it('opens with WAL and synchronous=FULL', () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    expect(String(j.db.pragma('journal_mode', { simple: true }))).toBe('wal')
    expect(j.db.pragma('synchronous', { simple: true })).toBe(2)
    j.close()
  })

  it('refuses a database that cannot run in WAL mode', () => {
    expect(() => Journal.open(':memory:', { clock: new ManualClock() })).toThrow(JournalError)
  })

  it('checkDurability refuses synchronous below FULL', () => {
    const file = tempDb()
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    expect(() => Journal.checkDurability(db)).toThrow(/synchronous/)
    db.close()
  })

  it('writes the note to disk inside the credit handler, before the device is acked', async () => {
    const file = tempDb()
    const clock = new ManualClock()
    const journal = Journal.open(file, { clock })
    // A second connection sees only committed data: the note must be there at ack time.
    const reader = new Database(file, { readonly: true })
    const seenAtAck: (string | null)[] = []
    const device = new FakeAcceptor((noteId) => {
      const row = reader.prepare('SELECT note_id FROM notes WHERE note_id = ?').get(noteId) as { note_id: string } | undefined
      seenAtAck.push(row?.note_id ?? null)
    })
    createAcceptorService(device, { journal, log })
    const id1 = await device.credit(5000)
    const id2 = await device.credit(2000)
    expect(seenAtAck).toEqual([id1, id2])
    expect(device.order).toEqual(['handler:start', 'handler:resolved', 'ack', 'handler:start', 'handler:resolved', 'ack'])
    reader.close()
    journal.close()
  })

  it('a note credited twice with the same id counts once', () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const noteId = uuidv7()
    expect(j.creditNote({ noteId, sessionId: 's', valueFen: 1000 })).toBe(true)
    expect(j.creditNote({ noteId, sessionId: 's', valueFen: 1000 })).toBe(false)
    expect(j.cashbox().totalFen).toBe(1000)
    j.close()
  })

  it('a note pays for one vend only', () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const noteId = uuidv7()
    j.creditNote({ noteId, sessionId: 's', valueFen: 1000 })
    const base = { sessionId: 's', meterNo: '58101000001', cardNo: null, notes: [{ noteId, valueFen: 1000 }], paidAt: 0, origin: 'session' as const }
    const v = j.createVend({ ...base, vendId: uuidv7() })
    expect(v.state).toBe('intent')
    expect(JSON.parse(v.requestJson)).toMatchObject({ vendId: v.vendId, amountFen: 1000, meterNo: '58101000001' })
    expect(() => j.createVend({ ...base, vendId: uuidv7() })).toThrow(/already paid/)
    expect(j.undeliveredVends()).toHaveLength(1)
    j.close()
  })

  it('cash box cycles: counts by denomination, closing opens the next', () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    for (const v of [5000, 5000, 1000]) j.creditNote({ noteId: uuidv7(), sessionId: 's', valueFen: v })
    expect(j.cashbox()).toMatchObject({ countsByValueFen: { '1000': 1, '5000': 2 }, totalFen: 11000, noteCount: 3 })
    const closed = j.closeCycle('SEAL-1')
    expect(closed).toMatchObject({ sealNo: 'SEAL-1', totalFen: 11000 })
    expect(j.cashbox().totalFen).toBe(0)
    expect(j.cashbox().cycleId).not.toBe(closed.cycleId)
    expect(j.lastClosedCycle()?.sealNo).toBe('SEAL-1')
    j.close()
  })

  it('keeps the kiosk key pair across restarts', () => {
    const file = tempDb()
    const a = Journal.open(file, { clock: new ManualClock() })
    const idA = loadOrCreateIdentity(a)
    a.close()
    const b = Journal.open(file, { clock: new ManualClock() })
    const idB = loadOrCreateIdentity(b)
    expect(idB.publicKeySpkiB64).toBe(idA.publicKeySpkiB64)
    expect(Buffer.from(idB.publicKeySpkiB64, 'base64').length).toBe(44)
    b.close()
  })
})
