import path from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeToken } from '@gridtill/shared'
import { Metrics } from '../plugins/metrics.ts'
import { FIRST_METER, makeApp, vendBody, type TestApp } from '../test-support.ts'
import { meterKeyParams, securityModuleMinter, type CreditMinter } from './token-minter.ts'
import { VendService } from './vend-service.ts'

const log = pino({ level: 'silent' })

/** A minter that takes a while, like a security module across the network. */
function slow(minter: CreditMinter, ms: number): CreditMinter & { calls: number } {
  const m = {
    calls: 0,
    async mintCredit(...args: Parameters<CreditMinter['mintCredit']>) {
      m.calls++
      await new Promise((r) => setTimeout(r, ms))
      return minter.mintCredit(...args)
    },
  }
  return m
}

describe('VendService with an async security module', () => {
  let t: TestApp
  beforeEach(async () => {
    t = await makeApp()
  })
  afterEach(() => t.close())

  const service = (minter: CreditMinter) =>
    new VendService({ repo: t.app.repo, minter, clock: t.clock, timeZone: 'Asia/Shanghai', metrics: new Metrics(), onCommitted: () => undefined })

  it('tells a concurrent duplicate that the vend is in flight (409), then answers it from storage', async () => {
    const minter = slow(securityModuleMinter(t.app.securityModule), 30)
    const s = service(minter)
    const body = vendBody(FIRST_METER, [1000], t.clock.now())
    const [a, b] = await Promise.allSettled([s.vend('K001', body, log), s.vend('K001', body, log)])
    expect(a.status).toBe('fulfilled')
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'ERR_VEND_IN_FLIGHT', statusCode: 409 } })
    const retry = await s.vend('K001', body, log)
    expect(retry.replayed).toBe(true)
    expect(minter.calls).toBe(1)
  })

  it('mints again when another vend for the same meter commits first (TID compare-and-set)', async () => {
    const minter = slow(securityModuleMinter(t.app.securityModule), 20)
    const s = service(minter)
    const [a, b] = await Promise.all([
      s.vend('K001', vendBody(FIRST_METER, [1000], t.clock.now()), log),
      s.vend('K001', vendBody(FIRST_METER, [2000], t.clock.now()), log),
    ])
    // Both started from last_tid 0 and minted the same TID; the loser re-read and minted again.
    expect(minter.calls).toBe(3)
    const meter = (await t.app.repo.findMeter(FIRST_METER))!
    const key = await t.app.securityModule.deriveDecoderKey(meterKeyParams(meter), meter.vendingKeyId)
    const tids = [a, b].map((o) => (decodeToken(key, o.vend.response.tokens[0]!) as { tid: number }).tid).sort((x, y) => x - y)
    expect(tids[1]).toBe(tids[0]! + 1)
    expect(meter.lastTid).toBe(tids[1])
    // The second vend used the first one's carry-over: the wallet never double-counts.
    const check = await t.app.repo.ledgerCheck()
    expect(check).toMatchObject({ balanced: true, vendsWithoutTransfer: 0, walletsMismatched: 0 })
  })

  it('leaves no trace when the security module fails, and the same vend succeeds on retry', async () => {
    const real = securityModuleMinter(t.app.securityModule)
    let fail = true
    const flaky: CreditMinter = {
      mintCredit: (...args) => (fail ? Promise.reject(new Error('HSM unreachable')) : real.mintCredit(...args)),
    }
    const s = service(flaky)
    const body = vendBody(FIRST_METER, [1000, 500], t.clock.now())
    await expect(s.vend('K001', body, log)).rejects.toThrow('HSM unreachable')
    await expectNothingRecorded(t, body.vendId)
    fail = false
    const ok = await s.vend('K001', body, log)
    expect(ok.replayed).toBe(false)
    expect((await t.app.repo.ledgerCheck()).totalDebitsFen).toBe(1500 + ok.vend.response.breakdown.energyFen)
  })

  it('rolls the whole vend back when the database fails inside the transaction', async () => {
    // A second connection plants a fault: the delivery outbox insert, late in the transaction, fails.
    const db = new Database(path.join(t.dir, 'central.db'))
    db.exec("CREATE TRIGGER fail_delivery BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    const s = service(securityModuleMinter(t.app.securityModule))
    const body = vendBody(FIRST_METER, [2000], t.clock.now())
    await expect(s.vend('K001', body, log)).rejects.toThrow('disk on fire')
    await expectNothingRecorded(t, body.vendId)
    db.exec('DROP TRIGGER fail_delivery')
    db.close()
    const ok = await s.vend('K001', body, log)
    expect(ok.vend.response.receiptNo).toBe('K001-20261124-000001')
    expect(await t.app.repo.deliveryForVend(body.vendId)).toMatchObject({ state: 'pending' })
  })
})

/** The vend id, its notes, the ledger, the wallet, the TID and the receipt counter are untouched. */
async function expectNothingRecorded(t: TestApp, vendId: string): Promise<void> {
  expect(await t.app.repo.getVend(vendId)).toBeNull()
  expect(await t.app.repo.deliveryForVend(vendId)).toBeNull()
  expect(await t.app.repo.ledgerCheck()).toEqual({ balanced: true, totalDebitsFen: 0, totalCreditsFen: 0, vendsWithoutTransfer: 0, walletsMismatched: 0 })
  expect((await t.app.repo.findMeter(FIRST_METER))?.lastTid).toBe(0)
  expect((await t.app.repo.getAccount('A00001', t.clock.now()))?.walletFen).toBe(0)
  expect(await t.app.repo.outboxDepth()).toBe(0)
}
