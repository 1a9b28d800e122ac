import fs from 'node:fs'
import path from 'node:path'
import { Value } from '@sinclair/typebox/value'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_STAFF_CARDS, decodeToken, demoCustomers, panFor, type VendResponse } from '@gridtill/shared'
import { buildApp } from '../app.ts'
import { MeterProgramming } from '../meter-link/meter-programming.ts'
import { enrollDemoKiosk, FIRST_METER, makeApp, signed, tempDir, testConfig, vendBody } from '../test-support.ts'
import { exportMeterProgramming, writeMeterFleetFile } from './seed-demo.ts'
import { checkPragmas, openSqlite, StorageStartupError } from './sqlite/database.ts'
import { loadMigrations, migrate } from './sqlite/migrations.ts'
import { SqliteRepository } from './sqlite/sqlite-repository.ts'

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

  it('keeps the ledger and the audit log append-only, and the audit chain shows any edit', async () => {
    const t = await makeApp({ dir: dir() })
    const kiosk = await enrollDemoKiosk(t.app)
    await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, [1000], t.clock.now()) })
    await t.close()
    const db = new Database(path.join(t.dir, 'central.db'))
    expect(() => db.prepare('UPDATE ledger_transfers SET amount_fen = 1').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM ledger_transfers').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/)
    // Someone with file access drops the trigger and edits a row: the chain no longer verifies.
    db.exec('DROP TRIGGER audit_log_no_update')
    db.prepare("UPDATE audit_log SET details = '{}' WHERE action = 'vend.committed'").run()
    db.close()
    const repo = SqliteRepository.open(path.join(t.dir, 'central.db'), 0)
    const v = await repo.verifyAuditChain()
    expect(v.ok).toBe(false)
    expect(v.brokenAt).toBe(3)
    await repo.close()
  })

  it('refuses PostgreSQL until its engine exists', async () => {
    await expect(buildApp({ config: testConfig(dir(), { databaseUrl: 'postgres://x/y' }), meterLink: false })).rejects.toThrow(/not yet supported/)
  })
})

describe('demo seed', () => {
  it('seeds the estate once and keeps the vending key sealed at rest', async () => {
    const d = dir()
    const t = await makeApp({ dir: d, config: { meterCount: 7 } })
    const meters = await t.app.repo.listMeters()
    expect(meters.map((m) => m.meterNo)).toEqual(demoCustomers(7).flatMap((c) => c.meters.map((m) => m.meterNo)))
    expect(meters.filter((m) => m.ea === '11').map((m) => m.meterNo)).toEqual(['58101000005'])
    // Customer 2 has two meters (一户多表).
    expect(new Set(meters.map((m) => m.accountId)).size).toBe(6)
    expect(await t.app.repo.findCard(DEMO_STAFF_CARDS[0]!.cardNo)).toMatchObject({ kind: 'staff', staffRole: 'field' })
    await t.close()
    // A restart does not seed again.
    const again = await makeApp({ dir: d, config: { meterCount: 7 } })
    expect((await again.app.repo.listMeters()).length).toBe(7)
    await again.close()
    const raw = fs.readFileSync(path.join(d, 'central.db'))
    expect(raw.includes(Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f001234567', 'hex'))).toBe(false)
  })

  it('exports the meter programming the fleet simulator decodes vended tokens with', async () => {
    const t = await makeApp({ dir: dir() })
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
