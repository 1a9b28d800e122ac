/**
 * Ordered SQL migrations (migrations/NNN-name.sql), each applied once in its own transaction.
 * A database written by a newer release is refused rather than guessed at.
 */
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SqliteDb } from './database.ts'
import { StorageStartupError } from './database.ts'

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
}

export function loadMigrations(dir = DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: fs.readFileSync(dir + f, 'utf8') }))
}

/**
 * A migration that rebuilds a table other tables point at must run with foreign keys off (SQLite's
 * documented way to alter a table, https://sqlite.org/lang_altertable.html#otheralter); it says so
 * on its first line, and the runner checks every foreign key before committing it.
 */
const FOREIGN_KEYS_OFF = /^-- migrate: foreign_keys=off\b/

/** Applies what is missing; returns the versions applied now. */
export function migrate(db: SqliteDb, now: number, migrations = loadMigrations()): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const applied = appliedVersions(db)
  const latest = migrations.at(-1)?.version ?? 0
  for (const v of applied) {
    if (v > latest) throw new StorageStartupError(`database schema version ${v} is newer than this release knows (${latest}); refusing to start`)
  }
  const done: number[] = []
  for (const m of migrations) {
    if (applied.has(m.version)) continue
    const fkOff = FOREIGN_KEYS_OFF.test(m.sql)
    if (fkOff) db.pragma('foreign_keys = OFF')
    try {
      db.transaction(() => {
        db.exec(m.sql)
        if (fkOff) {
          const broken = db.pragma('foreign_key_check') as unknown[]
          if (broken.length > 0) throw new StorageStartupError(`migration ${m.version}-${m.name} leaves ${broken.length} broken foreign keys`)
        }
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now)
      })()
    } finally {
      if (fkOff) db.pragma('foreign_keys = ON')
    }
    done.push(m.version)
  }
  return done
}

export function appliedVersions(db: SqliteDb): Set<number> {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()
  if (exists === undefined) return new Set()
  return new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version))
}

/** For tools that must not migrate: the database's schema must be exactly the release's. */
export function requireCurrentSchema(applied: Set<number>, known: number[]): void {
  const latest = Math.max(0, ...known)
  const missing = known.filter((v) => !applied.has(v))
  const newer = [...applied].filter((v) => v > latest)
  if (newer.length > 0) throw new StorageStartupError(`database schema version ${Math.max(...newer)} is newer than this release knows (${latest})`)
  if (missing.length > 0) throw new StorageStartupError(`database schema lacks migrations ${missing.join(', ')}; start the central once to migrate it`)
}
