/**
 * A reversal's approval and the meter's acceptance of the same token race: exactly one may win.
 * Approval re-checks the delivery under its row lock in its own transaction (staff-ops.ts
 * latestDelivery); the acknowledgement is a guarded UPDATE of that row (settleDelivery).
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, demoCustomers, ErrorCode, uuidv7, type VendResponse } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'

const METERS = demoCustomers(40).flatMap((c) => c.meters.map((m) => m.meterNo))

describe.each(ENGINES)('reversal against meter acceptance on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  let nextMeter = 0
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 40 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  /** A fresh vend with a reversal waiting for approval, and its delivery. */
  async function reversible(): Promise<{ meterNo: string; vendId: string; requestId: string; deliveryId: string }> {
    const meterNo = METERS[nextMeter++]!
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [1000], t.clock.now()) })
    expect(res.statusCode, res.body).toBe(200)
    const vendId = res.json<VendResponse>().vendId
    const asked = await t.app.repo.requestReversal({ requestId: uuidv7(), vendId, reason: 'wrong meter', staffId: 'S002', now: t.clock.now() })
    const delivery = await t.app.repo.deliveryForVend(vendId)
    return { meterNo, vendId, requestId: asked.id, deliveryId: delivery!.id }
  }

  const accept = (r: { deliveryId: string; meterNo: string }) => t.app.repo.settleDelivery(r.deliveryId, r.meterNo, { state: 'accepted', reason: null, creditWh: 50_000 }, t.clock.now())
  const approve = (r: { requestId: string }) => t.app.repo.approveRequest({ requestId: r.requestId, staffId: 'S001', now: t.clock.now() })
  const code = (e: unknown) => (e instanceof Error && 'code' in e ? e.code : e)

  it('acceptance first: the approval is refused and the account keeps the vend', async () => {
    const r = await reversible()
    expect((await accept(r)).kind).toBe('settled')
    expect(code(await approve(r).catch((e: unknown) => e))).toBe(ErrorCode.REVERSAL_TOKEN_ACCEPTED)
    expect((await t.app.repo.getStaffRequest(r.requestId))?.state).toBe('requested')
  })

  it('approval first: the acceptance finds the token void', async () => {
    const r = await reversible()
    await approve(r)
    const late = await accept(r)
    expect(late).toMatchObject({ kind: 'voided', delivery: { state: 'cancelled' } })
  })

  it('issued together, again and again: exactly one of the two succeeds', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await reversible()
      // Both orders of issue; on PostgreSQL they run on two pooled connections at once.
      const [acked, approved] = i % 2 === 0 ? await Promise.all([accept(r), approve(r).then(ok, fail)]) : swap(await Promise.all([approve(r).then(ok, fail), accept(r)]))
      expect([acked.kind === 'settled', approved], `round ${i}`).toSatisfy(([a, b]: boolean[]) => a !== b)
      const d = await t.app.repo.getDelivery(r.deliveryId)
      expect(d?.state).toBe(approved ? 'cancelled' : 'accepted')
    }
    expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, reversalsUnbalanced: 0 })
  })

  it.runIf(engine === 'postgres')('an acknowledgement holding the delivery row makes the approval wait, then refuse', async () => {
    const r = await reversible()
    const cfg = t.db.config
    const client = new pg.Client({ connectionString: cfg.databaseUrl, options: `-c search_path=${cfg.databaseSchema ?? 'public'}` })
    await client.connect()
    try {
      // The acknowledgement's own guarded UPDATE, its transaction still open.
      await client.query('BEGIN')
      const locked = await client.query("UPDATE deliveries SET state = 'accepted', updated_at = $1 WHERE id = $2 AND state IN ('pending', 'sent')", [t.clock.now(), r.deliveryId])
      expect(locked.rowCount).toBe(1)
      let settled = false
      const approval = approve(r).then(
        () => 'approved',
        (e: unknown) => code(e),
      )
      void approval.then(() => (settled = true))
      await new Promise((res) => setTimeout(res, 300))
      // Still waiting for the row the acknowledgement holds.
      expect(settled).toBe(false)
      await client.query('COMMIT')
      expect(await approval).toBe(ErrorCode.REVERSAL_TOKEN_ACCEPTED)
    } finally {
      await client.end()
    }
  })
})

const ok = () => true
const fail = () => false
function swap<A, B>([a, b]: [A, B]): [B, A] {
  return [b, a]
}
