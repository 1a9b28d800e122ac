import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeToken } from '@gridtill/shared'
import { Metrics } from '../plugins/metrics.ts'
import { ENGINES, FIRST_METER, makeApp, vendBody, type TestApp } from '../test-support.ts'
import { vendRequestHash } from './request-hash.ts'
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

describe.each(ENGINES)('VendService with an async security module on %s', (engine) => {
  let t: TestApp
  beforeEach(async () => {
    t = await makeApp({ engine })
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

  it('mints again when another instance\'s vend for the same meter commits first (TID compare-and-set)', async () => {
    // Within one service, vends for one account queue; two services are two central instances.
    const minter = slow(securityModuleMinter(t.app.securityModule), 20)
    const [s1, s2] = [service(minter), service(minter)]
    const [a, b] = await Promise.all([
      s1.vend('K001', vendBody(FIRST_METER, [1000], t.clock.now()), log),
      s2.vend('K001', vendBody(FIRST_METER, [2000], t.clock.now()), log),
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

  it('queues vends for one account within an instance instead of minting twice', async () => {
    const minter = slow(securityModuleMinter(t.app.securityModule), 20)
    const s = service(minter)
    await Promise.all([s.vend('K001', vendBody(FIRST_METER, [1000], t.clock.now()), log), s.vend('K001', vendBody(FIRST_METER, [2000], t.clock.now()), log)])
    expect(minter.calls).toBe(2)
    expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, vends: 2 })
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
    // From outside, plant a fault: the delivery outbox insert, late in the transaction, fails.
    await t.db.exec(
      engine === 'sqlite'
        ? "CREATE TRIGGER fail_delivery BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        : `CREATE FUNCTION fail_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
           CREATE TRIGGER fail_delivery BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION fail_delivery();`,
    )
    const s = service(securityModuleMinter(t.app.securityModule))
    const body = vendBody(FIRST_METER, [2000], t.clock.now())
    await expect(s.vend('K001', body, log)).rejects.toThrow('disk on fire')
    await expectNothingRecorded(t, body.vendId)
    await t.db.exec(engine === 'sqlite' ? 'DROP TRIGGER fail_delivery' : 'DROP TRIGGER fail_delivery ON deliveries')
    const ok = await s.vend('K001', body, log)
    expect(ok.vend.response.receiptNo).toBe('K001-20261124-000001')
    expect(await t.app.repo.deliveryForVend(body.vendId)).toMatchObject({ state: 'pending' })
  })

  it('answers a replay from storage without claiming, and refuses the id with another body', async () => {
    const s = service(securityModuleMinter(t.app.securityModule))
    const body = vendBody(FIRST_METER, [1000], t.clock.now())
    const first = await s.vend('K001', body, log)
    expect(await s.vend('K001', body, log)).toEqual({ vend: first.vend, replayed: true })
    await expect(s.vend('K001', { ...body, amountFen: 2000, notes: [{ ...body.notes[0]!, valueFen: 2000 }] }, log)).rejects.toMatchObject({ code: 'ERR_VEND_ID_REUSED' })
  })

  it('lets another instance take over a claim whose instance died (after its lease)', async () => {
    const body = vendBody(FIRST_METER, [1000], t.clock.now())
    // A claim left behind by a crashed instance.
    const requestHash = vendRequestHash('K001', body)
    expect(await t.app.repo.claimVend({ vendId: body.vendId, requestHash, kioskId: 'K001', owner: 'dead', now: t.clock.now(), leaseMs: 30_000 })).toEqual({ kind: 'claimed' })
    const s = service(securityModuleMinter(t.app.securityModule))
    await expect(s.vend('K001', body, log)).rejects.toMatchObject({ statusCode: 409, code: 'ERR_VEND_IN_FLIGHT' })
    // The same id with another body is refused even while in flight.
    await expect(s.vend('K001', { ...body, cardNo: '8800010001' }, log)).rejects.toMatchObject({ statusCode: 422, code: 'ERR_VEND_ID_REUSED' })
    t.clock.advance(30_001)
    expect((await s.vend('K001', body, log)).replayed).toBe(false)
  })
})

/** The vend id, its notes, the ledger, the wallet, the TID and the receipt counter are untouched. */
async function expectNothingRecorded(t: TestApp, vendId: string): Promise<void> {
  expect(await t.app.repo.getVend(vendId)).toBeNull()
  expect(await t.app.repo.deliveryForVend(vendId)).toBeNull()
  expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, totalDebitsFen: 0, totalCreditsFen: 0, vends: 0, transfers: 0 })
  expect((await t.app.repo.findMeter(FIRST_METER))?.lastTid).toBe(0)
  expect((await t.app.repo.getAccount('A00001', t.clock.now()))?.walletFen).toBe(0)
  expect(await t.app.repo.outboxDepth()).toBe(0)
}
