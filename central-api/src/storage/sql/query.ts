/**
 * One data-access layer, two engines (DESIGN.md, Storage). Repository operations are written once,
 * as generators that yield SQL and receive its result: the SQLite engine drives them synchronously
 * (each write is one atomic step inside the group commit, see sqlite/group-commit.ts), the
 * PostgreSQL engine drives them over a pooled connection, awaiting each statement. SQL uses `?`
 * placeholders and the subset both engines speak (ON CONFLICT, RETURNING); what differs is in
 * Dialect.
 */

export type SqlValue = string | number | null

export interface Query {
  mode: 'get' | 'all' | 'run'
  sql: string
  params: readonly SqlValue[]
}

/** A storage operation: yields queries, returns T. */
export type Gen<T> = Generator<Query, T, unknown>
export type Op<T> = () => Gen<T>

/** First row, or undefined. */
export function* get<R>(sql: string, params: readonly SqlValue[] = []): Gen<R | undefined> {
  return (yield { mode: 'get', sql, params }) as R | undefined
}

export function* all<R>(sql: string, params: readonly SqlValue[] = []): Gen<R[]> {
  return (yield { mode: 'all', sql, params }) as R[]
}

/** Rows changed. */
export function* run(sql: string, params: readonly SqlValue[] = []): Gen<number> {
  return (yield { mode: 'run', sql, params }) as number
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres'
  /**
   * Appended to a SELECT that reads rows the transaction will change, locking only the rows of
   * `table` (an alias) in a join. Empty on SQLite, whose writer is serial anyway.
   */
  forUpdate(table: string): string
  /** The same, skipping rows another instance holds (outbox claims shared by several centrals). */
  readonly forUpdateSkipLocked: string
  /** A statement that serialises a kind of write across connections (transaction-scoped), or null. */
  lock(name: 'audit_log' | 'seed'): string | null
}

export const SQLITE_DIALECT: Dialect = { name: 'sqlite', forUpdate: () => '', forUpdateSkipLocked: '', lock: () => null }

export const POSTGRES_DIALECT: Dialect = {
  name: 'postgres',
  forUpdate: (table) => ` FOR UPDATE OF ${table}`,
  forUpdateSkipLocked: ' FOR UPDATE SKIP LOCKED',
  // Two transactions reading the same audit chain head would fork the chain.
  lock: (name) => `SELECT pg_advisory_xact_lock(hashtext('gridtill.${name}.' || current_schema())) AS locked`,
}

export interface WriteOptions {
  /**
   * SQLite: resolve as soon as the write is applied (visible to this process); it becomes durable
   * with its group commit, which settled() awaits before any reply is sent. For writes whose only
   * effect is on this request's own answer (nonces, vend claims).
   */
  deferCommit?: boolean
  /** PostgreSQL: commit without waiting for the WAL flush (a vend claim lost in a crash is harmless). */
  asyncCommit?: boolean
  /**
   * PostgreSQL: no transaction, each statement commits on its own (one round trip instead of
   * three). Only for operations whose statements are each correct alone (a nonce).
   */
  autocommit?: boolean
  /** PostgreSQL: run the operation again after a unique violation (it re-reads and sees the winner). */
  retryOnUniqueViolation?: boolean
}

export interface SqlEngine {
  readonly dialect: Dialect
  /** Reads outside a transaction. */
  read<T>(op: Op<T>): Promise<T>
  /** Reads that must all see one snapshot (PostgreSQL: a read-only REPEATABLE READ transaction). */
  readSnapshot<T>(op: Op<T>): Promise<T>
  /** One transaction; resolves after it commits (see WriteOptions). */
  write<T>(op: Op<T>, options?: WriteOptions): Promise<T>
  /** Resolves when every write applied so far is durable (SQLite: the open group commit is done). */
  settled(): Promise<void>
  ping(): Promise<boolean>
  close(): Promise<void>
  /** Commits and the writes they carried, where the engine groups them (SQLite); else undefined. */
  readonly stats?: { readonly commits: number; readonly writes: number }
}
