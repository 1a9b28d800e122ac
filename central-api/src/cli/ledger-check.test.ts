import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '@gridtill/shared'
import { ENGINES, enrollDemoKiosk, FIRST_METER, makeApp, signed, testDatabase, vendBody, type TestDatabase } from '../test-support.ts'
import { runLedgerCheck } from './ledger-check.ts'

const CLI = fileURLToPath(new URL('./ledger-check.ts', import.meta.url))

/** The environment a deployment would give the CLI for this database. */
function envFor(db: TestDatabase): Record<string, string> {
  if (db.engine === 'sqlite') return { DATA_DIR: db.dir }
  return { DATABASE_URL: db.config.databaseUrl ?? '', DATABASE_SCHEMA: db.config.databaseSchema ?? '' }
}

async function check(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runLedgerCheck(env, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

describe.each(ENGINES)('ledger check command on %s', (engine) => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await testDatabase(engine)
    const t = await makeApp({ db })
    const kiosk = await enrollDemoKiosk(t.app)
    for (const notes of [[5000, 2000], [1000]]) await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body: vendBody(FIRST_METER, notes, t.clock.now()) })
    await t.close()
  })
  afterAll(() => db.drop())

  it('exits 0 with the figures when the books balance, 1 when they do not', async () => {
    const ok = await check(envFor(db))
    expect(ok.code, ok.err).toBe(0)
    expect(JSON.parse(ok.out.slice(0, ok.out.lastIndexOf('}') + 1))).toMatchObject({ balanced: true, vends: 2, walletsMismatched: 0 })
    expect(ok.out).toMatch(/ledger balanced: \d+ transfers, 2 vends/)

    // Someone posts a transfer behind the central's back: the wallet no longer matches its ledger.
    await db.exec("INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_fen, kind, at) VALUES ('rogue', 'energy-sales', 'wallet:A00001', 500, 'manual', 0)")
    const bad = await check(envFor(db))
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('ERR_LEDGER_UNBALANCED')
    expect(bad.out).toContain('"walletsMismatched": 1')
  })

  it('exits 2 when there is nothing to check', async () => {
    const env = engine === 'sqlite' ? { DATA_DIR: '/nonexistent/gridtill' } : { ...envFor(db), DATABASE_SCHEMA: 'no_such_schema_here' }
    expect((await check(env)).code).toBe(2)
  })
})

describe('ledger check as a program', () => {
  it('runs with node --import tsx and reports through its exit code', async () => {
    const db = await testDatabase('sqlite')
    try {
      await (await makeApp({ db })).close()
      const run = spawnSync(process.execPath, ['--import', 'tsx', CLI], { env: { ...process.env, DATA_DIR: db.dir, DATABASE_URL: '' }, encoding: 'utf8', timeout: 60_000 })
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toContain('"balanced": true')
    } finally {
      await db.drop()
    }
  })
})
