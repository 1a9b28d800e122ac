import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { API_PREFIX, uuidv7 } from '@gridtill/shared'
import {
  ADMIN_STAFF,
  CASHIER,
  collectionBody,
  postCollection,
  SUPPORT,
} from '../../cash/cash-test-support.ts'
import {
  ENGINES,
  enrollDemoKiosk,
  FIRST_METER,
  makeApp,
  signed,
  staffHeaders,
  vendBody,
  type TestApp,
  type TestKiosk,
} from '../../test-support.ts'
import type { CollectionView } from './views.ts'

const CASH = `${API_PREFIX}/console/cash`

describe.each(ENGINES)('cash reconciliation routes on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeEach(async () => {
    t = await makeApp({ engine })
    kiosk = await enrollDemoKiosk(t.app)
    await t.db.exec(
      "INSERT INTO staff (id, name, role, active, created_at) VALUES ('A900', 'Audit', 'auditor', 1, 0)",
    )
  })
  afterEach(() => t.close())

  const as = (staffId: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url: `${CASH}${url}`,
      headers: staffHeaders(staffId),
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
  const vend = async (notes: number[]) => {
    const res = await signed(t.app, kiosk, {
      method: 'POST',
      url: `${API_PREFIX}/vends`,
      body: vendBody(FIRST_METER, notes, t.clock.now()),
    })
    expect(res.statusCode).toBe(200)
  }
  const ledger = async () => t.app.repo.ledgerCheck()

  it('takes a collection exactly once per cycle and refuses figures that do not add up', async () => {
    const body = collectionBody(t.clock.now(), [
      { valueFen: 10_000, count: 2 },
      { valueFen: 500, count: 3 },
    ])
    const first = await postCollection(t.app, kiosk, body)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ cycleId: body.cycleId, duplicate: false })
    // A retry (fields in another order) answers the same receipt.
    const reordered = Object.fromEntries(Object.entries(body).reverse())
    const again = await postCollection(t.app, kiosk, reordered)
    expect(again.json()).toEqual({ ...first.json(), duplicate: true })
    const other = await postCollection(t.app, kiosk, { ...body, sealNo: 'OTHER-1' })
    expect(other.json()).toMatchObject({ statusCode: 422, code: 'ERR_IDEMPOTENCY_MISMATCH' })
    const wrong = collectionBody(t.clock.now() + 1, [{ valueFen: 1000, count: 1 }], {
      totalFen: 2000,
    })
    expect((await postCollection(t.app, kiosk, wrong)).json()).toMatchObject({
      statusCode: 422,
      code: 'ERR_COLLECTION_COUNTS_MISMATCH',
    })
    const notes = collectionBody(t.clock.now() + 2, [{ valueFen: 1000, count: 1 }], {
      noteCount: 5,
    })
    expect((await postCollection(t.app, kiosk, notes)).json()).toMatchObject({
      statusCode: 422,
      code: 'ERR_COLLECTION_COUNTS_MISMATCH',
    })
    const unsigned = await t.app.inject({
      method: 'POST',
      url: `${API_PREFIX}/kiosks/collections`,
      payload: body,
    })
    expect(unsigned.statusCode).toBe(401)
    // Only the first closed a cycle.
    expect((await t.app.repo.getKiosk(kiosk.kioskId))?.cashCycle).toBe(2)
    expect(await ledger()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
  })

  it('reconciles a short count with a reason and a second approver, then deposits to the bank', async () => {
    await vend([10_000, 5000])
    const suspectId = uuidv7(t.clock.now())
    const body = collectionBody(
      t.clock.now(),
      [
        { valueFen: 10_000, count: 1 },
        { valueFen: 5000, count: 1 },
      ],
      {
        suspectNotes: [
          {
            noteId: suspectId,
            valueFen: 2000,
            at: new Date(t.clock.now()).toISOString(),
            reason: 'stackedUncredited',
          },
        ],
      },
    )
    const receipt = (await postCollection(t.app, kiosk, body)).json<{ collectionId: string }>()
    const id = receipt.collectionId
    // A vend after the box came out credits the next cycle.
    t.clock.advance(60_000)
    await vend([1000])

    expect((await as(SUPPORT, 'GET', '/collections')).statusCode).toBe(403)
    expect((await as('A900', 'GET', '/collections')).statusCode).toBe(200)
    const listed = (await as(CASHIER, 'GET', '/collections?state=awaitingCount')).json<
      CollectionView[]
    >()
    expect(listed.map((c) => c.collectionId)).toEqual([id])
    expect(listed[0]).toMatchObject({
      expectedFen: 15_000,
      creditedFen: 15_000,
      countedFen: null,
      varianceFen: null,
      sealNo: body.sealNo,
    })

    // The auditor reads but may not count.
    const count = {
      counts: [
        { valueFen: 10_000, count: 1 },
        { valueFen: 2000, count: 1 },
      ],
      suspects: [{ noteId: suspectId, resolution: 'genuine' }],
    }
    expect((await as('A900', 'POST', `/collections/${id}/count`, count)).statusCode).toBe(403)
    expect(
      (await as(CASHIER, 'POST', `/collections/${id}/count`, { ...count, suspects: [] })).json(),
    ).toMatchObject({ code: 'ERR_CASH_SUSPECT_UNRESOLVED' })
    expect((await as(CASHIER, 'POST', `/collections/${id}/count`, count)).json()).toMatchObject({
      statusCode: 422,
      code: 'ERR_CASH_REASON_REQUIRED',
    })
    const counted = await as(CASHIER, 'POST', `/collections/${id}/count`, {
      ...count,
      reason: '50 元少一张 one ¥50 note missing',
    })
    expect(counted.statusCode).toBe(200)
    expect(counted.json()).toMatchObject({
      state: 'awaitingApproval',
      countedFen: 12_000,
      varianceFen: -3000,
      countedBy: CASHIER,
    })
    // Nothing posted for the over/short until approved; the same cashier cannot approve.
    expect((await as(CASHIER, 'POST', `/collections/${id}/approve`)).json()).toMatchObject({
      statusCode: 403,
      code: 'ERR_STAFF_SAME_APPROVER',
    })
    const approved = await as(ADMIN_STAFF, 'POST', `/collections/${id}/approve`)
    expect(approved.json()).toMatchObject({
      state: 'reconciled',
      approvedBy: ADMIN_STAFF,
      varianceFen: -3000,
    })
    expect((await as(ADMIN_STAFF, 'POST', `/collections/${id}/approve`)).json()).toMatchObject({
      statusCode: 409,
      code: 'ERR_CASH_STATE',
    })

    // The next cycle: balanced, reconciled at once.
    t.clock.advance(60_000)
    const second = (
      await postCollection(
        t.app,
        kiosk,
        collectionBody(t.clock.now(), [{ valueFen: 1000, count: 1 }]),
      )
    ).json<{ collectionId: string }>()
    const c2 = await as(CASHIER, 'POST', `/collections/${second.collectionId}/count`, {
      counts: [{ valueFen: 1000, count: 1 }],
      suspects: [],
    })
    expect(c2.json()).toMatchObject({ state: 'reconciled', varianceFen: 0, creditedFen: 1000 })

    const dep = await as(CASHIER, 'POST', '/deposits', {
      slipNo: 'BOC-20261124-01',
      collectionIds: [id, second.collectionId],
    })
    expect(dep.statusCode).toBe(200)
    expect(dep.json()).toMatchObject({ amountFen: 13_000, slipNo: 'BOC-20261124-01' })
    expect(
      (
        await as(CASHIER, 'POST', '/deposits', { slipNo: 'BOC-20261124-01', collectionIds: [id] })
      ).json(),
    ).toMatchObject({ code: 'ERR_CASH_DEPOSIT_SLIP_REUSED' })
    expect(
      (await as(CASHIER, 'POST', '/deposits', { slipNo: 'BOC-2', collectionIds: [id] })).json(),
    ).toMatchObject({ statusCode: 409, code: 'ERR_CASH_STATE' })
    expect((await as(CASHIER, 'GET', `/collections/${id}`)).json()).toMatchObject({
      state: 'deposited',
    })

    const check = await ledger()
    expect(check).toMatchObject({
      balanced: true,
      collectionsUnbalanced: 0,
      totalDebitsFen: check.totalCreditsFen,
    })
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
    const actions = (
      await t.app.repo.listAudit({ beforeSeq: null, actor: null, action: null, limit: 100 })
    ).map((e) => `${e.actor} ${e.action}`)
    for (const a of [
      `kiosk:${kiosk.kioskId} collection.received`,
      `staff:${CASHIER} cash.counted`,
      `staff:${ADMIN_STAFF} cash.overShortApproved`,
      `staff:${CASHIER} cash.deposited`,
    ]) {
      expect(actions).toContain(a)
    }

    const z = (await as(CASHIER, 'GET', '/z-report?groupBy=kiosk')).json<{
      totals: Record<string, number>
      groups: unknown[]
    }>()
    expect(z.totals).toMatchObject({
      collections: 2,
      expectedFen: 16_000,
      countedFen: 13_000,
      varianceFen: -3000,
      shortFen: 3000,
      overFen: 0,
    })
    expect(z.groups).toHaveLength(1)
  })

  it('a storm of retries of one collection records it once', async () => {
    const body = collectionBody(t.clock.now(), [{ valueFen: 2000, count: 4 }])
    const results = await Promise.all(
      Array.from({ length: 8 }, () => postCollection(t.app, kiosk, body)),
    )
    expect(results.map((r) => r.statusCode)).toEqual(Array.from({ length: 8 }, () => 200))
    const receipts = results.map((r) => r.json<{ collectionId: string; duplicate: boolean }>())
    expect(new Set(receipts.map((r) => r.collectionId)).size).toBe(1)
    expect(receipts.filter((r) => !r.duplicate)).toHaveLength(1)
    expect((await t.app.repo.getKiosk(kiosk.kioskId))?.cashCycle).toBe(2)
    expect(await ledger()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
  })

  it('a vend paid before the box came out but arriving after it shows as late, not lost', async () => {
    const paidAt = t.clock.now()
    const late = vendBody(FIRST_METER, [5000], paidAt)
    t.clock.advance(60_000)
    const body = collectionBody(t.clock.now(), [{ valueFen: 5000, count: 1 }], {
      openedAt: new Date(paidAt - 60_000).toISOString(),
    })
    const { collectionId } = (await postCollection(t.app, kiosk, body)).json<{
      collectionId: string
    }>()
    // The kiosk was offline: its vend outbox delivers after the collection outbox did.
    t.clock.advance(60_000)
    expect(
      (await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: late }))
        .statusCode,
    ).toBe(200)
    const c = (await as(CASHIER, 'GET', `/collections/${collectionId}`)).json<CollectionView>()
    expect(c).toMatchObject({
      cashCycle: 1,
      expectedFen: 5000,
      creditedFen: 0,
      lateCreditedFen: 5000,
    })
    expect(await ledger()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
  })

  it('exports the Z-report as CSV (BOM, bilingual headers) and PDF; auditors may read them', async () => {
    const { collectionId } = (
      await postCollection(
        t.app,
        kiosk,
        collectionBody(t.clock.now(), [{ valueFen: 1000, count: 2 }]),
      )
    ).json<{ collectionId: string }>()
    await as(CASHIER, 'POST', `/collections/${collectionId}/count`, {
      counts: [{ valueFen: 1000, count: 2 }],
      suspects: [],
    })
    const csv = await as('A900', 'GET', '/z-report?groupBy=kiosk&format=csv')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toMatch(
      /attachment; filename="z-report-\d{4}-\d{2}-\d{2}-day-kiosk\.csv"/,
    )
    expect(csv.body.startsWith('\uFEFF行类型 Row type,')).toBe(true)
    expect(csv.body).toContain('合计 total')
    const pdf = await as('A900', 'GET', '/z-report?format=pdf&shift=1')
    expect(pdf.statusCode).toBe(200)
    expect(pdf.headers['content-type']).toBe('application/pdf')
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    expect((await as('A900', 'GET', '/z-report?day=2026-13-01')).json()).toMatchObject({
      statusCode: 400,
      code: 'ERR_VALIDATION',
    })
    expect((await as(SUPPORT, 'GET', '/z-report')).statusCode).toBe(403)
    expect(
      (
        await t.app.repo.listAudit({
          beforeSeq: null,
          actor: 'staff:A900',
          action: 'cash.zReportExported',
          limit: 10,
        })
      ).length,
    ).toBe(2)
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
  })

  it('planted drift in a collection shows in the ledger check', async () => {
    const body = collectionBody(t.clock.now(), [{ valueFen: 1000, count: 3 }])
    await postCollection(t.app, kiosk, body)
    expect((await ledger()).collectionsUnbalanced).toBe(0)
    await t.db.exec('UPDATE collections SET expected_fen = expected_fen + 100')
    expect(await ledger()).toMatchObject({ balanced: false, collectionsUnbalanced: 1 })
  })

  it('a rejected count goes back to be counted again', async () => {
    const { collectionId } = (
      await postCollection(
        t.app,
        kiosk,
        collectionBody(t.clock.now(), [{ valueFen: 5000, count: 2 }]),
      )
    ).json<{ collectionId: string }>()
    await as(CASHIER, 'POST', `/collections/${collectionId}/count`, {
      counts: [{ valueFen: 5000, count: 3 }],
      suspects: [],
      reason: 'extra note',
    })
    expect(
      (
        await as(ADMIN_STAFF, 'POST', `/collections/${collectionId}/reject`, {
          note: 'recount please',
        })
      ).json(),
    ).toMatchObject({ state: 'awaitingCount', countedFen: null })
    const recount = await as(CASHIER, 'POST', `/collections/${collectionId}/count`, {
      counts: [{ valueFen: 5000, count: 2 }],
      suspects: [],
    })
    expect(recount.json()).toMatchObject({ state: 'reconciled', varianceFen: 0 })
    expect(await ledger()).toMatchObject({ balanced: true, collectionsUnbalanced: 0 })
  })
})
