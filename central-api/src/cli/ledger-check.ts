/**
 * The ledger check from the command line (DESIGN.md, The ledger), against the database the
 * central uses: DATABASE_URL (postgres:// or sqlite:) or DATA_DIR/central.db.
 *
 *   DATA_DIR=./data node --import tsx central-api/src/cli/ledger-check.ts
 *   DATABASE_URL=postgres://gridtill@db/gridtill node --import tsx central-api/src/cli/ledger-check.ts
 *
 * Prints the figures as JSON and exits 0 when the books balance, 1 when they do not, 2 when the
 * check could not run. It only reads (and refuses a schema this release does not know).
 */
import { pathToFileURL } from 'node:url'
import { ConfigError, loadStorageConfig } from '../config.ts'
import { describeStorage, openRepository } from '../storage/open.ts'
import { ErrorCode } from '@gridtill/shared'

export interface LedgerCheckOutput {
  out: (text: string) => void
  err: (text: string) => void
}

/** The check itself; returns the exit code (0 balanced, 1 unbalanced, 2 could not run). */
export async function runLedgerCheck(env: Readonly<Record<string, string | undefined>>, io: LedgerCheckOutput): Promise<number> {
  let config
  try {
    config = loadStorageConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`ledger-check: ${e.message}\n`)
      return 2
    }
    throw e
  }
  let repo
  try {
    repo = await openRepository(config, Date.now(), { migrate: false })
  } catch (e) {
    io.err(`ledger-check: ${e instanceof Error ? e.message : String(e)}\n`)
    return 2
  }
  try {
    const check = await repo.ledgerCheck()
    io.out(`${JSON.stringify({ storage: describeStorage(config), ...check }, null, 2)}\n`)
    if (check.balanced) {
      io.out(`ledger balanced: ${check.transfers} transfers, ${check.vends} vends, ${check.totalDebitsFen} fen each side\n`)
      return 0
    }
    io.err(`${ErrorCode.LEDGER_UNBALANCED}: the ledger does not balance (see the counts above)\n`)
    return 1
  } finally {
    await repo.close()
  }
}

// Run as a program (not when a test imports runLedgerCheck).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runLedgerCheck(process.env, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`ledger-check: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(2)
    },
  )
}
