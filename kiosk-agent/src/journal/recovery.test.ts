import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, uuidv7 } from '@gridtill/shared'
import { Journal } from './journal.ts'
import { recoverUnvendedNotes } from './recovery.ts'

const log = pino({ level: 'silent' })
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-recovery-'))
  dirs.push(dir)
  return path.join(dir, 'journal.db')
}

function sessionWithNotes(j: Journal, values: number[]): string {
  const sessionId = uuidv7()
  j.upsertSession({ sessionId, via: 'card', cardNo: '8800010001', accountId: 'a', meterNo: '58101000001', customerNameMasked: '张*明', state: 'collecting' })
  for (const v of values) j.creditNote({ noteId: uuidv7(), sessionId, valueFen: v })
  return sessionId
}

describe('recovery', () => {
  it('credited notes without a vend → one vend, and not a second one after another restart', () => {
    const file = tempDb()
    const clock = new ManualClock()
    let j = Journal.open(file, { clock })
    const sessionId = sessionWithNotes(j, [5000, 2000])
    j.close() // "crash" before the vend intent was journaled

    j = Journal.open(file, { clock })
    const first = recoverUnvendedNotes(j, { clock, log })
    expect(first.created).toHaveLength(1)
    const vend = first.created[0]!
    expect(vend).toMatchObject({ sessionId, meterNo: '58101000001', cardNo: '8800010001', amountFen: 7000, origin: 'recovery', state: 'intent' })
    expect(j.undeliveredVends().map((v) => v.vendId)).toEqual([vend.vendId])
    j.close()

    j = Journal.open(file, { clock })
    const second = recoverUnvendedNotes(j, { clock, log })
    expect(second.created).toHaveLength(0)
    expect(j.vendsForSession(sessionId)).toHaveLength(1)
    j.close()
  })

  it('a note credited after its session\'s vend becomes a vend of its own', () => {
    const clock = new ManualClock()
    const j = Journal.open(tempDb(), { clock })
    const sessionId = sessionWithNotes(j, [1000])
    const notes = j.notesForSession(sessionId).map((n) => ({ noteId: n.noteId, valueFen: n.valueFen }))
    j.createVend({ vendId: uuidv7(), sessionId, meterNo: '58101000001', cardNo: null, notes, paidAt: 0, origin: 'session' })
    j.creditNote({ noteId: uuidv7(), sessionId, valueFen: 500 })
    const r = recoverUnvendedNotes(j, { clock, log })
    expect(r.created.map((v) => v.amountFen)).toEqual([500])
    expect(j.vendsForSession(sessionId)).toHaveLength(2)
    j.close()
  })

  it('leaves the session on screen alone', () => {
    const clock = new ManualClock()
    const j = Journal.open(tempDb(), { clock })
    const sessionId = sessionWithNotes(j, [1000])
    expect(recoverUnvendedNotes(j, { clock, log, activeSessionId: sessionId }).created).toHaveLength(0)
    j.close()
  })

  it('notes with no session are reported as unassigned, not vended', () => {
    const clock = new ManualClock()
    const j = Journal.open(tempDb(), { clock })
    j.creditNote({ noteId: uuidv7(), sessionId: null, valueFen: 1000 })
    const r = recoverUnvendedNotes(j, { clock, log })
    expect(r.created).toHaveLength(0)
    expect(r.unassigned).toHaveLength(1)
    j.close()
  })

  it('the meter cannot change once money is in', () => {
    const clock = new ManualClock()
    const j = Journal.open(tempDb(), { clock })
    const sessionId = sessionWithNotes(j, [1000])
    j.upsertSession({ sessionId, via: 'card', cardNo: null, accountId: 'a', meterNo: '58101000002', customerNameMasked: null, state: 'collecting' })
    expect(j.getSession(sessionId)?.meterNo).toBe('58101000001')
    j.close()
  })
})
