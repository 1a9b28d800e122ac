/**
 * Per-meter durable state in SQLite (WAL, synchronous=FULL): one row per meter, written only for
 * the meters that changed. Changes are group-committed: one window (one transaction, one fsync)
 * is on the writer at a time, and every meter marked while it is being written goes into the
 * next, posted the moment it is done; an idle writer takes an urgent change at once. So 200 token
 * entries a second cost a commit per window, not a file rewrite per entry, and an ack waits for
 * at most the window in flight, never for a fixed timer. A caller that must not speak before its
 * change is on disk (an ack) waits for the promise `markDirty` returns.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'

export interface MeterStoreOptions {
  path: string
  /**
   * Extra wait (ms) an urgent change (token entered, command done) gives others to join its window
   * when the writer is idle (default 0: the next turn of the event loop). While a window is being
   * written, urgent changes wait for it to finish, not for this.
   */
  groupCommitMs?: number
  /** Window for lazy changes (consumption moved the registers). */
  lazyMs?: number
  /** Now, for updated_at. */
  now?: () => number
  onError?: (err: Error) => void
  /**
   * Commit on a writer thread (default for a file store): the fsync then no longer stalls the
   * fleet's event loop, so the 10 000 links keep being served while a window's rows are written.
   * `false` commits inline (an in-memory store always does).
   */
  writerThread?: boolean
}

export interface MeterStoreStats {
  commits: number
  rowsWritten: number
  /** Longest commit (snapshot + write + fsync), ms. */
  maxCommitMs: number
}

interface Pending {
  collect: () => unknown
  urgent: boolean
  waiters: Array<{ resolve: () => void; reject: (err: Error) => void }>
}

/**
 * Lazy rows per commit: a commit blocks the event loop (better-sqlite3 is synchronous), so the
 * registers of thousands of meters are written a slice at a time, never in front of an ack.
 */
const LAZY_ROWS_PER_COMMIT = 128

const UPSERT_SQL = `INSERT INTO meter_state (meter_no, snapshot, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(meter_no) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at`

/**
 * The writer thread: one connection of its own (WAL, synchronous=FULL), one transaction per
 * window, in the order posted. Plain CommonJS so it runs without a TypeScript loader. `inflight`
 * counts posted windows not yet written; flush() waits on it.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const upsert = db.prepare(workerData.sql);
const write = db.transaction((rows, at) => { for (const r of rows) upsert.run(r[0], r[1], at); });
const inflight = new Int32Array(workerData.inflight);
parentPort.on('message', (m) => {
  const t0 = performance.now();
  let error = null;
  try { write(m.rows, m.at); } catch (e) { error = String((e && e.message) || e); }
  Atomics.sub(inflight, 0, 1);
  Atomics.notify(inflight, 0);
  parentPort.postMessage({ id: m.id, error, ms: performance.now() - t0 });
});
`

interface WriterWindow {
  batch: Array<[string, Pending]>
}

/** Commits windows on a thread of its own; answers arrive as messages, in order. */
class WriterThread {
  private readonly worker: Worker
  private readonly inflight: Int32Array
  private readonly windows = new Map<number, WriterWindow>()
  private nextId = 1
  private failed: Error | null = null

  constructor(file: string, onDone: (w: WriterWindow, error: Error | null, ms: number) => void) {
    const shared = new SharedArrayBuffer(4)
    this.inflight = new Int32Array(shared)
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { file, driver, sql: UPSERT_SQL, inflight: shared },
    })
    this.worker.on('message', (m: { id: number; error: string | null; ms: number }) => {
      const w = this.windows.get(m.id)
      if (!w) return
      this.windows.delete(m.id)
      onDone(w, m.error === null ? null : new Error(m.error), m.ms)
    })
    this.worker.on('error', (err) => {
      // The thread is gone: fail what it held (the fleet withholds those acks; the central retries).
      this.failed = err
      Atomics.store(this.inflight, 0, 0)
      for (const [id, w] of this.windows) {
        this.windows.delete(id)
        onDone(w, err, 0)
      }
    })
    // Pending lazy writes must not keep a finished process alive; close() flushes them.
    this.worker.unref()
  }

  post(rows: ReadonlyArray<readonly [string, string]>, at: number, w: WriterWindow): void {
    if (this.failed !== null) throw this.failed
    const id = this.nextId++
    this.windows.set(id, w)
    Atomics.add(this.inflight, 0, 1)
    this.worker.postMessage({ id, rows, at })
  }

  /** Blocks until every posted window is written (shutdown, tests). */
  drain(): void {
    for (;;) {
      const n = Atomics.load(this.inflight, 0)
      if (n <= 0) return
      if (Atomics.wait(this.inflight, 0, n, 30_000) === 'timed-out')
        throw new Error('meter store writer thread did not finish')
    }
  }

  close(): void {
    void this.worker.terminate()
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meter_state (
  meter_no   TEXT PRIMARY KEY,
  snapshot   TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`

export class MeterStore {
  readonly path: string
  readonly stats: MeterStoreStats = { commits: 0, rowsWritten: 0, maxCommitMs: 0 }
  private readonly db: Database.Database
  private readonly upsert: Database.Statement<[string, string, number]>
  private readonly writer: WriterThread | null
  private readonly groupCommitMs: number
  private readonly lazyMs: number
  private readonly now: () => number
  private readonly onError: (err: Error) => void
  private readonly dirty = new Map<string, Pending>()
  private timer: NodeJS.Timeout | undefined
  private dueAt = Infinity
  private closed = false
  /** Urgent marks since the last commit (an upper bound on urgent rows pending). */
  private urgentCount = 0
  /** Windows posted to the writer thread and not yet answered. */
  private writing = 0
  /** A window is due but waits for the one being written (posted from written()). */
  private afterWrite = false

  private constructor(path: string, db: Database.Database, opts: MeterStoreOptions) {
    this.path = path
    this.db = db
    this.upsert = db.prepare(UPSERT_SQL)
    this.groupCommitMs = opts.groupCommitMs ?? 0
    this.lazyMs = opts.lazyMs ?? 5_000
    this.now = opts.now ?? Date.now
    this.onError = opts.onError ?? (() => {})
    this.writer =
      path !== ':memory:' && opts.writerThread !== false
        ? new WriterThread(path, (w, err, ms) => {
            this.writing--
            this.written(w.batch, err, ms)
            // The window that waited for this one goes now (its timer already fired); after a
            // failure the retry keeps the pause written() scheduled.
            if (err === null && this.afterWrite && this.writing === 0 && !this.closed) this.commitDue()
          })
        : null
  }

  static open(opts: MeterStoreOptions): MeterStore {
    const file = opts.path
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    const db = new Database(file)
    try {
      // Owner only: the rows hold each meter's decoder key, as the meter's own memory would.
      if (file !== ':memory:') chmodSync(file, 0o600)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('busy_timeout = 5000')
      const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase()
      const sync = Number(db.pragma('synchronous', { simple: true }))
      // DESIGN.md (Storage): a store that could lose a committed change is refused.
      if (file !== ':memory:' && (mode !== 'wal' || sync !== 2))
        throw new Error(
          `meter store ${file}: journal_mode=${mode} synchronous=${sync}, need WAL/FULL`,
        )
      db.exec(SCHEMA)
    } catch (err) {
      db.close()
      throw err
    }
    return new MeterStore(file, db, opts)
  }

  /** Every saved snapshot (parsed JSON), by meter number. */
  loadAll(): Map<string, unknown> {
    const out = new Map<string, unknown>()
    const rows = this.db.prepare('SELECT meter_no, snapshot FROM meter_state').all() as Array<{
      meter_no: string
      snapshot: string
    }>
    for (const r of rows) {
      try {
        out.set(r.meter_no, JSON.parse(r.snapshot))
      } catch (err) {
        // Refused, not skipped: a meter started without its TID memory would credit used tokens again.
        throw new Error(
          `meter store ${this.path}: row ${r.meter_no} is not JSON (${(err as Error).message})`,
        )
      }
    }
    return out
  }

  get size(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM meter_state').get() as { n: number }).n
  }

  /**
   * Imports an old single-file JSON state once (`meters` already validated by the caller). The
   * marker in `meta` makes a second start skip it even if the file is still there.
   */
  importLegacy(source: string, meters: Record<string, unknown>): boolean {
    const key = `imported:${source}`
    if (this.db.prepare('SELECT 1 FROM meta WHERE key = ?').get(key)) return false
    const at = this.now()
    this.db.transaction(() => {
      const insert = this.db.prepare(
        'INSERT OR IGNORE INTO meter_state (meter_no, snapshot, updated_at) VALUES (?, ?, ?)',
      )
      for (const [meterNo, snap] of Object.entries(meters))
        insert.run(meterNo, JSON.stringify(snap), at)
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(key, String(at))
    })()
    return true
  }

  /** The meter has changes not yet committed. */
  isDirty(meterNo: string): boolean {
    return this.dirty.has(meterNo)
  }

  /**
   * Marks a meter changed. `collect` runs at commit time, so ten changes in one window cost one
   * row write. The promise resolves once a commit holding this change is durable.
   */
  markDirty(meterNo: string, collect: () => unknown, urgent: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error('meter store closed'))
    let p = this.dirty.get(meterNo)
    if (!p) {
      p = { collect, urgent, waiters: [] }
      this.dirty.set(meterNo, p)
    } else {
      p.collect = collect
      p.urgent ||= urgent
    }
    if (urgent) this.urgentCount++
    const promise = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }))
    // Lazy callers do not wait; failures reach onError instead of an unhandled rejection.
    promise.catch(() => {})
    this.schedule(urgent ? this.groupCommitMs : this.lazyMs)
    return promise
  }

  /** Commits every dirty meter now and waits until it is on disk (tests, shutdown). */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.dueAt = Infinity
    this.commit([...this.dirty])
    this.writer?.drain()
  }

  /**
   * One window's commit: every urgent meter (someone waits for it) plus a slice of the lazy ones;
   * what is left is scheduled again at once.
   */
  private commitDue(): void {
    this.timer = undefined
    this.dueAt = Infinity
    // One window on the writer at a time: what gathers meanwhile is the next window, posted the
    // moment this one is on disk. (An idle writer has nothing in flight: go now.)
    if (this.writing > 0) {
      this.afterWrite = true
      return
    }
    this.afterWrite = false
    const batch: Array<[string, Pending]> = []
    let lazy = 0
    for (const entry of this.dirty) {
      if (entry[1].urgent) batch.push(entry)
      else if (lazy < LAZY_ROWS_PER_COMMIT) {
        batch.push(entry)
        lazy++
      } else if (this.urgentCount === 0) break
    }
    this.commit(batch)
    if (this.dirty.size > 0 && !this.closed) {
      const urgentLeft = [...this.dirty.values()].some((p) => p.urgent)
      this.schedule(urgentLeft ? this.groupCommitMs : 1)
    }
  }

  private commit(batch: Array<[string, Pending]>): void {
    this.urgentCount = 0
    if (batch.length === 0) return
    for (const [meterNo] of batch) this.dirty.delete(meterNo)
    const started = performance.now()
    const at = this.now()
    try {
      const rows = batch.map(([meterNo, p]) => [meterNo, JSON.stringify(p.collect())] as const)
      if (this.writer !== null) {
        // Snapshots are taken here, in order; the thread writes windows in the order posted.
        this.writer.post(rows, at, { batch })
        this.writing++
        return
      }
      this.db.transaction(() => {
        for (const [meterNo, json] of rows) this.upsert.run(meterNo, json, at)
      })()
    } catch (err) {
      this.written(batch, err as Error, 0)
      return
    }
    this.written(batch, null, performance.now() - started)
  }

  /** A window is on disk (or failed): answer its waiters. */
  private written(batch: Array<[string, Pending]>, err: Error | null, ms: number): void {
    if (err !== null) {
      // Keep them dirty (unless changed again meanwhile, which re-marked them): the next window retries.
      for (const [meterNo, p] of batch) {
        if (!this.dirty.has(meterNo))
          this.dirty.set(meterNo, { collect: p.collect, urgent: p.urgent, waiters: [] })
        for (const w of p.waiters) w.reject(err)
      }
      this.onError(err)
      if (!this.closed) this.schedule(Math.max(this.groupCommitMs, 100))
      return
    }
    this.stats.commits++
    this.stats.rowsWritten += batch.length
    if (ms > this.stats.maxCommitMs) this.stats.maxCommitMs = ms
    for (const [, p] of batch) for (const w of p.waiters) w.resolve()
  }

  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    clearTimeout(this.timer)
    this.writer?.close()
    this.db.close()
  }

  private schedule(delayMs: number): void {
    const due = Date.now() + delayMs
    if (due >= this.dueAt) return
    clearTimeout(this.timer)
    this.dueAt = due
    this.timer = setTimeout(() => {
      try {
        this.commitDue()
      } catch (err) {
        this.onError(err as Error)
      }
    }, delayMs)
    // Pending lazy writes must not keep a finished process alive; close() flushes them.
    this.timer.unref()
  }
}

/**
 * FLEET_STATE names the store. A `.db` path is used as it is; an old-style `….json` path keeps
 * working: the store lives beside it as `….db`, and the JSON file (if any) is imported once.
 */
export function resolveStatePaths(statePath: string): { dbPath: string; legacyJson?: string } {
  if (statePath.endsWith('.json')) {
    const dbPath = `${statePath.slice(0, -'.json'.length)}.db`
    return existsSync(statePath) ? { dbPath, legacyJson: statePath } : { dbPath }
  }
  return { dbPath: statePath }
}

/** The old state file's content, or undefined when it is missing; not JSON → an error saying so. */
export function readLegacyJson(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new Error(
      `state file ${path} is not valid JSON (${(err as Error).message}); move it away to start afresh`,
    )
  }
}
