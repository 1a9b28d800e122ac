import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { API_PREFIX, decodeToken, uuidv7, type VendResponse, type VendStatusResponse } from '@gridtill/shared'
import { hashEnrollmentCode } from '../../plugins/enrollment-code.ts'
import { meterKeyParams } from '../../vending/token-minter.ts'
import { demoCustomers } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, kioskKeys, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'

const VENDS = `${API_PREFIX}/vends`
const METERS = demoCustomers(24).flatMap((c) => c.meters.map((m) => m.meterNo))

// One app for the file (building one costs ~0.5 s); each test vends to meters of its own and
// measures the ledger by difference.
describe.each(ENGINES)('vends on %s', (engine) => {
  let t: TestApp
  let kiosk: TestKiosk
  let nextMeter = 0
  /** This test's meter, and a second one. */
  let FIRST_METER: string
  let OTHER_METER: string
  let ledgerBefore = 0
  beforeAll(async () => {
    t = await makeApp({ engine, config: { meterCount: 24 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())
  beforeEach(async () => {
    FIRST_METER = METERS[nextMeter++]!
    OTHER_METER = METERS[nextMeter++]!
    ledgerBefore = (await t.app.repo.ledgerCheck()).totalDebitsFen
  })

  const post = (body: unknown) => signed(t.app, kiosk, { method: 'POST', url: VENDS, body })
  /** Ledger debits written by this test so far. */
  const count = async () => (await t.app.repo.ledgerCheck()).totalDebitsFen - ledgerBefore

  it('quotes without recording anything', async () => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${VENDS}/quote`, body: { meterNo: FIRST_METER, amountFen: 5000 } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ meterNo: FIRST_METER, amountFen: 5000, energyWh: 83_300, breakdown: { energyFen: 4998, carriedOverFen: 2 } })
    expect(await count()).toBe(0)
    const meter = await t.app.repo.findMeter(FIRST_METER)
    expect(meter?.lastTid).toBe(0)
  })

  it('same id and same body answers the stored vend with the same token', async () => {
    const body = vendBody(FIRST_METER, [1000, 1000], t.clock.now())
    const first = await post(body)
    expect(first.statusCode).toBe(200)
    t.clock.advance(90_000)
    // A retry may serialise the fields in another order: still the same request.
    const reordered = { paidAt: body.paidAt, notes: body.notes, amountFen: body.amountFen, meterNo: body.meterNo, vendId: body.vendId }
    const again = await post(reordered)
    expect(again.statusCode).toBe(200)
    expect(again.headers['x-gridtill-replayed']).toBe('1')
    expect(again.json()).toEqual(first.json())
    expect(await count()).toBe(2000 + 1998)
  })

  it('same id with a different body is refused (422), and so is the same id from another kiosk', async () => {
    const body = vendBody(FIRST_METER, [1000], t.clock.now())
    expect((await post(body)).statusCode).toBe(200)
    const other = await post({ ...body, amountFen: 2000, notes: [{ ...body.notes[0]!, valueFen: 2000 }] })
    expect(other.statusCode).toBe(422)
    expect(other.json()).toMatchObject({ code: 'ERR_VEND_ID_REUSED' })
    // A second kiosk enrolled on the same site sends the very same body.
    const second = await enrollSecondKiosk(t)
    const fromOther = await signed(t.app, second, { method: 'POST', url: VENDS, body })
    expect(fromOther.statusCode).toBe(422)
    expect(fromOther.json()).toMatchObject({ code: 'ERR_VEND_ID_REUSED' })
  })

  it('a note can be credited once, ever', async () => {
    const a = vendBody(FIRST_METER, [1000, 500], t.clock.now())
    expect((await post(a)).statusCode).toBe(200)
    const b = vendBody(OTHER_METER, [1000], t.clock.now(), { notes: [{ noteId: a.notes[1]!.noteId, valueFen: 1000 }] })
    const res = await post(b)
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'ERR_VEND_NOTE_REUSED' })
    expect(await t.app.repo.getVend(b.vendId)).toBeNull()
  })

  it('checks the notes add up and the tariff limits', async () => {
    const mismatch = vendBody(FIRST_METER, [1000], t.clock.now(), { amountFen: 2000 })
    expect((await post(mismatch)).json()).toMatchObject({ statusCode: 422, code: 'ERR_VEND_NOTES_MISMATCH' })
    expect((await post(vendBody(FIRST_METER, [500], t.clock.now()))).json()).toMatchObject({ statusCode: 422, code: 'ERR_VEND_AMOUNT_BELOW_MINIMUM' })
    const tooMuch = vendBody(FIRST_METER, Array.from({ length: 21 }, () => 10_000), t.clock.now())
    expect((await post(tooMuch)).json()).toMatchObject({ statusCode: 422, code: 'ERR_VEND_AMOUNT_ABOVE_MAXIMUM' })
    expect((await post(vendBody('99999999999', [1000], t.clock.now()))).json()).toMatchObject({ statusCode: 404, code: 'ERR_METER_UNKNOWN' })
    const dupNote = vendBody(FIRST_METER, [1000], t.clock.now())
    dupNote.notes.push({ ...dupNote.notes[0]! })
    dupNote.amountFen = 2000
    expect((await post(dupNote)).json()).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION' })
    expect(await count()).toBe(0)
  })

  it('concurrent duplicates make exactly one vend', async () => {
    const body = vendBody(FIRST_METER, [2000], t.clock.now())
    const results = await Promise.all(Array.from({ length: 12 }, () => post(body)))
    const ok = results.filter((r) => r.statusCode === 200)
    const busy = results.filter((r) => r.statusCode === 409)
    expect(ok.length + busy.length).toBe(12)
    expect(ok.length).toBeGreaterThanOrEqual(1)
    for (const r of busy) expect(r.json()).toMatchObject({ code: 'ERR_VEND_IN_FLIGHT' })
    const tokens = new Set(ok.map((r) => r.json<VendResponse>().tokens[0]))
    expect(tokens.size).toBe(1)
    expect(await count()).toBe(2000 + 1998)
    expect((await post(body)).json()).toEqual(ok[0]!.json())
  })

  it('two vends for one meter in the same minute get strictly increasing TIDs, and the wallet carries over', async () => {
    const a = (await post(vendBody(FIRST_METER, [1000], t.clock.now()))).json<VendResponse>()
    const b = (await post(vendBody(FIRST_METER, [1000], t.clock.now()))).json<VendResponse>()
    const meter = (await t.app.repo.findMeter(FIRST_METER))!
    const key = await t.app.securityModule.deriveDecoderKey(meterKeyParams(meter), meter.vendingKeyId)
    const ta = decodeToken(key, a.tokens[0]!) as { tid: number; units: number }
    const tb = decodeToken(key, b.tokens[0]!) as { tid: number; units: number }
    expect(tb.tid).toBe(ta.tid + 1)
    expect(meter.lastTid).toBe(tb.tid)
    // 10 yuan buys 16.6 kWh (4 fen left); the next 10 yuan plus 4 fen buys 16.7 kWh.
    expect([ta.units, tb.units]).toEqual([166, 167])
    expect(b.breakdown).toMatchObject({ walletUsedFen: 4, carriedOverFen: 2 })
    const seq = (r: string) => Number(r.split('-')[2])
    expect(b.receiptNo).toMatch(new RegExp(`^${kiosk.kioskId}-20261124-\\d{6}$`))
    expect(seq(b.receiptNo)).toBe(seq(a.receiptNo) + 1)
    const acct = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/${FIRST_METER}/account` })
    expect(acct.json()).toMatchObject({ account: { walletFen: 2 } })
  })

  it('status shows the delivery; reprint returns the stored vend and never mints', async () => {
    const vend = (await post(vendBody(FIRST_METER, [1000], t.clock.now()))).json<VendResponse>()
    const status = await signed(t.app, kiosk, { method: 'GET', url: `${VENDS}/${vend.vendId}` })
    expect(status.statusCode).toBe(200)
    expect(status.json<VendStatusResponse>()).toMatchObject({ vend, delivery: { state: 'pending' } })
    t.clock.advance(3_600_000)
    const reprint = await signed(t.app, kiosk, { method: 'POST', url: `${VENDS}/${vend.vendId}/reprint` })
    expect(reprint.statusCode).toBe(200)
    expect(reprint.json()).toEqual(vend)
    expect((await t.app.repo.findMeter(FIRST_METER))?.lastTid).toBe(await decodeTid(t, vend))
    const missing = await signed(t.app, kiosk, { method: 'GET', url: `${VENDS}/${uuidv7()}` })
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'ERR_NOT_FOUND' })
    const audit = await t.app.repo.verifyAuditChain()
    expect(audit).toMatchObject({ ok: true })
    expect(audit.entries).toBeGreaterThanOrEqual(4) // seed, enrol, vends, reprint
  })

  it('status shows a reversed vend\'s delivery as cancelled, and a meter\'s answer as it came', async () => {
    const status = async (vendId: string) => (await signed(t.app, kiosk, { method: 'GET', url: `${VENDS}/${vendId}` })).json<VendStatusResponse>().delivery
    const reversed = (await post(vendBody(FIRST_METER, [1000], t.clock.now()))).json<VendResponse>()
    const asked = await t.app.repo.requestReversal({ requestId: uuidv7(), vendId: reversed.vendId, reason: 'wrong meter', staffId: 'S002', now: t.clock.now() })
    await t.app.repo.approveRequest({ requestId: asked.id, staffId: 'S001', now: t.clock.now() })
    expect(await status(reversed.vendId)).toMatchObject({ state: 'cancelled', reason: 'VOIDED' })

    const refused = (await post(vendBody(OTHER_METER, [1000], t.clock.now()))).json<VendResponse>()
    const d = (await t.app.repo.deliveryForVend(refused.vendId))!
    await t.app.repo.settleDelivery(d.id, OTHER_METER, { state: 'rejected', reason: 'USED', creditWh: null }, t.clock.now())
    expect(await status(refused.vendId)).toMatchObject({ state: 'rejected', reason: 'USED' })
  })

  it('uses the tariff version in force when the money was paid', async () => {
    // Nothing in force before the demo tariff starts: the vend is refused, not priced by guess.
    const early = vendBody(FIRST_METER, [1000], t.clock.now(), { paidAt: '2019-06-01T00:00:00.000Z' })
    expect((await post(early)).json()).toMatchObject({ statusCode: 422, code: 'ERR_TARIFF_MISSING' })
  })

  it('exposes vend metrics', async () => {
    const scrape = async () => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
      return { vends: value('vends_total'), notes: value('notes_total'), fen: value('vend_amount_fen_total'), outbox: value('delivery_outbox_depth'), kiosks: value('kiosks_enrolled') }
    }
    const before = await scrape()
    await post(vendBody(FIRST_METER, [1000, 500], t.clock.now()))
    const after = await scrape()
    expect(after).toEqual({ vends: before.vends + 1, notes: before.notes + 2, fen: before.fen + 1500, outbox: before.outbox + 1, kiosks: before.kiosks })
  })
})

async function decodeTid(t: TestApp, vend: VendResponse): Promise<number> {
  const meter = (await t.app.repo.findMeter(vend.meterNo))!
  const key = await t.app.securityModule.deriveDecoderKey(meterKeyParams(meter), meter.vendingKeyId)
  return (decodeToken(key, vend.tokens[0]!) as { tid: number }).tid
}

/** A second kiosk for the demo site, enrolled through a code the test plants. */
async function enrollSecondKiosk(t: TestApp): Promise<TestKiosk> {
  const hash = await hashEnrollmentCode('SECOND-KIOSK-CODE')
  await t.app.repo.seed({
    at: t.clock.now(),
    site: { name: 'Second site', kind: 'residential', buildings: [] },
    units: [],
    tariffs: [],
    customers: [],
    staff: [],
    meters: [],
    cards: [],
    kiosks: [{ id: 'K002', name: 'GT-K002', location: 'Lobby 2', enrollmentCodeHash: hash }],
  })
  const keys = kioskKeys()
  const res = await t.app.inject({ method: 'POST', url: `${API_PREFIX}/kiosks/enroll`, payload: { enrollmentCode: 'SECOND-KIOSK-CODE', publicKey: keys.publicKeyB64 } })
  expect(res.statusCode).toBe(200)
  return { kioskId: 'K002', ...keys }
}
