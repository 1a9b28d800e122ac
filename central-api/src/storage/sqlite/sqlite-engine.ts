/**
 * The SQLite engine with group commit. With synchronous=FULL every COMMIT waits for an fsync of the
 * WAL (milliseconds), so one transaction per vend would cap the central at a few hundred vends a
 * second. Instead writes join a batch transaction:
 *
 *  - the first write opens it (BEGIN IMMEDIATE) and schedules its COMMIT after `maxDelayMs`
 *    (or at once when `maxBatch` writes have joined);
 *  - each write runs synchronously inside its own SAVEPOINT, so a failing vend rolls back alone
 *    and the others in the batch still commit;
 *  - a write's promise resolves only after the COMMIT that contains it (deferCommit writes
 *    resolve when applied, and `settled()` makes every reply wait for the open batch).
 *
 * Because better-sqlite3 runs each write to completion without yielding, other code can only
 * ever observe whole writes; it may observe writes not yet committed, which is why replies wait
 * for settled(). One fsync then covers every vend, nonce and claim of the batch.
 */
import type BetterSqlite3 from 'better-sqlite3'
import { SQLITE_DIALECT, type Gen, type Op, type Query, type SqlEngine, type WriteOptions } from '../sql/query.ts'
import type { SqliteDb } from './database.ts'

export interface GroupCommitOptions {
  /** Longest a write waits for others to join its commit. */
  maxDelayMs: number
  /** Commit as soon as this many writes have joined. */
  maxBatch: number
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxDelayMs: 2, maxBatch: 256 }

interface Batch {
  /** 1, 2, 3, … in the order the batches open (and commit). */
  seq: number
  committed: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
  writes: number
  timer: NodeJS.Timeout | NodeJS.Immediate
}

const RESOLVED = Promise.resolve()

export class SqliteEngine implements SqlEngine {
  readonly dialect = SQLITE_DIALECT
  /** Group commits done and the writes they carried (Prometheus: storage_commits_total, …). */
  readonly stats = { commits: 0, writes: 0 }
  private readonly statements = new Map<string, BetterSqlite3.Statement>()
  private batch: Batch | null = null
  private batches = 0
  private readonly control: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite3.Statement>

  constructor(
    readonly db: SqliteDb,
    private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {
    this.control = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT w'),
      release: db.prepare('RELEASE w'),
      rollbackTo: db.prepare('ROLLBACK TO w'),
    }
  }

  read<T>(op: Op<T>): Promise<T> {
    try {
      return Promise.resolve(this.drive(op()))
    } catch (e) {
      return Promise.reject(asError(e))
    }
  }

  /** better-sqlite3 runs the whole operation without yielding: it sees one state already. */
  readSnapshot<T>(op: Op<T>): Promise<T> {
    return this.read(op)
  }

  write<T>(op: Op<T>, options: WriteOptions = {}): Promise<T> {
    let batch: Batch
    try {
      batch = this.openBatch()
    } catch (e) {
      return Promise.reject(asError(e))
    }
    this.control.savepoint.run()
    let result: T
    try {
      result = this.drive(op())
      this.control.release.run()
    } catch (e) {
      if (this.db.inTransaction) {
        this.control.rollbackTo.run()
        this.control.release.run()
      } else {
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the batch is lost.
        this.abandon(batch, e)
      }
      return Promise.reject(asError(e))
    }
    if (++batch.writes >= this.options.maxBatch) this.commit()
    return options.deferCommit === true ? Promise.resolve(result) : batch.committed.then(() => result)
  }

  settled(): Promise<void> {
    return this.batch?.committed ?? RESOLVED
  }

  /** The open batch's number and its commit, or null when no batch is open (worker-engine.ts). */
  pendingBatch(): { seq: number; committed: Promise<void> } | null {
    return this.batch === null ? null : { seq: this.batch.seq, committed: this.batch.committed }
  }

  /** Commits the open batch now (tests, shutdown). */
  flush(): void {
    this.commit()
  }

  ping(): Promise<boolean> {
    try {
      return Promise.resolve(this.db.open && (this.statement('SELECT 1 AS ok').get() as { ok: number } | undefined)?.ok === 1)
    } catch {
      return Promise.resolve(false)
    }
  }

  close(): Promise<void> {
    this.commit()
    if (this.db.open) this.db.close()
    return RESOLVED
  }

  private openBatch(): Batch {
    if (this.batch !== null) return this.batch
    this.control.begin.run()
    let resolve!: () => void
    let reject!: (err: unknown) => void
    const committed = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    // Deferred writes may leave nobody awaiting a failed commit; the replies that settle on it see it.
    committed.catch(() => undefined)
    const timer = this.options.maxDelayMs > 0 ? setTimeout(() => this.commit(), this.options.maxDelayMs) : setImmediate(() => this.commit())
    this.batch = { seq: ++this.batches, committed, resolve, reject, writes: 0, timer }
    return this.batch
  }

  private commit(): void {
    const b = this.batch
    if (b === null) return
    try {
      this.control.commit.run()
      this.stats.commits++
      this.stats.writes += b.writes
      this.batch = null
      clearTimeout(b.timer as NodeJS.Timeout)
      clearImmediate(b.timer as NodeJS.Immediate)
      b.resolve()
    } catch (e) {
      // A failed COMMIT (disk full, I/O error) loses the whole batch: every write in it fails.
      if (this.db.inTransaction) this.control.rollback.run()
      this.abandon(b, e)
    }
  }

  private abandon(b: Batch, err: unknown): void {
    if (this.batch === b) this.batch = null
    clearTimeout(b.timer as NodeJS.Timeout)
    clearImmediate(b.timer as NodeJS.Immediate)
    b.reject(err)
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql)
    if (s === undefined) {
      s = this.db.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  private exec(q: Query): unknown {
    const s = this.statement(q.sql)
    switch (q.mode) {
      case 'get':
        return s.get(...q.params)
      case 'all':
        return s.all(...q.params)
      case 'run':
        return s.run(...q.params).changes
    }
  }

  private drive<T>(gen: Gen<T>): T {
    let step = gen.next()
    while (step.done !== true) {
      let value: unknown
      let failure: { err: unknown } | null = null
      try {
        value = this.exec(step.value)
      } catch (err) {
        failure = { err }
      }
      step = failure === null ? gen.next(value) : gen.throw(failure.err)
    }
    return step.value
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
