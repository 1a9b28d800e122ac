import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Value } from '@sinclair/typebox/value'
import { API_PREFIX, AccountHistoryResponse, DEMO_STAFF_CARDS, demoCustomers, registerSchemaFormats, type VendResponse } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'

registerSchemaFormats()
const [ONE, TWO, THREE] = demoCustomers(6)
const url = (cardNo: string, q = '') => `${API_PREFIX}/cards/${cardNo}/history${q}`
const reading = (meterNo: string, iso: string, energyWh: number) => ({ meterNo, at: Date.parse(iso), energyWh, creditWh: 1000, powerW: 100, relay: 'closed' as const, tamper: false })

// The test clock starts 2026-11-24 10:00 in Asia/Shanghai: the year shown is 2025-12 … 2026-11.
describe.each(ENGINES)('card history on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 6 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())
  const get = (u: string) => signed(t.app, kiosk, { method: 'GET', url: u })

  it('lists the newest vends first with their tokens, receipt numbers and delivery states', async () => {
    const meterNo = ONE!.meters[0]!.meterNo
    const first = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [1000], t.clock.now(), { cardNo: ONE!.cardNo }) })
    expect(first.statusCode).toBe(200)
    t.clock.advance(60_000)
    const second = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [2000, 500], t.clock.now()) })
    expect(second.statusCode).toBe(200)
    // The meter accepts the first token.
    // Both first attempts were recorded by the vends; this claim is their retry, once due.
    const due = await t.app.repo.claimDueDeliveries(t.clock.now() + 60_000, 10, () => 60_000)
    const d1 = due.find((d) => d.vendId === first.json<VendResponse>().vendId)!
    await t.app.repo.settleDelivery(d1.id, meterNo, { state: 'accepted', reason: null, creditWh: 5000 }, t.clock.now())

    const res = await get(url(ONE!.cardNo))
    expect(res.statusCode).toBe(200)
    const body = res.json<AccountHistoryResponse>()
    expect(Value.Check(AccountHistoryResponse, body)).toBe(true)
    expect(body.vends.map((v) => v.vendId)).toEqual([second.json<VendResponse>().vendId, first.json<VendResponse>().vendId])
    const [newest, oldest] = body.vends
    expect(newest).toMatchObject({ amountFen: 2500, tokens: second.json<VendResponse>().tokens, receiptNo: second.json<VendResponse>().receiptNo, delivery: { state: 'sent' } })
    expect(oldest).toMatchObject({ amountFen: 1000, energyWh: first.json<VendResponse>().energyWh, delivery: { state: 'accepted', reason: null } })
    expect(oldest!.meterNoDisplay.replace(/ /g, '')).toHaveLength(12)

    const limited = await get(url(ONE!.cardNo, '?limit=1'))
    expect(limited.json<AccountHistoryResponse>().vends).toHaveLength(1)
    // Another card's account sees none of it.
    expect((await get(url(THREE!.cardNo))).json<AccountHistoryResponse>().vends).toEqual([])
  })

  it('sums energy-register increases per local month over all the meters of the account', async () => {
    const [a, b] = TWO!.meters.map((m) => m.meterNo) as [string, string]
    const rows = [
      reading(a, '2026-09-15T04:00:00Z', 1000), // the meter's first reading: September counts from here
      reading(a, '2026-09-30T15:59:00Z', 5000), // 23:59 on 30 September in Shanghai
      reading(a, '2026-10-31T15:00:00Z', 8000), // 23:00 on 31 October
      reading(a, '2026-10-31T17:00:00Z', 8500), // 01:00 on 1 November (still October in UTC)
      reading(a, '2026-11-20T00:00:00Z', 9000),
      reading(b, '2026-10-01T00:00:00Z', 100),
      reading(b, '2026-11-23T00:00:00Z', 700),
      // A register that went down (meter replaced) says nothing about that month's use.
      reading(b, '2026-11-24T01:00:00Z', 50),
    ]
    for (const r of rows) expect(await t.app.repo.insertReading(r)).toBe(true)
    const body = (await get(url(TWO!.cardNo))).json<AccountHistoryResponse>()
    expect(body.timeZone).toBe('Asia/Shanghai')
    expect(body.months.map((m) => m.month)).toEqual([
      '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11',
    ])
    const byMonth = Object.fromEntries(body.months.map((m) => [m.month, m.energyWh]))
    expect(byMonth['2026-08']).toBeNull()
    expect(byMonth['2026-09']).toBe(4000)
    // a: 8000 − 5000; b: its first reading in October starts its count, and October ends at it.
    expect(byMonth['2026-10']).toBe(3000)
    // a: 9000 − 8000 (the 01:00 reading belongs to November); b's reset month is left out.
    expect(byMonth['2026-11']).toBe(1000)
  })

  it('refuses staff cards, unknown cards, blocked cards and unsigned requests', async () => {
    expect((await get(url(DEMO_STAFF_CARDS[0]!.cardNo))).json()).toMatchObject({ statusCode: 404, code: 'ERR_CARD_UNKNOWN' })
    expect((await get(url('8800999999'))).statusCode).toBe(404)
    expect((await get(url(ONE!.cardNo, '?limit=0'))).statusCode).toBe(400)
    expect((await get(url(ONE!.cardNo, '?limit=51'))).statusCode).toBe(400)
    await t.db.exec(`UPDATE cards SET blocked = 1 WHERE card_no = '${THREE!.cardNo}'`)
    expect((await get(url(THREE!.cardNo))).json()).toMatchObject({ statusCode: 403, code: 'ERR_CARD_BLOCKED' })
    expect((await t.app.inject({ method: 'GET', url: url(ONE!.cardNo) })).statusCode).toBe(401)
  })
})
