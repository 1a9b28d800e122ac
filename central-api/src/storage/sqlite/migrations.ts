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

/** Applies what is missing; returns the versions applied now. */
export function migrate(db: SqliteDb, now: number, migrations = loadMigrations()): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version))
  const latest = migrations.at(-1)?.version ?? 0
  for (const v of applied) {
    if (v > latest) throw new StorageStartupError(`database schema version ${v} is newer than this release knows (${latest}); refusing to start`)
  }
  const done: number[] = []
  for (const m of migrations) {
    if (applied.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now)
    })()
    done.push(m.version)
  }
  return done
}
