import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEFAULT_NOTE_VALUES_FEN, demoCustomers, type VendResponse } from '@gridtill/shared'
import { ADMIN, enrollDemoKiosk, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'
import { vendTransfers } from './vend-transfers.ts'

describe('ledger', () => {
  it('a vend moves cash into the wallet and the energy out of it; debits equal credits', () => {
    const legs = vendTransfers({ vendId: 'v1', kioskId: 'K001', cashCycle: 3, accountId: 'A00001', amountFen: 7000, energyFen: 6996, at: 1 })
    expect(legs).toEqual([
      { id: 'v1:cash', debitAccount: 'kiosk-cash:K001:3', creditAccount: 'wallet:A00001', amountFen: 7000, vendId: 'v1', kind: 'vend.cash', at: 1 },
      { id: 'v1:energy', debitAccount: 'wallet:A00001', creditAccount: 'energy-sales', amountFen: 6996, vendId: 'v1', kind: 'vend.energy', at: 1 },
    ])
  })

  describe('after many random vends (property)', () => {
    let t: TestApp
    let kiosk: TestKiosk
    const meters = demoCustomers(6).flatMap((c) => c.meters.map((m) => m.meterNo))
    beforeAll(async () => {
      t = await makeApp()
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
