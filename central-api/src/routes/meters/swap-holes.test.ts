/**
 * What a meter swap closes, on both engines: the kiosk's account lookup answers a swapped-out
 * meter as the vend path does (not in service), and a vend whose token the swap cancelled (its
 * energy carried to the new meter) can be neither asked for nor approved as a reversal — the
 * resident would be paid twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, type VendResponse } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, makeApp, signed, staffHeaders, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'
import { consoleSignIn } from '../console/testing.ts'

// Single-meter accounts of the demo data (customer 2 has two meters on one account).
const SWAPPED = '58101000004'
const RACED = '58101000005'

describe.each(ENGINES)('meter swap holes on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 16 } })
    kiosk = await enrollDemoKiosk(t.app)
  }, 60_000)
  afterAll(() => t.close())

  const vend = async (meterNo: string) => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [1000], t.clock.now()) })
    expect(res.statusCode, res.body).toBe(200)
    return res.json<VendResponse>()
  }
  const swap = async (oldMeterNo: string, newMeterNo: string) => {
    const field = await consoleSignIn(t.app, 'S004')
    const res = await field.request({ method: 'POST', url: `${API_PREFIX}/console/meters/${oldMeterNo}/swap`, payload: { newMeterNo, reason: 'Display broken' } })
    expect(res.statusCode, res.body).toBe(200)
  }
  const staffPost = (url: string, staffId: string, payload?: object) =>
    t.app.inject({ method: 'POST', url: `${API_PREFIX}/staff${url}`, headers: staffHeaders(staffId), ...(payload === undefined ? {} : { payload }) })
  const lookup = (meterNo: string) => signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/${meterNo}/account` })

  it('a swapped-out meter is not found by the kiosk lookup, as the vend path refuses it; the new one is', async () => {
    expect((await lookup(SWAPPED)).statusCode).toBe(200)
    const v = await vend(SWAPPED)
    await swap(SWAPPED, '58140000077')

    const old = await lookup(SWAPPED)
    const vendOld = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(SWAPPED, [1000], t.clock.now()) })
    expect(old.statusCode, old.body).toBe(vendOld.statusCode)
    expect(old.json<{ code: string }>().code).toBe(vendOld.json<{ code: string }>().code)
    expect(old.json()).toMatchObject({ statusCode: 404, code: 'ERR_METER_UNKNOWN' })
    const fresh = await lookup('58140000077')
    expect(fresh.statusCode, fresh.body).toBe(200)
    expect(fresh.json<{ account: { accountId: string } }>().account.accountId).toBe((await t.app.repo.findMeter(SWAPPED))!.accountId)

    // The vend's token was cancelled by the swap and its energy carried over: no reversal.
    expect((await t.app.repo.deliveryForVend(v.vendId))).toMatchObject({ state: 'cancelled', reason: 'METER_SWAPPED' })
    const asked = await staffPost('/reversals', 'S002', { vendId: v.vendId, reason: 'Resident asks for the money back' })
    expect(asked.json()).toMatchObject({ statusCode: 422, code: 'ERR_REVERSAL_METER_SWAPPED' })
  })

  it('a reversal asked for before the swap is refused at approval, leaving money and ledger as they were', async () => {
    const v = await vend(RACED)
    const asked = await staffPost('/reversals', 'S002', { vendId: v.vendId, reason: 'Resident bought for the wrong meter' })
    expect(asked.statusCode, asked.body).toBe(201)
    await swap(RACED, '58140000078')
    const accountId = (await t.app.repo.findMeter(RACED))!.accountId
    const before = (await t.app.repo.getAccount(accountId, t.clock.now()))!.walletFen

    const approved = await staffPost(`/requests/${asked.json<{ requestId: string }>().requestId}/approve`, 'S001')
    expect(approved.json()).toMatchObject({ statusCode: 422, code: 'ERR_REVERSAL_METER_SWAPPED' })
    expect((await t.app.repo.getAccount(accountId, t.clock.now()))!.walletFen).toBe(before)
    expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, reversalsUnbalanced: 0 })
  })
})
