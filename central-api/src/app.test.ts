import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_STS, decodeToken, type VendResponse } from '@gridtill/shared'
import { meterKeyParams } from './vending/token-minter.ts'
import { enrollDemoKiosk, FIRST_CARD, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from './test-support.ts'

describe('central-api: the foundation path', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeEach(async () => {
    t = await makeApp()
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterEach(() => t.close())

  it('looks up a resident card with a masked name and the flat tariff', async () => {
    const res = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/${FIRST_CARD}` })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ kind: string; account: { customerNameMasked: string; meters: { meterNo: string }[]; priceFenPerKwh: number } }>()
    expect(body.kind).toBe('resident')
    expect(body.account.customerNameMasked).toMatch(/^.\*/)
    expect(body.account.meters[0]?.meterNo).toBe(FIRST_METER)
    expect(body.account.priceFenPerKwh).toBe(60)
  })

  it('vends a real STS token that decodes, under the meter key, to the energy paid for', async () => {
    const body = vendBody(FIRST_METER, [5000, 2000], t.clock.now())
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
    expect(res.statusCode, res.body).toBe(200)
    const vend = res.json<VendResponse>()
    // 70 yuan at 0.60 yuan/kWh: 116.6 kWh (1166 units of 0.1 kWh) costs 69.96 yuan; 4 fen carried over.
    expect(vend.energyWh).toBe(116_600)
    expect(vend.breakdown).toMatchObject({ energyFen: 6996, carriedOverFen: 4, walletUsedFen: 0 })
    expect(vend.receiptNo).toBe(`${kiosk.kioskId}-20261124-000001`)
    expect(vend.tokens).toHaveLength(1)

    const meter = await t.app.repo.findMeter(FIRST_METER)
    const key = await t.app.securityModule.deriveDecoderKey(meterKeyParams(meter!), meter!.vendingKeyId)
    const decoded = decodeToken(key, vend.tokens[0]!)
    expect(decoded).toMatchObject({ class: 0, subclass: 0, units: 1166 })
    expect(meter!.lastTid).toBe((decoded as { tid: number }).tid)
    expect(meter!.ea).toBe('07')
    expect(DEMO_STS.dkga).toBe('04')

    const ledger = await t.app.repo.ledgerCheck()
    expect(ledger).toMatchObject({ balanced: true, totalDebitsFen: 7000 + 6996, totalCreditsFen: 7000 + 6996, vends: 1, transfers: 2 })
  })
})
