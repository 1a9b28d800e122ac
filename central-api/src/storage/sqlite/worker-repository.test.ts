/**
 * The SQLite repository behind its worker thread, as the server opens it: calls, errors and
 * callbacks cross the thread boundary; nonces and replies wait for durability; claims live here.
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, uuidv7, type VendResponse } from '@gridtill/shared'
import { Errors } from '../../errors.ts'
import { enrollDemoKiosk, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../../test-support.ts'

describe('SQLite in a worker thread', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ engine: 'sqlite' })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  /** What is durable: a second connection sees only committed rows. */
  const committedRows = (sql: string, ...params: unknown[]) => {
    const db = new Database(path.join(t.dir, 'central.db'), { readonly: true })
    try {
      return db.prepare(sql).all(...params)
    } finally {
      db.close()
    }
  }

  it('is the worker-backed repository, and answers no probe for a method it does not have', () => {
    expect(t.app.repo.engine).toBe('sqlite')
    expect((t.app.repo as unknown as Record<string, unknown>).getter).toBeUndefined()
    expect((t.app.repo as unknown as Record<string, unknown>).then).toBeUndefined()
  })

  it('keeps the central’s error classes across the thread boundary', async () => {
    const err = await t.app.repo.approveRequest({ requestId: uuidv7(), staffId: 'S001', now: t.clock.now() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Errors.notFound)
    expect(err).toMatchObject({ code: 'ERR_NOT_FOUND', statusCode: 404, message: 'No such request' })
  })

  it('spends a nonce at once and makes it durable before settled() resolves', async () => {
    const nonce = `nonce-${uuidv7()}`
    expect(await t.app.repo.useNonce(kiosk.kioskId, nonce, t.clock.now() + 60_000, t.clock.now())).toBe(true)
    expect(await t.app.repo.useNonce(kiosk.kioskId, nonce, t.clock.now() + 60_000, t.clock.now())).toBe(false)
    await t.app.repo.settled()
    expect(committedRows('SELECT nonce FROM kiosk_nonces WHERE nonce = ?', nonce)).toHaveLength(1)
  })

  it('writes one turn’s nonces in one write, durable before settled() resolves', async () => {
    const before = t.app.repo.storageStats()
    const nonces = Array.from({ length: 70 }, () => `nonce-${uuidv7()}`)
    const spent = await Promise.all(nonces.map((n) => t.app.repo.useNonce(kiosk.kioskId, n, t.clock.now() + 60_000, t.clock.now())))
    expect(spent.every(Boolean)).toBe(true)
    await t.app.repo.settled()
    expect(committedRows(`SELECT nonce FROM kiosk_nonces WHERE nonce IN (${nonces.map(() => '?').join(', ')})`, ...nonces)).toHaveLength(70)
    // 70 rows (three statements of at most 32), one write.
    expect(t.app.repo.storageStats()!.writes - before!.writes).toBe(1)
  })

  it('claims a vend in memory: in flight until its commit, then the stored vend', async () => {
    const req = { vendId: uuidv7(), requestHash: 'h1', kioskId: kiosk.kioskId, owner: 'a', now: t.clock.now(), leaseMs: 30_000 }
    expect(await t.app.repo.claimVend(req)).toEqual({ kind: 'claimed' })
    expect(await t.app.repo.claimVend({ ...req, owner: 'b', requestHash: 'h2' })).toEqual({ kind: 'inFlight', requestHash: 'h1' })
    // Released by its owner only; a lapsed lease may be taken over.
    await t.app.repo.releaseVendClaim(req.vendId, 'b')
    expect((await t.app.repo.claimVend({ ...req, owner: 'b' })).kind).toBe('inFlight')
    expect((await t.app.repo.claimVend({ ...req, owner: 'c', now: req.now + 30_001 })).kind).toBe('claimed')
    await t.app.repo.releaseVendClaim(req.vendId, 'c')
    expect((await t.app.repo.claimVend({ ...req, owner: 'd' })).kind).toBe('claimed')

    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })
    const vend = res.json<VendResponse>()
    // The answer left after the commit: another connection sees the vend.
    expect(committedRows('SELECT vend_id FROM vends WHERE vend_id = ?', vend.vendId)).toHaveLength(1)
    const again = await t.app.repo.claimVend({ ...req, vendId: vend.vendId, owner: 'e' })
    expect(again).toMatchObject({ kind: 'completed', vend: { vendId: vend.vendId, response: vend } })
  })

  it('calls a function argument back from inside the worker’s transaction', async () => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })
    expect(res.statusCode).toBe(200)
    const asked: number[] = []
    // Past the first attempt the vend recorded itself (its next one is at most 2.2 s away).
    const at = t.clock.now() + 60_000
    const claimed = await t.app.repo.claimDueDeliveries(at, 100, (attempts) => {
      asked.push(attempts)
      return 7_000 * attempts
    })
    expect(claimed.length).toBeGreaterThan(0)
    expect(asked.length).toBe(claimed.length)
    for (const d of claimed) expect(d.nextAttemptAt).toBe(at + 7_000 * d.attempts)
  })

  it('keeps kiosks and sealed vending keys in memory, dropped by any write that may change them', async () => {
    const before = await t.app.repo.getKiosk(kiosk.kioskId)
    expect(before).toMatchObject({ id: kiosk.kioskId, revoked: false })
    // A copy each time: a caller's change never reaches the next caller.
    before!.revoked = true
    expect((await t.app.repo.getKiosk(kiosk.kioskId))?.revoked).toBe(false)

    const keyId = (await t.app.repo.listVendingKeys())[0]!
    const sealed = (await t.app.repo.getVendingKey(keyId))!
    const resealed = { ...sealed, keyId: `${keyId}-copy` }
    expect(await t.app.repo.getVendingKey(resealed.keyId)).toBeUndefined()
    await t.app.repo.putVendingKey(resealed, t.clock.now())
    expect(await t.app.repo.getVendingKey(resealed.keyId)).toEqual(resealed)
    await t.app.repo.putVendingKey({ ...resealed, tag: sealed.iv }, t.clock.now())
    expect((await t.app.repo.getVendingKey(resealed.keyId))?.tag).toBe(sealed.iv)
    await t.app.repo.deleteVendingKey(resealed.keyId)
    expect(await t.app.repo.getVendingKey(resealed.keyId)).toBeUndefined()
  })

  it('refuses a nonce spent before a restart', async () => {
    const nonce = `nonce-${uuidv7()}`
    expect(await t.app.repo.useNonce(kiosk.kioskId, nonce, t.clock.now() + 60_000, t.clock.now())).toBe(true)
    await t.app.repo.settled()
    const second = await makeApp({ db: t.db, clock: t.clock })
    try {
      expect(await second.app.repo.useNonce(kiosk.kioskId, nonce, t.clock.now() + 60_000, t.clock.now())).toBe(false)
    } finally {
      await second.close()
    }
  })
})
