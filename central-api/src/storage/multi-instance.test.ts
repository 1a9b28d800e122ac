/**
 * Several central instances on one PostgreSQL database (DESIGN.md, Storage): they start together
 * (migrations and the seed run once), a vend in flight on one is a 409 on the other, concurrent
 * duplicates across them make one vend with one TID, and they share the delivery outbox without
 * claiming the same row twice. (The 5000-request storm across two instances is in storm.test.ts.)
 */
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { API_PREFIX, demoCustomers, type VendResponse } from '@gridtill/shared'
import { Metrics } from '../plugins/metrics.ts'
import { enrollDemoKiosk, makeApp, signed, testDatabase, vendBody, type TestApp, type TestDatabase } from '../test-support.ts'
import { securityModuleMinter, type CreditMinter } from '../vending/token-minter.ts'
import { VendService } from '../vending/vend-service.ts'

const METERS = demoCustomers(12)
  .filter((c) => c.meters.length === 1 && c.meters[0]!.profile !== 'shop')
  .map((c) => c.meters[0]!.meterNo)

describe('two central instances on one PostgreSQL database', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close()
    await db.drop()
  })

  const start = async (n: number): Promise<TestApp[]> => {
    db = await testDatabase('postgres')
    const first = makeApp({ db, config: { meterCount: 12 } })
    // The others start at the same moment: one migrates and seeds, the rest wait and find it done.
    const rest = Array.from({ length: n - 1 }, () => makeApp({ db, config: { meterCount: 12 } }))
    const started = await Promise.all([first, ...rest])
    apps.push(...started)
    for (const a of started.slice(1)) a.clock.set(started[0].clock.now())
    return started
  }

  it('start together on an empty database and seed it once', async () => {
    const [a, b] = await start(2)
    expect((await a!.app.repo.listMeters()).length).toBe(12)
    expect((await b!.app.repo.listMeters()).length).toBe(12)
    expect((await a!.app.repo.verifyAuditChain()).entries).toBe(1)
  })

  it('see each other\'s vends in flight (409), then answer the stored vend', async () => {
    const [a, b] = await start(2)
    const kiosk = await enrollDemoKiosk(a!.app)
    let release!: () => void
    let entered!: () => void
    const held = new Promise<void>((r) => (release = r))
    const minting = new Promise<void>((r) => (entered = r))
    const real = securityModuleMinter(a!.app.securityModule)
    // Instance A's security module is slow (an HSM across the network).
    const slow: CreditMinter = {
      mintCredit: async (...args) => {
        entered()
        await held
        return real.mintCredit(...args)
      },
    }
    const serviceA = new VendService({ repo: a!.app.repo, minter: slow, clock: a!.clock, timeZone: 'Asia/Shanghai', metrics: new Metrics(), onCommitted: () => undefined })
    const body = vendBody(METERS[0]!, [2000], a!.clock.now())
    const onA = serviceA.vend(kiosk.kioskId, body, pino({ level: 'silent' }))
    // A has claimed the id (the claim is a row every instance sees) and is minting.
    await minting
    const onB = await signed(b!.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
    expect(onB.json()).toMatchObject({ statusCode: 409, code: 'ERR_VEND_IN_FLIGHT' })
    release()
    const vended = await onA
    const again = await signed(b!.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
    expect(again.statusCode).toBe(200)
    expect(again.json<VendResponse>().tokens).toEqual(vended.vend.response.tokens)
  })

  it('make one vend per id from concurrent duplicates sent to both, with strictly increasing TIDs', async () => {
    const [a, b] = await start(2)
    const kiosk = await enrollDemoKiosk(a!.app)
    // Four ids for one meter and four for another, each sent six times, alternating instances.
    const bodies = Array.from({ length: 8 }, (_, i) => vendBody(METERS[i % 2]!, [1000], a!.clock.now()))
    const sends = bodies.flatMap((body) => Array.from({ length: 6 }, (_, k) => signed(k % 2 === 0 ? a!.app : b!.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })))
    const answers = await Promise.all(sends)
    expect(answers.filter((r) => r.statusCode !== 200 && r.statusCode !== 409).map((r) => r.body)).toEqual([])
    for (const body of bodies) {
      const mine = answers.filter((r) => r.statusCode === 200 && r.json<VendResponse>().vendId === body.vendId)
      expect(mine.length).toBeGreaterThanOrEqual(1)
      expect(new Set(mine.map((r) => r.body)).size).toBe(1)
    }
    const check = await b!.app.repo.ledgerCheck()
    expect(check).toMatchObject({ balanced: true, vends: 8, walletsMismatched: 0 })
    // Four vends per meter: the meter's last TID is at least four past the first (no TID twice).
    for (const meterNo of METERS.slice(0, 2)) {
      const deliveries = await a!.app.repo.listDeliveries(meterNo, 10)
      expect(deliveries).toHaveLength(4)
      expect(new Set(deliveries.map((d) => d.tokens[0])).size).toBe(4)
    }
  })

  it('share the delivery outbox: concurrent claims never hand out the same delivery twice', async () => {
    const [a, b] = await start(2)
    const kiosk = await enrollDemoKiosk(a!.app)
    for (const meterNo of METERS.slice(0, 6)) {
      expect((await signed(a!.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(meterNo, [1000], a!.clock.now()) })).statusCode).toBe(200)
    }
    // Each vend recorded its first attempt itself; the claims are the retries, once that is due.
    const now = a!.clock.now() + 60_000
    const [fromA, fromB] = await Promise.all([a!.app.repo.claimDueDeliveries(now, 4, () => 60_000), b!.app.repo.claimDueDeliveries(now, 4, () => 60_000)])
    const ids = [...fromA, ...fromB].map((d) => d.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBe(6)
    expect([...fromA, ...fromB].every((d) => d.state === 'sent' && d.attempts === 2)).toBe(true)
    // Claimed rows are not due again until their backoff has passed.
    expect(await a!.app.repo.claimDueDeliveries(now, 10, () => 60_000)).toEqual([])
  })
})
