import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEFAULT_NOTE_VALUES_FEN, demoCustomers, type VendBreakdown, type VendResponse } from '@gridtill/shared'
import { ADMIN, ENGINES, enrollDemoKiosk, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'
import { refundTransfers, reversalTransfers, vendTransfers } from './vend-transfers.ts'

describe('ledger', () => {
  const breakdown = (b: Partial<VendBreakdown>): VendBreakdown => ({ energyFen: 0, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0, ...b })
  const leg = { vendId: 'v1', requestId: null, at: 1 }

  it('a vend moves cash into the wallet and the energy out of it; debits equal credits', () => {
    const legs = vendTransfers({ vendId: 'v1', kioskId: 'K001', cashCycle: 3, accountId: 'A00001', amountFen: 7000, breakdown: breakdown({ energyFen: 6996, carriedOverFen: 4 }), movedToArrearsFen: 0, at: 1 })
    expect(legs).toEqual([
      { id: 'v1:cash', debitAccount: 'kiosk-cash:K001:3', creditAccount: 'wallet:A00001', amountFen: 7000, kind: 'vend.cash', ...leg },
      { id: 'v1:energy', debitAccount: 'wallet:A00001', creditAccount: 'energy-sales', amountFen: 6996, kind: 'vend.energy', ...leg },
    ])
  })

  it('posts VAT, fixed charges, debt recovered and arrears raised as their own legs; a reversal mirrors them all', () => {
    const b = breakdown({ energyFen: 4000, vatFen: 520, fixedChargesFen: 1000, debtRecoveredFen: 300, walletUsedFen: 20, carriedOverFen: 200 })
    const legs = vendTransfers({ vendId: 'v1', kioskId: 'K001', cashCycle: 1, accountId: 'A1', amountFen: 6000, breakdown: b, movedToArrearsFen: 500, at: 1 })
    expect(legs.map((t) => [t.kind, t.debitAccount, t.creditAccount, t.amountFen])).toEqual([
      ['vend.cash', 'kiosk-cash:K001:1', 'wallet:A1', 6000],
      ['vend.energy', 'wallet:A1', 'energy-sales', 4000],
      ['vend.vat', 'wallet:A1', 'vat-payable', 520],
      ['vend.fixedCharges', 'wallet:A1', 'fixed-charges', 1000],
      ['vend.debtRecovered', 'wallet:A1', 'arrears:A1', 300],
      ['vend.arrearsRaised', 'arrears:A1', 'fixed-charges', 500],
    ])
    // The wallet ends where the engine says: 20 + 6000 − 4000 − 520 − 1000 − 300 = 200.
    const walletMove = (ts: typeof legs) => ts.reduce((s, t) => s + (t.creditAccount === 'wallet:A1' ? t.amountFen : 0) - (t.debitAccount === 'wallet:A1' ? t.amountFen : 0), 0)
    expect(20 + walletMove(legs)).toBe(200)
    const back = reversalTransfers({ requestId: 'r1', vendId: 'v1', legs, at: 2 })
    expect(walletMove(back)).toBe(-walletMove(legs))
    // The notes stay in the cassette: what was paid is now owed back to the resident.
    expect(back.find((t) => t.kind === 'reversal.refundOwed')).toMatchObject({ debitAccount: 'kiosk-cash:K001:1', creditAccount: 'refunds-payable', amountFen: 6000 })
    expect(refundTransfers({ requestId: 'r2', accountId: 'A1', amountFen: 150, at: 3 })).toEqual([
      { id: 'r2:refund', debitAccount: 'wallet:A1', creditAccount: 'refunds-payable', amountFen: 150, vendId: null, requestId: 'r2', kind: 'refund.wallet', at: 3 },
    ])
  })

  describe.each(ENGINES)('after many random vends on %s (property)', (engine) => {
    let t: TestApp
    let kiosk: TestKiosk
    const meters = demoCustomers(6).flatMap((c) => c.meters.map((m) => m.meterNo))
    beforeAll(async () => {
      t = await makeApp({ engine })
      kiosk = await enrollDemoKiosk(t.app)
    })
    afterAll(() => t.close())

    it('stays balanced, with exactly one cash leg per vend and no double credit for a retried id', async () => {
      let expectedCashFen = 0
      let expectedEnergyFen = 0
      const vendIds = new Set<string>()
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              meter: fc.constantFrom(...meters),
              notes: fc.array(fc.constantFrom(...DEFAULT_NOTE_VALUES_FEN.filter((v) => v >= 1000)), { minLength: 1, maxLength: 4 }),
              retries: fc.integer({ min: 0, max: 2 }),
              advanceMs: fc.integer({ min: 0, max: 120_000 }),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          async (plan) => {
            for (const step of plan) {
              t.clock.advance(step.advanceMs)
              const body = vendBody(step.meter, step.notes, t.clock.now())
              const first = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
              expect(first.statusCode, first.body).toBe(200)
              expectedCashFen += body.amountFen
              expectedEnergyFen += first.json<VendResponse>().breakdown.energyFen
              vendIds.add(body.vendId)
              for (let r = 0; r < step.retries; r++) {
                const again = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
                expect(again.json<VendResponse>().tokens).toEqual(first.json<VendResponse>().tokens)
              }
            }
            const check = await t.app.inject({ method: 'GET', url: `${API_PREFIX}/ledger/check`, headers: ADMIN })
            const c = check.json<{ balanced: boolean; totalDebitsFen: number; totalCreditsFen: number; vendsWithoutTransfer: number; walletsMismatched: number }>()
            expect(c.balanced).toBe(true)
            expect(c.totalDebitsFen).toBe(c.totalCreditsFen)
            expect(c.vendsWithoutTransfer).toBe(0)
            expect(c.walletsMismatched).toBe(0)
            // The legs sum to the money taken plus the energy sold, once per vend id, however often retried.
            expect(c.totalDebitsFen).toBe(expectedCashFen + expectedEnergyFen)
            const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
            expect(metrics).toContain(`vend_amount_fen_total ${expectedCashFen}\n`)
            expect(metrics).toContain(`vends_total ${vendIds.size}\n`)
          },
        ),
        { numRuns: 12, seed: 42 },
      )
      expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
    })
  })
})
