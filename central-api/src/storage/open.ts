/** Opens the repository the config asks for: SQLite (default) or PostgreSQL (DATABASE_URL=postgres://…). */
import { databaseEngine, sqlitePath, type Config } from '../config.ts'
import { redactUrl } from './postgres/database.ts'
import { PostgresRepository } from './postgres/postgres-repository.ts'
import type { Repository } from './repository.ts'
import { DEFAULT_GROUP_COMMIT } from './sqlite/sqlite-engine.ts'
import { SqliteRepository } from './sqlite/sqlite-repository.ts'
import { openSqliteWorker } from './sqlite/worker-repository.ts'

export type StorageOptions = Pick<Config, 'dataDir' | 'databaseUrl' | 'databaseSchema'> &
  Partial<Pick<Config, 'databasePoolSize' | 'sqliteCommitDelayMs' | 'sqliteCommitMaxBatch'>>

/**
 * `migrate: false` for tools that only read: they refuse a schema that is not this release's.
 * `sqliteWorker: true` (the server) runs the SQLite writer in a worker thread (sqlite/worker-repository.ts);
 * tools keep it in their own thread.
 */
export async function openRepository(config: StorageOptions, now: number, options: { migrate?: boolean; sqliteWorker?: boolean } = {}): Promise<Repository> {
  if (databaseEngine(config) === 'postgres' && config.databaseUrl !== undefined) {
    return PostgresRepository.open({ url: config.databaseUrl, schema: config.databaseSchema, poolSize: config.databasePoolSize }, now, options)
  }
  const groupCommit = {
    maxDelayMs: config.sqliteCommitDelayMs ?? DEFAULT_GROUP_COMMIT.maxDelayMs,
    maxBatch: config.sqliteCommitMaxBatch ?? DEFAULT_GROUP_COMMIT.maxBatch,
  }
  if (options.sqliteWorker === true) return openSqliteWorker(sqlitePath(config), now, groupCommit, options)
  return SqliteRepository.open(sqlitePath(config), now, groupCommit, options)
}

/** Where the data lives, for start-up lines and logs (never a password). */
export function describeStorage(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'databaseSchema'>): string {
  if (databaseEngine(config) === 'postgres' && config.databaseUrl !== undefined) {
    return `${redactUrl(config.databaseUrl)}${config.databaseSchema === undefined ? '' : ` (schema ${config.databaseSchema})`}`
  }
  return sqlitePath(config)
}
