/**
 * The repository on PostgreSQL (DATABASE_URL=postgres://…): for several central instances sharing
 * one database. Same operations as SQLite (sql/), run over a pool with row locks where they write.
 */
import { SqlRepository } from '../sql/sql-repository.ts'
import { requireCurrentSchema } from '../sqlite/migrations.ts'
import { loadPostgresMigrations, migratePostgres, openPostgresPool, postgresSchemaVersions, type PostgresOptions } from './database.ts'
import { PostgresEngine } from './postgres-engine.ts'

export class PostgresRepository extends SqlRepository {
  private constructor(engine: PostgresEngine) {
    super(engine)
  }

  /** Connects, creates the schema if asked for one, and migrates (refusing a newer schema). */
  static async open(options: PostgresOptions, now: number, open: { migrate?: boolean } = {}): Promise<PostgresRepository> {
    const pool = await openPostgresPool({ ...options, createSchema: open.migrate !== false })
    try {
      if (open.migrate === false) requireCurrentSchema(await postgresSchemaVersions(pool), loadPostgresMigrations().map((m) => m.version))
      else await migratePostgres(pool, now)
    } catch (e) {
      await pool.end().catch(() => undefined)
      throw e
    }
    return new PostgresRepository(new PostgresEngine(pool))
  }
}
