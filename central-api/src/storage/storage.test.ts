import fs from 'node:fs'
import path from 'node:path'
import { Value } from '@sinclair/typebox/value'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_STAFF_CARDS, DEMO_STS, decodeToken, demoCustomers, panFor, type VendResponse } from '@gridtill/shared'
import { buildApp } from '../app.ts'
import { MeterProgramming } from '../meter-link/meter-programming.ts'
import { ENGINES, enrollDemoKiosk, FIRST_METER, makeApp, signed, tempDir, testConfig, testDatabase, vendBody } from '../test-support.ts'
import { DEMO_VENDING_KEY_ID, exportMeterProgramming, writeMeterFleetFile } from './seed-demo.ts'
import { checkPragmas, openSqlite, StorageStartupError } from './sqlite/database.ts'
import { loadMigrations, migrate } from './sqlite/migrations.ts'

const dirs: string[] = []
const dir = () => {
  const d = tempDir()
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe('SQLite storage', () => {
  it('opens with WAL and synchronous=FULL, and refuses a database where WAL does not take', () => {
    const db = openSqlite(path.join(dir(), 'c.db'))
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    db.close()
    // An in-memory database cannot do WAL: exactly the kind of store we must not take money on.
    expect(() => openSqlite(':memory:')).toThrow(StorageStartupError)
    const weak = new Database(path.join(dir(), 'weak.db'))
    weak.pragma('journal_mode = WAL')
    weak.pragma('synchronous = NORMAL')
    expect(() => checkPragmas(weak)).toThrow(/synchronous/)
    weak.close()
  })

  it('applies migrations once and refuses a schema from a newer release', () => {
    const file = path.join(dir(), 'c.db')
    const db = openSqlite(file)
    expect(migrate(db, 1)).toEqual(loadMigrations().map((m) => m.version))
    expect(migrate(db, 2)).toEqual([])
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 3)').run('future')
    expect(() => migrate(db, 4)).toThrow(/newer than this release/)
    db.close()
  })

  it('refuses an unreachable PostgreSQL, saying where (without the password)', async () => {
    const err = await buildApp({ config: testConfig(dir(), { databaseUrl: 'postgres://gridtill:s3cret@127.0.0.1:1/nowhere' }), meterLink: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageStartupError)
    expect(String(err)).toMatch(/cannot use PostgreSQL at postgres:\/\/gridtill:\*\*\*@127\.0\.0\.1:1\/nowhere/)
    expect(String(err)).not.toContain('s3cret')
  })
})

describe.each(ENGINES)('storage on %s', (engine) => {
  it('keeps the ledger and the audit log append-only, and the audit chain shows any edit', async () => {
    const db = await testDatabase(engine)
    try {
      const t = await makeApp({ db })
      const kiosk = await enrollDemoKiosk(t.app)
      await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })
      await t.close()
      await expect(db.exec('UPDATE ledger_transfers SET amount_fen = 1')).rejects.toThrow(/append-only/)
      await expect(db.exec('DELETE FROM ledger_transfers')).rejects.toThrow(/append-only/)
      await expect(db.exec('DELETE FROM audit_log')).rejects.toThrow(/append-only/)
      // Someone with database access drops the trigger and edits a row: the chain no longer verifies.
      await db.exec(engine === 'sqlite' ? 'DROP TRIGGER audit_log_no_update' : 'DROP TRIGGER audit_log_no_update ON audit_log')
      await db.exec("UPDATE audit_log SET details = '{}' WHERE action = 'vend.committed'")
      const again = await makeApp({ db })
      const v = await again.app.repo.verifyAuditChain()
      expect(v.ok).toBe(false)
      expect(v.brokenAt).toBe(3)
      await again.close()
    } finally {
      await db.drop()
    }
  })

  it('refuses a schema from a newer release', async () => {
    const db = await testDatabase(engine)
    try {
      await (await makeApp({ db })).close()
      await db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 3)")
      await expect(makeApp({ db })).rejects.toThrow(/newer than this release/)
    } finally {
      await db.drop()
    }
  })
})

describe.each(ENGINES)('demo seed on %s', (engine) => {
  it('seeds the estate once and keeps the vending key sealed at rest', async () => {
    const db = await testDatabase(engine)
    try {
      const t = await makeApp({ db, config: { meterCount: 7 } })
      const meters = await t.app.repo.listMeters()
      expect(meters.map((m) => m.meterNo)).toEqual(demoCustomers(7).flatMap((c) => c.meters.map((m) => m.meterNo)))
      expect(meters.filter((m) => m.ea === '11').map((m) => m.meterNo)).toEqual(['58101000005'])
      // Customer 2 has two meters (一户多表).
      expect(new Set(meters.map((m) => m.accountId)).size).toBe(6)
      expect(await t.app.repo.findCard(DEMO_STAFF_CARDS[0]!.cardNo)).toMatchObject({ kind: 'staff', staffRole: 'field' })
      expect(await t.app.repo.findStaff('S001')).toEqual({ id: 'S001', name: expect.any(String) as string, role: 'admin', active: true })
      await t.close()
      // A restart does not seed again.
      const again = await makeApp({ db, config: { meterCount: 7 } })
      expect((await again.app.repo.listMeters()).length).toBe(7)
      await again.close()
      const keyBytes = Buffer.from(DEMO_STS.vendingKeyHex, 'hex')
      if (engine === 'sqlite') {
        expect(fs.readFileSync(path.join(db.dir, 'central.db')).includes(keyBytes)).toBe(false)
      } else {
        // What the database holds for the key is its sealed record, nothing that decodes to it.
        const probe = await makeApp({ db, config: { meterCount: 7 } })
        const sealed = await probe.app.repo.getVendingKey(DEMO_VENDING_KEY_ID)
        await probe.close()
        expect(sealed).toBeDefined()
        for (const field of Object.values(sealed!) as string[]) {
          expect(field).not.toContain(DEMO_STS.vendingKeyHex)
          expect(Buffer.from(field, 'base64').includes(keyBytes)).toBe(false)
        }
      }
    } finally {
      await db.drop()
    }
  })

  it('puts shop meters on the block tariff with VAT and a fixed charge, everyone else on the flat one', async () => {
    const t = await makeApp({ engine, config: { meterCount: 12 } })
    try {
      const shop = (await t.app.repo.listMeters()).find((m) => m.profile === 'shop')!
      const acct = await t.app.repo.getAccount(shop.accountId, t.clock.now())
      expect(acct?.tariff?.definition).toMatchObject({ vatRateBasisPoints: 1300, fixedMonthlyChargeFen: 1000, pricing: { kind: 'block' } })
      expect((await t.app.repo.getAccount('A00001', t.clock.now()))?.tariff?.definition.pricing).toEqual({ kind: 'flat', priceFenPerKwh: 60 })
    } finally {
      await t.close()
    }
  })

  it('exports the meter programming the fleet simulator decodes vended tokens with', async () => {
    const t = await makeApp({ engine })
    const kiosk = await enrollDemoKiosk(t.app)
    const programming = await exportMeterProgramming(t.app.repo, t.app.securityModule)
    expect(programming).toHaveLength(6)
    for (const p of programming) {
      expect(Value.Check(MeterProgramming, p)).toBe(true)
      expect(p.pan).toBe(panFor('600727', p.meterNo))
      expect(p.dkHex).toHaveLength(p.ea === '07' ? 16 : 32)
    }
    // A MISTY1 meter: its programmed key decodes what the central vends it.
    const misty = programming.find((p) => p.ea === '11')!
    const v = (await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(misty.meterNo, [2000], t.clock.now()) })).json<VendResponse>()
    expect(decodeToken({ ea: misty.ea, dk: BigInt(`0x${misty.dkHex}`) }, v.tokens[0]!)).toMatchObject({ class: 0, units: v.energyWh / 100 })

    const file = path.join(t.dir, 'meter-fleet.json')
    writeMeterFleetFile(file, programming)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(programming)
    await t.close()
  })
})
