/**
 * Vends priced by shared's tariff engine: block tariffs with VAT and fixed charges, versions by
 * effective date, arrears and debt recovery, vends that buy no energy, and the ledger legs each
 * breakdown implies. The engine is the oracle: the central must answer exactly what it computes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, computeVend, demoCustomers, initialTariffState, type AccountTariffState, type TariffDefinition, type VendResponse } from '@gridtill/shared'
import { DEMO_FLAT_TARIFF, DEMO_SHOP_TARIFF } from '../storage/seed-demo.ts'
import { ENGINES, enrollDemoKiosk, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'

const METERS = demoCustomers(20).flatMap((c) => c.meters)
/** Meters whose accounts buy on the shop (block) tariff, one account each. */
const SHOP = METERS.filter((m) => m.profile === 'shop').map((m) => m.meterNo)
const FLAT = METERS.filter((m) => m.profile !== 'shop').map((m) => m.meterNo)
const shanghai = (y: number, mo: number, d: number, h = 10) => Date.UTC(y, mo - 1, d, h - 8)

describe.each(ENGINES)('vends priced by the tariff engine on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 20 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const vend = async (meterNo: string, notes: number[], paidAt = t.clock.now()) => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, notes, t.clock.now(), { paidAt: new Date(paidAt).toISOString() }) })
    expect(res.statusCode, res.body).toBe(200)
    return res.json<VendResponse>()
  }
  const state = async (meterNo: string, at = t.clock.now()): Promise<AccountTariffState> => {
    const m = await t.app.repo.findMeter(meterNo)
    return (await t.app.repo.getAccount(m!.accountId, at))!.tariffState!
  }
  const legs = async (vendId: string) => {
    const check = await t.app.repo.ledgerCheck()
    expect(check).toMatchObject({ balanced: true, vendsUnbalanced: 0, walletsMismatched: 0, arrearsMismatched: 0 })
    return vendId
  }

  it('prices a shop vend with blocks, 13 % VAT and the month\'s fixed charge, exactly as the engine does', async () => {
    const meterNo = SHOP[0]!
    const before = await state(meterNo)
    expect(before).toEqual(initialTariffState(DEMO_SHOP_TARIFF, t.clock.now()))
    const quote = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body: { meterNo, amountFen: 10_000 } })
    const expected = computeVend({ tariff: DEMO_SHOP_TARIFF, state: before, amountFen: 10_000, at: t.clock.now() })
    if (!expected.ok) throw new Error(expected.message)
    expect(quote.json()).toMatchObject({ energyWh: expected.result.energyWh, breakdown: expected.result.breakdown })

    const v = await vend(meterNo, [5000, 5000])
    expect(v.breakdown).toEqual(expected.result.breakdown)
    expect(v.breakdown).toMatchObject({ fixedChargesFen: 1000, debtRecoveredFen: 0 })
    expect(v.breakdown.vatFen).toBeGreaterThan(0)
    expect(v.energyWh).toBe(expected.result.energyWh)
    expect(v.tariffName).toBe(DEMO_SHOP_TARIFF.name)
    expect(await state(meterNo)).toEqual(expected.result.newState)
    await legs(v.vendId)

    // The same month again: no second fixed charge; the account screen shows block 1's price.
    const again = await vend(meterNo, [2000])
    expect(again.breakdown.fixedChargesFen).toBe(0)
    expect(again.breakdown.walletUsedFen).toBe(v.breakdown.carriedOverFen)
    const acct = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/${meterNo}/account` })
    expect(acct.json()).toMatchObject({ account: { tariffName: DEMO_SHOP_TARIFF.name, priceFenPerKwh: 80, minVendFen: 1000, maxVendFen: 500_000 } })
  })

  it('uses the tariff version in force when the money was paid', async () => {
    const meterNo = FLAT[0]!
    const dec1 = shanghai(2026, 12, 1, 0)
    const dearer: TariffDefinition = { ...DEMO_FLAT_TARIFF, pricing: { kind: 'flat', priceFenPerKwh: 70 } }
    await t.app.repo.putTariffVersion({ tariffName: DEMO_FLAT_TARIFF.name, effectiveFrom: dec1, definition: dearer, actor: 'test', now: t.clock.now() })
    t.clock.set(shanghai(2026, 12, 2))
    // Paid on 30 November (an offline vend uploaded late): 10 yuan at 0.60 = 16.6 kWh.
    expect((await vend(meterNo, [1000], shanghai(2026, 11, 30))).energyWh).toBe(16_600)
    // Paid on 2 December: the new price, 10 yuan (+ 4 fen wallet) at 0.70 = 14.3 kWh.
    const dec = await vend(meterNo, [1000])
    expect(dec.energyWh).toBe(14_300)
    expect(dec.breakdown).toMatchObject({ walletUsedFen: 4, energyFen: 1001, carriedOverFen: 3 })
  })

  it('moves fixed charges the money cannot cover into arrears, mints no token for no energy, then recovers the debt', async () => {
    const meterNo = SHOP[1]!
    // From January a ¥50 monthly charge: more than a ¥10 vend.
    const jan1 = shanghai(2027, 1, 1, 0)
    const steep: TariffDefinition = { ...DEMO_SHOP_TARIFF, fixedMonthlyChargeFen: 5000 }
    await t.app.repo.putTariffVersion({ tariffName: DEMO_SHOP_TARIFF.name, effectiveFrom: jan1, definition: steep, actor: 'test', now: t.clock.now() })
    t.clock.set(shanghai(2027, 1, 5))
    const meterBefore = await t.app.repo.findMeter(meterNo)

    const nothing = await vend(meterNo, [1000])
    expect(nothing.tokens).toEqual([])
    expect(nothing.energyWh).toBe(0)
    // The account's first vend settles January: 5000 due, 1000 paid, 4000 owed.
    expect(nothing.breakdown).toMatchObject({ fixedChargesFen: 1000, energyFen: 0, vatFen: 0, carriedOverFen: 0 })
    expect(await state(meterNo)).toMatchObject({ arrearsFen: 4000, fixedChargesPaidThroughMonth: '2027-01' })
    expect(await t.app.repo.deliveryForVend(nothing.vendId)).toBeNull()
    expect((await t.app.repo.findMeter(meterNo))?.lastTid).toBe(meterBefore?.lastTid)
    const status = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/vends/${nothing.vendId}` })
    expect(status.json()).toMatchObject({ vend: { tokens: [] }, delivery: { state: 'accepted' } })
    await legs(nothing.vendId)

    // The next vend pays 20 % of its money towards the debt, and buys energy with the rest.
    const pays = await vend(meterNo, [10_000])
    expect(pays.breakdown).toMatchObject({ fixedChargesFen: 0, debtRecoveredFen: 2000 })
    expect(pays.tokens).toHaveLength(1)
    expect(await state(meterNo)).toMatchObject({ arrearsFen: 2000 })
    const check = await t.app.repo.ledgerCheck()
    expect(check).toMatchObject({ balanced: true, arrearsMismatched: 0, tokensWithoutTransfer: 0 })
  })
})
