import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, uuidv7 } from '@gridtill/shared'
import { STUB_STAFF_CARD } from '../central-client/stub-central.ts'
import { Journal } from '../journal/journal.ts'
import { Outbox } from '../outbox/outbox.ts'
import { serviceData } from './service-data.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-service-data-'))
  dirs.push(dir)
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 2, 0, 0))
  const journal = Journal.open(path.join(dir, 'journal.db'), { clock })
  const outbox = new Outbox({ journal, post: () => Promise.reject(new Error('not here')), clock, log: pino({ level: 'silent' }) })
  return { clock, journal, outbox }
}

function closeBox(journal: Journal, sealNo: string, valueFen: number): string {
  journal.creditNote({ noteId: uuidv7(), sessionId: null, valueFen })
  journal.settleNotes()
  const cycleId = journal.cashbox().cycleId
  journal.closeCycle(sealNo, STUB_STAFF_CARD)
  return cycleId
}

describe('serviceData collections', () => {
  it('counts collections waiting to be sent and lists refused ones with seal, code and when', () => {
    const { clock, journal, outbox } = open()
    try {
      expect(serviceData(journal, outbox).collections).toEqual({ pending: 0, failed: [] })
      const refused = closeBox(journal, 'SEAL-A', 1000)
      clock.advance(60_000)
      const waiting = closeBox(journal, 'SEAL-B', 2000)
      const posted = closeBox(journal, 'SEAL-C', 5000)
      clock.advance(60_000)
      journal.markCollectionFailed(refused, 'ERR_COLLECTION_COUNTS_MISMATCH', 'counts differ')
      journal.markCollectionPosted(posted, { cycleId: posted } as never)
      const view = serviceData(journal, outbox)
      expect(view.collections).toEqual({
        pending: 1,
        failed: [{ cycleId: refused, sealNo: 'SEAL-A', code: 'ERR_COLLECTION_COUNTS_MISMATCH', at: clock.now() }],
      })
      expect(journal.collectionStatus(waiting)[0]?.state).toBe('pending')
    } finally {
      journal.close()
    }
  })
})
