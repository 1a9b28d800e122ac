/**
 * The audit chain check from the command line, against the database the central uses:
 * DATABASE_URL (postgres:// or sqlite:) or DATA_DIR/central.db.
 *
 *   npm run audit-verify                                   (DATA_DIR=./data by default config)
 *   npm run audit-verify -- --anchor 1200:3f9a…            also prove entry 1200 still has that hash
 *
 * Recomputes every entry's hash from the previous one. The chain shows any edit or removal inside
 * the log; removing its newest entries leaves a shorter valid chain, which is why the command
 * prints the head (seq and hash) for operators to record elsewhere and check later with --anchor.
 * Exits 0 when intact, 1 when broken (naming the first bad entry), 2 when it could not run.
 */
import { pathToFileURL } from 'node:url'
import { ConfigError, loadStorageConfig } from '../config.ts'
import { describeStorage, openRepository } from '../storage/open.ts'

export interface AuditVerifyOutput {
  out: (text: string) => void
  err: (text: string) => void
}

function parseAnchor(args: readonly string[]): { seq: number; hash: string } | null | 'bad' {
  const i = args.indexOf('--anchor')
  if (i === -1) return null
  const m = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(args[i + 1] ?? '')
  return m === null ? 'bad' : { seq: Number(m[1]), hash: m[2]! }
}

export async function runAuditVerify(env: Readonly<Record<string, string | undefined>>, args: readonly string[], io: AuditVerifyOutput): Promise<number> {
  const anchor = parseAnchor(args)
  if (anchor === 'bad') {
    io.err('audit-verify: --anchor needs <seq>:<64 hex digits>\n')
    return 2
  }
  let config
  try {
    config = loadStorageConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`audit-verify: ${e.message}\n`)
      return 2
    }
    throw e
  }
  let repo
  try {
    repo = await openRepository(config, Date.now(), { migrate: false })
  } catch (e) {
    io.err(`audit-verify: ${e instanceof Error ? e.message : String(e)}\n`)
    return 2
  }
  try {
    const chain = await repo.verifyAuditChain()
    const head = (await repo.listAudit({ beforeSeq: null, actor: null, action: null, limit: 1 }))[0] ?? null
    const report: Record<string, unknown> = { storage: describeStorage(config), ...chain, head: head === null ? null : { seq: head.seq, hash: head.hash, at: new Date(head.at).toISOString() } }
    let anchorOk = true
    if (anchor !== null) {
      const e = (await repo.listAudit({ beforeSeq: anchor.seq + 1, actor: null, action: null, limit: 1 }))[0]
      anchorOk = e !== undefined && e.seq === anchor.seq && e.hash === anchor.hash
      report.anchor = { ...anchor, ok: anchorOk }
    }
    if (!chain.ok && chain.brokenAt !== null) {
      const bad = (await repo.listAudit({ beforeSeq: chain.brokenAt + 1, actor: null, action: null, limit: 1 }))[0]
      if (bad !== undefined) report.firstBadEntry = { seq: bad.seq, at: new Date(bad.at).toISOString(), actor: bad.actor, action: bad.action }
    }
    io.out(`${JSON.stringify(report, null, 2)}\n`)
    if (!chain.ok) {
      io.err(`audit chain BROKEN at entry ${chain.brokenAt}: that entry or one before it was changed or removed\n`)
      return 1
    }
    if (!anchorOk) {
      io.err(`audit anchor does not match: entry ${anchor?.seq} is missing or its hash differs (entries were removed or replaced)\n`)
      return 1
    }
    io.out(`audit chain intact: ${chain.entries} entries${head === null ? '' : `, head ${head.seq} ${head.hash}`}\n`)
    return 0
  } finally {
    await repo.close()
  }
}

// Run as a program (not when a test imports runAuditVerify).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runAuditVerify(process.env, process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`audit-verify: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(2)
    },
  )
}
