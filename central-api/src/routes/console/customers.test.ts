/**
 * The back office's customer work through the console API, on both engines: create/edit/search
 * with validation, CSV import row by row (never half a row), lost cards, meter swaps carrying the
 * credit over, reprint (the stored token) and resend (the stored delivery), tariff versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_TARIFF, type VendResponse } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, FIRST_CARD, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'
import { consoleSignIn, type ConsoleSession } from './testing.ts'

const C = `${API_PREFIX}/console`
const B1 = '1号楼 Building 1'

describe.each(ENGINES)('console customers on %s', (engine) => {
  let t: TestApp
  let admin: ConsoleSession
  let support: ConsoleSession
  let auditor: ConsoleSession
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ engine })
    admin = await consoleSignIn(t.app, 'S001')
    support = await consoleSignIn(t.app, 'S002')
    auditor = await consoleSignIn(t.app, 'S005')
    kiosk = await enrollDemoKiosk(t.app)
  }, 60_000)
  afterAll(() => t.close())

  const audit = async (action: string) => (await t.app.repo.listAudit({ beforeSeq: null, actor: null, action, limit: 100 })).map((e) => JSON.parse(e.details) as Record<string, unknown>)

  it('creates, edits and finds customers, validating input; personal data stays out of the audit text', async () => {
    const created = await support.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C30001', name: '欧阳娜', phone: '13900000001', tariffName: DEMO_TARIFF.name } })
    expect(created.statusCode, created.body).toBe(201)
    expect(created.json()).toMatchObject({ customerId: 'C30001', accounts: [{ accountId: 'A30001', walletFen: 0, tariffName: DEMO_TARIFF.name }] })
    expect((await support.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C30001', name: 'x', tariffName: DEMO_TARIFF.name } })).json()).toMatchObject({ statusCode: 409, code: 'ERR_CONSOLE_CONFLICT' })
    expect((await support.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C30002', name: 'x', tariffName: 'Nope' } })).json()).toMatchObject({ statusCode: 422 })
    expect((await support.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C30002', name: 'x', phone: 'call me', tariffName: DEMO_TARIFF.name } })).statusCode).toBe(400)
    expect((await support.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C 3', name: 'x', tariffName: DEMO_TARIFF.name } })).statusCode).toBe(400)
    // An auditor reads but does not write.
    expect((await auditor.request({ method: 'POST', url: `${C}/customers`, payload: { customerId: 'C30003', name: 'x', tariffName: DEMO_TARIFF.name } })).statusCode).toBe(403)

    const edited = await support.request({ method: 'PATCH', url: `${C}/customers/C30001`, payload: { name: '欧阳娜娜', phone: null } })
    expect(edited.json()).toMatchObject({ name: '欧阳娜娜', phone: null })
    expect(JSON.stringify(await audit('customer.'))).not.toContain('欧阳')

    expect((await auditor.request({ method: 'GET', url: `${C}/customers?q=${encodeURIComponent('欧阳')}` })).json()).toMatchObject([{ customerId: 'C30001' }])
    expect((await auditor.request({ method: 'GET', url: `${C}/customers?q=${FIRST_METER}` })).json()).toMatchObject([{ customerId: 'C00001', meterNos: [FIRST_METER] }])
    expect((await auditor.request({ method: 'GET', url: `${C}/customers?q=${FIRST_CARD}` })).json()).toMatchObject([{ customerId: 'C00001' }])
    expect((await auditor.request({ method: 'GET', url: `${C}/customers?q=zzz-nobody` })).json()).toEqual([])
  })

  it('imports the good rows of a CSV and reports each bad row with its line; a refused row leaves nothing behind', async () => {
    const csv = [
      'customer_id,name,tariff,meter_no,building,unit',
      `C40001,甲,${DEMO_TARIFF.name},58140000001,${B1},1-1401`,
      `C40001,甲,${DEMO_TARIFF.name},58140000002,${B1},1-1402`,
      `C40002,乙,${DEMO_TARIFF.name},${FIRST_METER},${B1},1-1403`,
      `C40003,丙,No such tariff,,,`,
      `C40004,丁,${DEMO_TARIFF.name},5814,${B1},1-1404`,
      `C40005,戊,${DEMO_TARIFF.name},58140000005,${B1},1-1405`,
    ].join('\n')
    const r = await admin.request({ method: 'POST', url: `${C}/import/customers`, payload: { csv } })
    expect(r.statusCode, r.body).toBe(200)
    expect(r.json()).toMatchObject({ total: 6, imported: 3, customersCreated: 2, metersCreated: 3 })
    expect(r.json<{ problems: { line: number; code: string }[] }>().problems.map((p) => [p.line, p.code])).toEqual([
      [4, 'conflict'],
      [5, 'unprocessable'],
      [6, 'invalid'],
    ])
    const c1 = (await admin.request({ method: 'GET', url: `${C}/customers/C40001` })).json<{ accounts: unknown[]; meters: { meterNo: string }[] }>()
    expect(c1.accounts).toHaveLength(1)
    expect(c1.meters.map((m) => m.meterNo)).toEqual(['58140000001', '58140000002'])
    // Line 4's customer would have been created before its meter was refused: the row rolled back whole.
    for (const id of ['C40002', 'C40003', 'C40004']) expect((await admin.request({ method: 'GET', url: `${C}/customers/${id}` })).statusCode, id).toBe(404)
    expect((await admin.request({ method: 'POST', url: `${C}/import/customers`, payload: { csv: 'name\nx' } })).json()).toMatchObject({ statusCode: 400, message: 'Missing column(s): customer_id, tariff' })
    expect((await support.request({ method: 'POST', url: `${C}/import/customers`, payload: { csv } })).statusCode).toBe(403)
    expect(await t.app.repo.verifyAuditChain()).toMatchObject({ ok: true })
  })

  it('shows vends with their stored tokens; reprint returns the same token, resend re-queues the stored delivery', async () => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [5000], t.clock.now()) })
    const vend = res.json<VendResponse>()
    const list = await auditor.request({ method: 'GET', url: `${C}/accounts/A00001/vends` })
    expect(list.json()).toMatchObject([{ vendId: vend.vendId, tokens: vend.tokens, delivery: { state: 'pending' } }])
    const reprint = await support.request({ method: 'POST', url: `${C}/vends/${vend.vendId}/reprint` })
    expect(reprint.json<VendResponse>().tokens).toEqual(vend.tokens)
    expect(await audit('vend.reprinted')).toMatchObject([{ vendId: vend.vendId }])

    const d = (await t.app.repo.deliveryForVend(vend.vendId))!
    await t.app.repo.settleDelivery(d.id, FIRST_METER, { state: 'rejected', reason: 'KEY_EXPIRED', creditWh: null }, t.clock.now())
    expect((await support.request({ method: 'POST', url: `${C}/vends/${vend.vendId}/resend` })).json()).toEqual({ ok: true })
    const again = (await t.app.repo.deliveryForVend(vend.vendId))!
    expect(again).toMatchObject({ id: d.id, state: 'pending', tokens: vend.tokens, reason: null })
    await t.app.repo.settleDelivery(d.id, FIRST_METER, { state: 'accepted', reason: null, creditWh: 20_000 }, t.clock.now())
    expect((await support.request({ method: 'POST', url: `${C}/vends/${vend.vendId}/resend` })).json()).toMatchObject({ statusCode: 409 })
    const payments = (await auditor.request({ method: 'GET', url: `${C}/accounts/A00001/payments` })).json<{ kind: string; id: string; amountFen: number }[]>()
    expect(payments[0]).toMatchObject({ kind: 'vend', id: vend.vendId, amountFen: 5000 })
  })

  it('blocks a lost card and issues its replacement on the same account', async () => {
    const r = await support.request({ method: 'POST', url: `${C}/cards/${FIRST_CARD}/replace`, payload: { newCardNo: '8800990001', reason: 'Lost at the market' } })
    expect(r.statusCode, r.body).toBe(200)
    expect((await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/${FIRST_CARD}` })).json()).toMatchObject({ code: 'ERR_CARD_BLOCKED' })
    expect((await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/8800990001` })).statusCode).toBe(200)
    const c = (await auditor.request({ method: 'GET', url: `${C}/customers/C00001` })).json<{ cards: { cardNo: string; blocked: boolean; replacedBy: string | null }[] }>()
    expect(c.cards).toEqual(expect.arrayContaining([expect.objectContaining({ cardNo: FIRST_CARD, blocked: true, replacedBy: '8800990001' }), expect.objectContaining({ cardNo: '8800990001', blocked: false })]))
    expect((await support.request({ method: 'POST', url: `${C}/cards/${FIRST_CARD}/replace`, payload: { newCardNo: '8800990002', reason: 'again' } })).statusCode).toBe(409)
  })

  it('swaps a meter: the new one serves the account, the old one stops, its credit and undelivered tokens carry over', async () => {
    // The meter holds 20 kWh (last ack above); a second vend's token has not reached it yet.
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })
    const pendingWh = res.json<VendResponse>().energyWh
    const field = await consoleSignIn(t.app, 'S004')
    const swap = await field.request({ method: 'POST', url: `${C}/meters/${FIRST_METER}/swap`, payload: { newMeterNo: '58140000099', reason: 'Display broken' } })
    expect(swap.statusCode, swap.body).toBe(200)
    expect(swap.json()).toMatchObject({ accountId: 'A00001', carriedCreditWh: 20_000 + pendingWh })
    expect((await t.app.repo.deliveryForVend(res.json<VendResponse>().vendId))?.state).toBe('cancelled')
    const c = (await auditor.request({ method: 'GET', url: `${C}/customers/C00001` })).json<{ meters: { meterNo: string; removedAt: string | null }[]; swaps: unknown[] }>()
    expect(c.meters.find((m) => m.meterNo === '58140000099')?.removedAt).toBeNull()
    expect(c.meters.find((m) => m.meterNo === FIRST_METER)?.removedAt).not.toBeNull()
    expect(c.swaps).toHaveLength(1)
    expect((await field.request({ method: 'POST', url: `${C}/meters/${FIRST_METER}/swap`, payload: { newMeterNo: '58140000098', reason: 'again' } })).statusCode).toBe(409)
    expect((await support.request({ method: 'POST', url: `${C}/meters/58140000099/swap`, payload: { newMeterNo: '58140000098', reason: 'x' } })).statusCode).toBe(403)
    expect(await audit('meter.swapped')).toMatchObject([{ oldMeterNo: FIRST_METER, newMeterNo: '58140000099' }])
    // Kiosks no longer sell to the old meter (its history stays readable); the account lists the new one.
    expect((await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })).statusCode).toBe(404)
    expect((await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/58140000099/account` })).statusCode).toBe(200)
    expect((await t.app.repo.getAccount('A00001', t.clock.now()))?.meters.map((m) => m.meterNo)).toEqual(['58140000099'])
  })

  it('adds tariff versions from a future date, never the past', async () => {
    const list = (await auditor.request({ method: 'GET', url: `${C}/tariffs` })).json<{ tariffName: string; inForce: boolean; definition: Record<string, unknown> }[]>()
    const flat = list.find((v) => v.tariffName === DEMO_TARIFF.name && v.inForce)!
    const next = { ...flat.definition, pricing: { kind: 'flat', priceFenPerKwh: 65 } }
    const past = await admin.request({ method: 'POST', url: `${C}/tariffs/versions`, payload: { tariffName: DEMO_TARIFF.name, effectiveFrom: new Date(t.clock.now() - 86_400_000).toISOString(), definition: next } })
    expect(past.json()).toMatchObject({ statusCode: 422 })
    const from = new Date(t.clock.now() + 86_400_000).toISOString()
    const ok = await admin.request({ method: 'POST', url: `${C}/tariffs/versions`, payload: { tariffName: DEMO_TARIFF.name, effectiveFrom: from, definition: next } })
    expect(ok.statusCode, ok.body).toBe(201)
    expect((await admin.request({ method: 'POST', url: `${C}/tariffs/versions`, payload: { tariffName: DEMO_TARIFF.name, effectiveFrom: from, definition: next } })).statusCode).toBe(409)
    const after = (await auditor.request({ method: 'GET', url: `${C}/tariffs` })).json<{ tariffName: string; inForce: boolean; effectiveFrom: string }[]>()
    expect(after.filter((v) => v.tariffName === DEMO_TARIFF.name).map((v) => [v.effectiveFrom, v.inForce])).toEqual([
      [from, false],
      [expect.any(String), true],
    ])
    expect((await support.request({ method: 'POST', url: `${C}/tariffs/versions`, payload: { tariffName: DEMO_TARIFF.name, effectiveFrom: from, definition: next } })).statusCode).toBe(403)
  })
})
