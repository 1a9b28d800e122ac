/**
 * Opens the central's PostgreSQL database (DATABASE_URL=postgres://…): a connection pool whose
 * 64-bit integers come back as numbers (every amount, time and energy we store is far below
 * 2^53; a value that is not is refused rather than rounded), an optional schema of its own, and
 * the ordered migrations, applied under an advisory lock so several instances may start at once.
 */
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { StorageStartupError } from '../sqlite/database.ts'

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export interface PostgresOptions {
  url: string
  /** A schema of its own (created if missing); absent: the server's default search_path. */
  schema?: string | undefined
  poolSize?: number | undefined
  applicationName?: string | undefined
  /** Create the schema when missing (the central does; read-only tools do not). Default true. */
  createSchema?: boolean
}

export const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/

const INT8_OID = 20
const NUMERIC_OID = 1700

function exactNumber(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`database integer ${text} is not a safe integer`)
  return n
}

// BIGINT columns and sum()s (numeric) as numbers; everything else as pg parses it.
const defaultParser = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID ? exactNumber : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** The URL without its password, for logs and start-up lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparsable URL)'
  }
}

export async function openPostgresPool(opts: PostgresOptions): Promise<pg.Pool> {
  if (opts.schema !== undefined && !SCHEMA_NAME_RE.test(opts.schema)) throw new StorageStartupError(`database schema "${opts.schema}" is not a plain lower-case name`)
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    types,
    application_name: opts.applicationName ?? 'gridtill-central',
    // Also how long a request may wait for a free connection: under a burst, waiting beats failing.
    connectionTimeoutMillis: 60_000,
    ...(opts.schema === undefined ? {} : { options: `-c search_path=${opts.schema}` }),
  })
  // An idle connection that dies (server restart) is dropped from the pool; the next query reconnects.
  pool.on('error', () => undefined)
  try {
    await pool.query('SELECT 1')
    if (opts.schema !== undefined && opts.createSchema !== false) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`)
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw new StorageStartupError(`cannot use PostgreSQL at ${redactUrl(opts.url)}: ${e instanceof Error ? e.message : String(e)}`)
  }
  return pool
}

export interface Migration {
  version: number
  name: string
  sql: string
}

export function loadPostgresMigrations(dir = DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: fs.readFileSync(dir + f, 'utf8') }))
}

/** Applies what is missing (each migration in its own transaction); returns the versions applied now. */
export async function migratePostgres(pool: pg.Pool, now: number, migrations = loadPostgresMigrations()): Promise<number[]> {
  const client = await pool.connect()
  try {
    // One migrator per schema at a time; the others wait and then find nothing to do.
    await client.query("SELECT pg_advisory_lock(hashtext('gridtill.migrate.' || current_schema()))")
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)')
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
      const latest = migrations.at(-1)?.version ?? 0
      for (const v of applied) {
        if (v > latest) throw new StorageStartupError(`database schema version ${v} is newer than this release knows (${latest}); refusing to start`)
      }
      const done: number[] = []
      for (const m of migrations) {
        if (applied.has(m.version)) continue
        await client.query('BEGIN')
        try {
          await client.query(m.sql)
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now])
          await client.query('COMMIT')
        } catch (e) {
          await client.query('ROLLBACK')
          throw e
        }
        done.push(m.version)
      }
      return done
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('gridtill.migrate.' || current_schema()))")
    }
  } finally {
    client.release()
  }
}

export async function postgresSchemaVersions(pool: pg.Pool): Promise<Set<number>> {
  const exists = await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS ok")
  if ((exists.rows[0] as { ok: boolean } | undefined)?.ok !== true) return new Set()
  return new Set((await pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
}
