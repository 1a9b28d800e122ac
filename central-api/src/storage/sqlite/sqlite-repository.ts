/**
 * The repository on SQLite (better-sqlite3): one file, WAL, synchronous=FULL, writes joined into
 * group commits (sqlite-engine.ts). The default engine, for one central process.
 */
import fs from 'node:fs'
import { SqlRepository } from '../sql/sql-repository.ts'
import { openSqlite, StorageStartupError } from './database.ts'
import { appliedVersions, loadMigrations, migrate, requireCurrentSchema } from './migrations.ts'
import { DEFAULT_GROUP_COMMIT, SqliteEngine, type GroupCommitOptions } from './sqlite-engine.ts'

export class SqliteRepository extends SqlRepository {
  private constructor(readonly sqlite: SqliteEngine) {
    super(sqlite)
  }

  /**
   * Opens (creating if needed), checks the pragmas and migrates. With `migrate: false` (tools that
   * only read) a schema that is not exactly this release's is refused instead.
   */
  static open(file: string, now: number, groupCommit: GroupCommitOptions = DEFAULT_GROUP_COMMIT, options: { migrate?: boolean } = {}): SqliteRepository {
    if (options.migrate === false && !fs.existsSync(file)) throw new StorageStartupError(`no central database at ${file}`)
    const db = openSqlite(file)
    try {
      if (options.migrate === false) requireCurrentSchema(appliedVersions(db), loadMigrations().map((m) => m.version))
      else migrate(db, now)
    } catch (e) {
      db.close()
      throw e
    }
    return new SqliteRepository(new SqliteEngine(db, groupCommit))
  }
}
