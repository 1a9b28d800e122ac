/**
 * Reversals and refunds: a reason, one staff member asks, a different one approves; the balancing
 * transfers, the voided token and the audit rows land in one transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, demoCustomers, type VendResponse, type VendStatusResponse } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, makeApp, signed, staffHeaders, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'
import type { StaffRequestView } from './index.ts'

const STAFF = `${API_PREFIX}/staff`
const METERS = demoCustomers(16).flatMap((c) => c.meters.filter((m) => m.profile !== 'shop').map((m) => m.meterNo))
// Customer 2 has two meters on one account: not used here, so every meter below is its own account.
const SINGLE = METERS.filter((m) => m !== '58101000002' && m !== '58101000003')

describe.each(ENGINES)('staff reversals and refunds on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  let next = 0
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 16 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const vend = async (meterNo: string, notes = [5000, 2000]) => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, notes, t.clock.now()) })
    expect(res.statusCode, res.body).toBe(200)
    return res.json<VendResponse>()
  }
  const post = (url: string, staffId: string, payload?: object) =>
    t.app.inject({ method: 'POST', url: `${STAFF}${url}`, headers: staffHeaders(staffId), ...(payload === undefined ? {} : { payload }) })
  const requestReversal = (vendId: string, staffId = 'S002') => post('/reversals', staffId, { vendId, reason: 'Resident bought for the wrong meter' })
  const approve = (requestId: string, staffId = 'S001') => post(`/requests/${requestId}/approve`, staffId)
  const walletOf = async (meterNo: string) => (await t.app.repo.getAccount((await t.app.repo.findMeter(meterNo))!.accountId, t.clock.now()))!.walletFen
  const balanced = async () => expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, reversalsUnbalanced: 0, refundsUnbalanced: 0, walletsMismatched: 0 })

  it('reverses a vend whose token no meter accepted: four eyes, mirrored legs, token void, audited', async () => {
    const meterNo = SINGLE[next++]!
    const v = await vend(meterNo)
    expect(await walletOf(meterNo)).toBe(4)
    const asked = await requestReversal(v.vendId)
    expect(asked.statusCode, asked.body).toBe(201)
    const req = asked.json<StaffRequestView>()
    expect(req).toMatchObject({ kind: 'vend.reversal', state: 'requested', vendId: v.vendId, amountFen: 7000, requestedBy: 'S002', decidedBy: null })
    // Asking twice is refused while the first request waits.
    expect((await requestReversal(v.vendId, 'S003')).json()).toMatchObject({ statusCode: 409, code: 'ERR_REQUEST_OPEN' })

    // The one who asked cannot approve, whatever their role.
    expect((await approve(req.requestId, 'S002')).json()).toMatchObject({ statusCode: 403 })
    const done = await approve(req.requestId, 'S001')
    expect(done.statusCode, done.body).toBe(200)
    expect(done.json<StaffRequestView>()).toMatchObject({ state: 'approved', decidedBy: 'S001' })
    expect((await approve(req.requestId, 'S003')).json()).toMatchObject({ statusCode: 409, code: 'ERR_REQUEST_NOT_PENDING' })

    // The account is as before the vend; the money is owed back to the resident.
    expect(await walletOf(meterNo)).toBe(0)
    await balanced()
    // The token is void: its delivery is cancelled, to the back office and the kiosk alike.
    const admin = await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meters/${meterNo}/deliveries`, headers: staffHeaders('S001') })
    expect(admin.json<{ state: string }[]>()[0]).toMatchObject({ state: 'cancelled', reason: 'VOIDED' })
    const status = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/vends/${v.vendId}` })
    expect(status.json<VendStatusResponse>().delivery).toMatchObject({ state: 'cancelled', reason: 'VOIDED' })
    expect((await t.app.repo.claimDueDeliveries(t.clock.now() + 3_600_000, 100, () => 1000)).map((d) => d.vendId)).not.toContain(v.vendId)
    expect((await requestReversal(v.vendId, 'S003')).json()).toMatchObject({ statusCode: 409, code: 'ERR_REVERSAL_ALREADY_DONE' })
    expect(await t.app.repo.verifyAuditChain()).toMatchObject({ ok: true })

    // The meter takes the voided token anyway (keyed in from the receipt): recorded, not undone.
    const d = (await t.app.repo.deliveryForVend(v.vendId))!
    const late = await t.app.repo.settleDelivery(d.id, meterNo, { state: 'accepted', reason: null, creditWh: null }, t.clock.now())
    expect(late.kind).toBe('voided')
  })

  it('refuses to reverse a vend whose token the meter accepted, even between request and approval', async () => {
    const meterNo = SINGLE[next++]!
    const accepted = await vend(meterNo, [1000])
    const d = (await t.app.repo.deliveryForVend(accepted.vendId))!
    await t.app.repo.settleDelivery(d.id, meterNo, { state: 'accepted', reason: null, creditWh: 1000 }, t.clock.now())
    expect((await requestReversal(accepted.vendId)).json()).toMatchObject({ statusCode: 422, code: 'ERR_REVERSAL_TOKEN_ACCEPTED' })

    const other = await vend(SINGLE[next++]!, [1000])
    const req = (await requestReversal(other.vendId)).json<StaffRequestView>()
    const od = (await t.app.repo.deliveryForVend(other.vendId))!
    await t.app.repo.settleDelivery(od.id, od.meterNo, { state: 'accepted', reason: null, creditWh: null }, t.clock.now())
    expect((await approve(req.requestId)).json()).toMatchObject({ statusCode: 422, code: 'ERR_REVERSAL_TOKEN_ACCEPTED' })
    expect((await t.app.repo.getStaffRequest(req.requestId))?.state).toBe('requested')
    await balanced()
  })

  it('reverses the latest vend of an account first; the earlier one after it', async () => {
    const meterNo = SINGLE[next++]!
    const first = await vend(meterNo, [1000])
    const second = await vend(meterNo, [1000])
    const r1 = (await requestReversal(first.vendId)).json<StaffRequestView>()
    expect((await approve(r1.requestId)).json()).toMatchObject({ statusCode: 422, code: 'ERR_REVERSAL_NOT_LATEST' })
    const r2 = (await requestReversal(second.vendId)).json<StaffRequestView>()
    expect((await approve(r2.requestId)).statusCode).toBe(200)
    expect(await walletOf(meterNo)).toBe(first.breakdown.carriedOverFen)
    expect((await approve(r1.requestId)).statusCode).toBe(200)
    expect(await walletOf(meterNo)).toBe(0)
    await balanced()
  })

  it('refunds (part of) a wallet: wallet → refunds payable, after a second staff member approves', async () => {
    const meterNo = SINGLE[next++]!
    await vend(meterNo) // leaves 4 fen in the wallet
    const accountId = (await t.app.repo.findMeter(meterNo))!.accountId
    expect((await post('/refunds', 'S002', { accountId, amountFen: 5, reason: 'Moving out' })).json()).toMatchObject({ statusCode: 422, code: 'ERR_REFUND_EXCEEDS_WALLET' })
    const asked = await post('/refunds', 'S002', { accountId, amountFen: 4, reason: 'Moving out' })
    expect(asked.statusCode, asked.body).toBe(201)
    const req = asked.json<StaffRequestView>()
    const got = await t.app.inject({ method: 'GET', url: `${STAFF}/requests/${req.requestId}`, headers: staffHeaders('S003') })
    expect(got.json()).toEqual(req)
    const done = await approve(req.requestId, 'S003')
    expect(done.json()).toMatchObject({ state: 'approved', decidedBy: 'S003', kind: 'wallet.refund', amountFen: 4 })
    expect(await walletOf(meterNo)).toBe(0)
    await balanced()

    // A rejected request changes nothing.
    await vend(meterNo)
    const r = (await post('/refunds', 'S002', { accountId, amountFen: 4, reason: 'Moving out' })).json<StaffRequestView>()
    expect((await post(`/requests/${r.requestId}/reject`, 'S001', { note: 'Resident stays' })).json()).toMatchObject({ state: 'rejected', decisionNote: 'Resident stays' })
    expect(await walletOf(meterNo)).toBe(4)
  })

  it('asks for the admin token, an active staff member and a role that may do it', async () => {
    const body = { vendId: '01900000-0000-7000-8000-000000000000', reason: 'x' }
    const noStaff = await t.app.inject({ method: 'POST', url: `${STAFF}/reversals`, headers: { 'x-gridtill-admin-token': 'test-admin-token' }, payload: body })
    expect(noStaff.json()).toMatchObject({ statusCode: 401, code: 'ERR_STAFF_UNAUTHENTICATED' })
    expect((await post('/reversals', 'S999', body)).json()).toMatchObject({ statusCode: 401, code: 'ERR_STAFF_UNAUTHENTICATED' })
    const wrongToken = await t.app.inject({ method: 'POST', url: `${STAFF}/reversals`, headers: { 'x-gridtill-admin-token': 'not-the-token', 'x-gridtill-staff': 'S001' }, payload: body })
    expect(wrongToken.statusCode).toBe(401)
    // Support may ask, not approve.
    expect((await approve('01900000-0000-7000-8000-000000000000', 'S002')).json()).toMatchObject({ statusCode: 403, code: 'ERR_STAFF_FORBIDDEN' })
    expect((await post('/reversals', 'S002', { ...body, reason: '' })).json()).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION' })
    expect((await post('/reversals', 'S002', body)).json()).toMatchObject({ statusCode: 404, code: 'ERR_NOT_FOUND' })
  })
})
