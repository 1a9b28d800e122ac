/**
 * Cash handling storage on both engines, and a property test: any sequence of collections, counts,
 * approvals, rejections and deposits (a seeded generator, so a failure replays) keeps debits equal
 * to credits, every collection's transfers equal to its rows, and variance = counted − expected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NOTE_VALUES_FEN, uuidv7, type CollectionRequest } from '@gridtill/shared'
import { Prng } from '../analytics/prng.ts'
import type { CollectionRecord } from '../storage/cash-repository.ts'
import { openRepository } from '../storage/open.ts'
import type { Repository, SeedPlan } from '../storage/repository.ts'
import { DEMO_STAFF } from '../storage/seed-demo.ts'
import {
  ENGINES,
  TEST_START,
  testDatabase,
  type Engine,
  type TestDatabase,
} from '../test-support.ts'
import { sumFen } from './reconciliation.ts'

const KIOSK = 'K-CASH-1'
const plan: SeedPlan = {
  at: TEST_START,
  site: { name: 'Cash test site', kind: 'residential', buildings: ['A'] },
  units: [],
  tariffs: [],
  customers: [],
  staff: [...DEMO_STAFF, { id: 'S904', name: 'Cashier two', role: 'cashier' }],
  meters: [],
  cards: [],
  kiosks: [{ id: KIOSK, name: 'Lobby A', location: 'Building A', enrollmentCodeHash: 'unused' }],
}

async function open(engine: Engine): Promise<{ repo: Repository; db: TestDatabase }> {
  const db = await testDatabase(engine)
  const repo = await openRepository({ dataDir: db.dir, ...db.config }, TEST_START)
  await repo.seed(plan)
  return { repo, db }
}

function body(rng: Prng, at: number): CollectionRequest {
  const counts = NOTE_VALUES_FEN.map((valueFen) => ({
    valueFen,
    count: rng.next() < 0.4 ? 0 : rng.int(0, 40),
  })).filter((c) => c.count > 0)
  const suspects = Array.from({ length: rng.int(0, 2) }, (_, i) => ({
    noteId: uuidv7(at + i),
    valueFen: rng.next() < 0.8 ? rng.pick(NOTE_VALUES_FEN) : null,
    at: new Date(at).toISOString(),
    reason: 'stackedUncredited',
  }))
  return {
    cycleId: uuidv7(at),
    sealNo: `S-${at}`,
    openedAt: new Date(at - 3_600_000).toISOString(),
    closedAt: new Date(at).toISOString(),
    staffCardNo: '9900000101',
    noteCount: counts.reduce((s, c) => s + c.count, 0),
    totalFen: sumFen(counts),
    counts,
    suspectNotes: suspects,
  }
}

describe.each(ENGINES)('cash storage on %s', (engine) => {
  let repo: Repository
  let db: TestDatabase
  beforeEach(async () => {
    ;({ repo, db } = await open(engine))
  })
  afterEach(async () => {
    await repo.close()
    await db.drop()
  })

  it('a collection closes the cycle: its expected total leaves kiosk cash, the next cycle opens', async () => {
    const b = body(new Prng(1), TEST_START)
    const r = await repo.postCollection({
      kioskId: KIOSK,
      requestHash: 'h1',
      body: b,
      now: TEST_START,
    })
    expect(r.kind).toBe('created')
    expect(r.collection).toMatchObject({
      cashCycle: 1,
      expectedFen: b.totalFen,
      state: 'awaitingCount',
      creditedFen: 0,
    })
    expect(r.collection.denominations).toHaveLength(NOTE_VALUES_FEN.length)
    expect((await repo.getKiosk(KIOSK))?.cashCycle).toBe(2)
    const again = await repo.postCollection({
      kioskId: KIOSK,
      requestHash: 'h1',
      body: b,
      now: TEST_START + 5,
    })
    expect(again).toMatchObject({
      kind: 'duplicate',
      collection: { collectionId: r.collection.collectionId },
    })
    await expect(
      repo.postCollection({ kioskId: KIOSK, requestHash: 'h2', body: b, now: TEST_START }),
    ).rejects.toMatchObject({ code: 'ERR_IDEMPOTENCY_MISMATCH' })
    expect((await repo.getKiosk(KIOSK))?.cashCycle).toBe(2)
    expect(await repo.ledgerCheck()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
  })

  it('the database itself refuses an approval by the counting cashier', async () => {
    const b = body(new Prng(2), TEST_START)
    const { collection } = await repo.postCollection({
      kioskId: KIOSK,
      requestHash: 'h',
      body: b,
      now: TEST_START,
    })
    await expect(
      db.exec(
        `UPDATE collections SET state = 'awaitingApproval', counted_by = 'S003', counted_fen = 0, approved_by = 'S003' WHERE id = '${collection.collectionId}'`,
      ),
    ).rejects.toThrow()
  })

  it('property: any sequence of collections, counts, approvals and deposits keeps the books', async () => {
    const seeds = engine === 'sqlite' ? [11, 12, 13] : [21]
    const steps = engine === 'sqlite' ? 60 : 30
    for (const seed of seeds) {
      const rng = new Prng(seed)
      let now = TEST_START + seed * 1_000_000_000
      let slip = 0
      const errors: string[] = []
      const done = { post: 0, count: 0, decide: 0, deposit: 0 }
      for (let i = 0; i < steps; i++) {
        now += rng.int(1, 600_000)
        const all = await repo.listCollections({ states: [], limit: 1000 })
        const inState = (s: CollectionRecord['state']) => all.filter((c) => c.state === s)
        const op = rng.int(0, 9)
        try {
          if (op <= 2 || all.length === 0) {
            await repo.postCollection({
              kioskId: KIOSK,
              requestHash: `h${seed}-${i}`,
              body: body(rng, now),
              now,
            })
            done.post++
          } else if (op <= 5 && inState('awaitingCount').length > 0) {
            const c = rng.pick(inState('awaitingCount'))
            const counts = c.denominations.map((d) => ({
              valueFen: d.valueFen,
              count:
                rng.next() < 0.6 ? d.expectedCount : Math.max(0, d.expectedCount + rng.int(-2, 2)),
            }))
            const suspects = c.suspectNotes.map((s) => ({
              noteId: s.noteId,
              resolution: rng.next() < 0.5 ? ('genuine' as const) : ('absent' as const),
            }))
            await repo.countCollection({
              collectionId: c.collectionId,
              staffId: rng.pick(['S003', 'S904']),
              counts,
              suspects,
              reason: rng.next() < 0.9 ? 'counted twice' : null,
              now,
            })
            done.count++
          } else if (op <= 7 && inState('awaitingApproval').length > 0) {
            const c = rng.pick(inState('awaitingApproval'))
            const staffId = rng.pick(['S001', 'S003', 'S904'])
            if (rng.next() < 0.8)
              await repo.approveCollection({ collectionId: c.collectionId, staffId, now })
            else
              await repo.rejectCount({
                collectionId: c.collectionId,
                staffId,
                note: 'recount',
                now,
              })
            done.decide++
          } else if (inState('reconciled').length > 0) {
            const ready = inState('reconciled').filter(() => rng.next() < 0.7)
            if (ready.length > 0)
              await repo.createDeposit({
                depositId: uuidv7(now),
                slipNo: `SLIP-${seed}-${slip++}`,
                collectionIds: ready.map((c) => c.collectionId),
                staffId: 'S003',
                now,
              })
            if (ready.length > 0) done.deposit++
          }
        } catch (e) {
          // Refusals are part of the property (same approver, empty deposit, no reason): they must write nothing.
          errors.push((e as { code?: string }).code ?? String(e))
        }
        const check = await repo.ledgerCheck()
        expect(check, `seed ${seed} step ${i}`).toMatchObject({
          balanced: true,
          collectionsUnbalanced: 0,
        })
        expect(check.totalDebitsFen).toBe(check.totalCreditsFen)
      }
      // The generator must reach every kind of step, or the property says little.
      expect(
        Math.min(done.post, done.count, done.decide, done.deposit),
        JSON.stringify(done),
      ).toBeGreaterThan(0)
      expect(
        errors.every((c) =>
          ['ERR_STAFF_SAME_APPROVER', 'ERR_CASH_REASON_REQUIRED', 'ERR_VALIDATION'].includes(c),
        ),
        errors.join(','),
      ).toBe(true)
      const final = await repo.listCollections({ states: [], limit: 1000 })
      for (const c of final) {
        const countedByDenomination = c.denominations.reduce(
          (s, d) => s + d.valueFen * (d.countedCount ?? 0),
          0,
        )
        if (c.countedFen === null) {
          expect(c.denominations.every((d) => d.countedCount === null)).toBe(true)
        } else {
          expect(c.countedFen).toBe(countedByDenomination)
          // Balanced counts reconcile at once; only an over/short waits for a second person.
          if (c.countedFen === c.expectedFen) expect(c.state).not.toBe('awaitingApproval')
          if (c.state === 'awaitingApproval') expect(c.countedFen - c.expectedFen).not.toBe(0)
          if (c.approvedBy !== null) expect(c.approvedBy).not.toBe(c.countedBy)
        }
      }
    }
    expect((await repo.verifyAuditChain()).ok).toBe(true)
  }, 120_000)
})
