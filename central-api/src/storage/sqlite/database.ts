/**
 * Opens the central's SQLite file the way DESIGN.md (Storage) requires and proves it took:
 * WAL so readers never block the vend writer, synchronous=FULL so a committed vend survives a
 * power cut. A file system that silently refuses either is not one we may take money on.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

export type SqliteDb = Database.Database

export class StorageStartupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StorageStartupError'
  }
}

/**
 * Each connection's page cache (negative: KiB), 32 MiB instead of SQLite's 2 MiB. A vend touches
 * a dozen tables and their indexes; with the default cache the writer re-read pages from the OS
 * (a system call each) on every statement once the database outgrew it.
 */
export const PAGE_CACHE_PRAGMA = -32_768

export function openSqlite(file: string): SqliteDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    // A concurrent writer (a CLI, a backup) waits instead of failing the vend.
    db.pragma('busy_timeout = 5000')
    // Every write of a group commit runs in its own savepoint; SQLite keeps each savepoint's
    // undo pages in a sub-journal, which belongs in memory, not in a temporary file.
    db.pragma('temp_store = MEMORY')
    db.pragma(`cache_size = ${PAGE_CACHE_PRAGMA}`)
    checkPragmas(db)
  } catch (e) {
    db.close()
    throw e
  }
  return db
}

export function checkPragmas(db: SqliteDb): void {
  const mode = db.pragma('journal_mode', { simple: true })
  const sync = db.pragma('synchronous', { simple: true })
  const fk = db.pragma('foreign_keys', { simple: true })
  // synchronous: 2 = FULL (3 = EXTRA is stricter still, also fine).
  if (mode !== 'wal') throw new StorageStartupError(`SQLite journal_mode is "${String(mode)}", need "wal" (is the data directory on a network file system?)`)
  if (typeof sync !== 'number' || sync < 2) throw new StorageStartupError(`SQLite synchronous is ${String(sync)}, need FULL (2)`)
  if (fk !== 1) throw new StorageStartupError('SQLite foreign_keys could not be enabled')
}
