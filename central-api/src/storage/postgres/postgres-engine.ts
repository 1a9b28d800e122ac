/**
 * The PostgreSQL engine: each operation runs on one pooled connection, each write in its own
 * transaction (READ COMMITTED; rows the operation changes are read FOR UPDATE). Several central
 * instances share one database, so a deadlock or a lost race on a unique key can happen; such a
 * transaction is rolled back and run again (its generator re-reads and sees the winner).
 */
import type pg from 'pg'
import { POSTGRES_DIALECT, type Gen, type Op, type Query, type SqlEngine, type WriteOptions } from '../sql/query.ts'

const MAX_ATTEMPTS = 4
const PING_TIMEOUT_MS = 2_000
const RESOLVED = Promise.resolve()

// 40001 serialization_failure, 40P01 deadlock_detected: PostgreSQL's "run it again".
const RETRYABLE = new Set(['40001', '40P01'])
const UNIQUE_VIOLATION = '23505'

function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

/** `?` → `$n`, outside string literals; cached per statement text, which also names the prepared statement. */
const translated = new Map<string, { text: string; name: string }>()
export function toPostgres(sql: string): { text: string; name: string } {
  let t = translated.get(sql)
  if (t === undefined) {
    let n = 0
    let inString = false
    let text = ''
    for (const ch of sql) {
      if (ch === "'") inString = !inString
      text += ch === '?' && !inString ? `$${++n}` : ch
    }
    t = { text, name: `g${translated.size + 1}` }
    translated.set(sql, t)
  }
  return t
}

export class PostgresEngine implements SqlEngine {
  readonly dialect = POSTGRES_DIALECT

  constructor(private readonly pool: pg.Pool) {}

  async read<T>(op: Op<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      return await drive(client, op())
    } finally {
      // A connection that died is dropped by the pool itself (the client emits 'error').
      client.release()
    }
  }

  async readSnapshot<T>(op: Op<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      try {
        return await drive(client, op())
      } finally {
        await client.query('ROLLBACK')
      }
    } finally {
      client.release()
    }
  }

  async write<T>(op: Op<T>, options: WriteOptions = {}): Promise<T> {
    if (options.autocommit === true) return this.read(op)
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect()
      let broken: Error | undefined
      try {
        // One round trip: no parameters, so the simple protocol takes both statements at once.
        await client.query(options.asyncCommit === true ? 'BEGIN; SET LOCAL synchronous_commit TO OFF' : 'BEGIN')
        const result = await drive(client, op())
        await client.query('COMMIT')
        return result
      } catch (e) {
        try {
          await client.query('ROLLBACK')
        } catch {
          broken = e instanceof Error ? e : new Error(String(e))
        }
        const code = pgCode(e)
        const retry = code !== undefined && (RETRYABLE.has(code) || (code === UNIQUE_VIOLATION && options.retryOnUniqueViolation === true))
        if (!retry || attempt >= MAX_ATTEMPTS) throw e
      } finally {
        client.release(broken)
      }
    }
  }

  settled(): Promise<void> {
    return RESOLVED
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    try {
      // /health must answer even when the database does not.
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)))
      const query = this.pool.query<{ ok: number }>('SELECT 1 AS ok').then((r) => r.rows[0]?.ok === 1)
      return await Promise.race([query, timeout])
    } catch {
      return false
    } finally {
      clearTimeout(timer)
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}

async function exec(client: pg.PoolClient, q: Query): Promise<unknown> {
  const { text, name } = toPostgres(q.sql)
  const res = await client.query({ text, name, values: q.params as unknown[] })
  switch (q.mode) {
    case 'get':
      return res.rows[0]
    case 'all':
      return res.rows
    case 'run':
      return res.rowCount ?? 0
  }
}

async function drive<T>(client: pg.PoolClient, gen: Gen<T>): Promise<T> {
  let step = gen.next()
  while (step.done !== true) {
    let value: unknown
    let failure: { err: unknown } | null = null
    try {
      value = await exec(client, step.value)
    } catch (err) {
      failure = { err }
    }
    step = failure === null ? gen.next(value) : gen.throw(failure.err)
  }
  return step.value
}
