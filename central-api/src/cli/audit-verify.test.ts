import { describe, expect, it } from 'vitest'
import { ENGINES, makeApp, testDatabase, type TestDatabase } from '../test-support.ts'
import { runAuditVerify } from './audit-verify.ts'

function envFor(db: TestDatabase): Record<string, string> {
  if (db.engine === 'sqlite') return { DATA_DIR: db.dir }
  return { DATABASE_URL: db.config.databaseUrl ?? '', DATABASE_SCHEMA: db.config.databaseSchema ?? '' }
}

async function verify(env: Record<string, string>, args: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runAuditVerify(env, args, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

describe.each(ENGINES)('audit-verify command on %s', (engine) => {
  it('exits 0 on an intact chain and prints its head; 1 on an edited entry or a wrong anchor; 2 on bad input', async () => {
    const db = await testDatabase(engine)
    try {
      const t = await makeApp({ db })
      const head = (await t.app.repo.listAudit({ beforeSeq: null, actor: null, action: null, limit: 1 }))[0]!
      await t.close()
      const ok = await verify(envFor(db), ['--anchor', `${head.seq}:${head.hash}`])
      expect(ok.code, ok.err).toBe(0)
      expect(ok.out).toContain(`audit chain intact: ${head.seq} entries, head ${head.seq} ${head.hash}`)
      expect((await verify(envFor(db), ['--anchor', `${head.seq}:${'0'.repeat(64)}`])).code).toBe(1)
      expect((await verify(envFor(db), ['--anchor', 'nonsense'])).code).toBe(2)

      // Someone edits an entry behind the central's back (dropping the append-only trigger first).
      await db.exec(engine === 'sqlite' ? 'DROP TRIGGER audit_log_no_update' : 'DROP TRIGGER audit_log_no_update ON audit_log')
      await db.exec("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
      const bad = await verify(envFor(db))
      expect(bad.code).toBe(1)
      expect(bad.err).toContain('audit chain BROKEN at entry 1')
      expect(bad.out).toContain('"firstBadEntry"')
    } finally {
      await db.drop()
    }
  })
})
