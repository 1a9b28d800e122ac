import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, uuidv7, type VendRequest, type VendResponse } from '@gridtill/shared'
import { CentralError } from '../central-client/central-client.ts'
import { Journal } from '../journal/journal.ts'
import { Outbox } from './outbox.ts'

const log = pino({ level: 'silent' })
const dirs: string[] = []
const open: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.stop()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-outbox-'))
  dirs.push(dir)
  return path.join(dir, 'journal.db')
}

function journalVend(j: Journal): string {
  const noteId = uuidv7()
  j.creditNote({ noteId, sessionId: 's1', valueFen: 5000 })
  const vendId = uuidv7()
  j.createVend({ vendId, sessionId: 's1', meterNo: '58101000001', cardNo: null, notes: [{ noteId, valueFen: 5000 }], paidAt: 0, origin: 'session' })
  return vendId
}

function response(req: VendRequest): VendResponse {
  return {
    vendId: req.vendId,
    receiptNo: 'R1',
    meterNo: req.meterNo,
    meterNoDisplay: '5810 1000 0012',
    customerNameMasked: '张*明',
    amountFen: req.amountFen,
    energyWh: 83300,
    tokens: ['11112222333344445555'],
    breakdown: { energyFen: req.amountFen, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 },
    tariffName: 't',
    createdAt: new Date(0).toISOString(),
  }
}

function outbox(j: Journal, post: (body: string) => Promise<VendResponse>): Outbox {
  const o = new Outbox({ journal: j, post, clock: new ManualClock(), log, baseDelayMs: 2, maxDelayMs: 10 })
  open.push(o)
  return o
}

describe('outbox', () => {
  it('retries with the same id and the same body until the central answers', async () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const vendId = journalVend(j)
    const bodies: string[] = []
    const o = outbox(j, (body) => {
      bodies.push(body)
      if (bodies.length < 3) return Promise.reject(new CentralError(0, 'ERR_CENTRAL_UNREACHABLE', 'down'))
      if (bodies.length < 4) return Promise.reject(new CentralError(503, 'ERR_INTERNAL', 'busy'))
      return Promise.resolve(response(JSON.parse(body) as VendRequest))
    })
    o.start()
    o.enqueue(vendId)
    const outcome = await o.waitFor(vendId)
    expect(outcome.state).toBe('done')
    expect(bodies).toHaveLength(4)
    expect(new Set(bodies).size).toBe(1)
    expect((JSON.parse(bodies[0]!) as VendRequest).vendId).toBe(vendId)
    const v = j.getVend(vendId)
    expect(v?.state).toBe('done')
    expect(v?.attempts).toBe(4)
    expect(v?.response?.tokens).toEqual(['11112222333344445555'])
    expect(o.stats().depth).toBe(0)
  })

  it('409 in flight → tries again later', async () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const vendId = journalVend(j)
    let calls = 0
    const o = outbox(j, (body) => {
      calls++
      if (calls === 1) return Promise.reject(new CentralError(409, 'ERR_VEND_IN_FLIGHT', 'in flight'))
      return Promise.resolve(response(JSON.parse(body) as VendRequest))
    })
    o.start()
    o.enqueue(vendId)
    expect((await o.waitFor(vendId)).state).toBe('done')
    expect(calls).toBe(2)
  })

  it('422 → failed with the code, no more attempts; the money stays recorded', async () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const vendId = journalVend(j)
    let calls = 0
    const o = outbox(j, () => {
      calls++
      return Promise.reject(new CentralError(422, 'ERR_VEND_AMOUNT_BELOW_MINIMUM', 'too little'))
    })
    o.start()
    o.enqueue(vendId)
    const outcome = await o.waitFor(vendId)
    expect(outcome).toMatchObject({ state: 'failed', code: 'ERR_VEND_AMOUNT_BELOW_MINIMUM' })
    await new Promise((r) => setTimeout(r, 30))
    expect(calls).toBe(1)
    expect(j.getVend(vendId)?.state).toBe('failed')
    expect(j.outboxStats().failed).toBe(1)
    expect(j.cashbox().totalFen).toBe(5000)
  })

  it('resumes undelivered vends after a restart', async () => {
    const file = tempDb()
    let j = Journal.open(file, { clock: new ManualClock() })
    const vendId = journalVend(j)
    const down = outbox(j, () => Promise.reject(new CentralError(0, 'ERR_CENTRAL_UNREACHABLE', 'down')))
    down.start()
    down.enqueue(vendId)
    await new Promise((r) => setTimeout(r, 20))
    await down.stop()
    expect(j.getVend(vendId)?.state).toBe('sent')
    j.close()

    j = Journal.open(file, { clock: new ManualClock() })
    const seen: string[] = []
    const up = outbox(j, (body) => {
      seen.push((JSON.parse(body) as VendRequest).vendId)
      return Promise.resolve(response(JSON.parse(body) as VendRequest))
    })
    up.start() // no enqueue: start() finds it
    expect((await up.waitFor(vendId)).state).toBe('done')
    expect(seen).toEqual([vendId])
    j.close()
  })

  it('lastSyncAt: null until the central answers; set on an answer, not on an unanswered attempt; kept across a restart', async () => {
    const file = tempDb()
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 8, 0, 0))
    let j = Journal.open(file, { clock })
    const vendId = journalVend(j)
    let up = false
    const o = new Outbox({
      journal: j,
      clock,
      log,
      baseDelayMs: 2,
      maxDelayMs: 5,
      post: (body) => (up ? Promise.resolve(response(JSON.parse(body) as VendRequest)) : Promise.reject(new CentralError(0, 'ERR_CENTRAL_UNREACHABLE', 'down'))),
    })
    open.push(o)
    expect(o.stats().lastSyncAt).toBeNull()
    o.start()
    o.enqueue(vendId)
    await new Promise((r) => setTimeout(r, 30))
    expect(j.getVend(vendId)?.attempts).toBeGreaterThan(0)
    expect(o.stats().lastSyncAt).toBeNull()
    expect(o.stats().lastError).toContain('ERR_CENTRAL_UNREACHABLE')
    clock.advance(60_000)
    const answeredAt = clock.now()
    up = true
    expect((await o.waitFor(vendId)).state).toBe('done')
    expect(o.stats().lastSyncAt).toBe(answeredAt)
    expect(o.stats().lastError).toBeNull()
    await o.stop()
    j.close()

    clock.advance(60_000)
    j = Journal.open(file, { clock })
    const again = new Outbox({ journal: j, clock, log, post: () => Promise.reject(new Error('unused')) })
    expect(again.stats().lastSyncAt).toBe(answeredAt)
    // Another delivery path (a collection, a service event) answered: the same "last sync".
    clock.advance(1_000)
    again.markSynced()
    expect(again.stats().lastSyncAt).toBe(answeredAt + 61_000)
    j.close()
  })

  it('backoff grows exponentially, with jitter, capped at the maximum', () => {
    const j = Journal.open(tempDb(), { clock: new ManualClock() })
    const o = new Outbox({ journal: j, post: () => Promise.reject(new Error('x')), clock: new ManualClock(), log, random: () => 0.5 })
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => o.backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    const lo = new Outbox({ journal: j, post: () => Promise.reject(new Error('x')), clock: new ManualClock(), log, random: () => 0 })
    expect(lo.backoffMs(3)).toBe(3000)
    j.close()
  })
})
