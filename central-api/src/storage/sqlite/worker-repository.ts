/**
 * The SQLite repository run in a worker thread (sqlite-worker.ts), seen from the main thread as
 * an ordinary Repository. With synchronous=FULL every group COMMIT waits for an fsync, and every
 * statement runs synchronously; in the main thread both stalled request handling. In the worker
 * they overlap with it: the main thread only parses, verifies, prices, mints and answers.
 *
 * The contract stays the one repository.ts states. Calls cross by name; a call resolves when the
 * worker's method resolves (after the commit, or for the "applied" ones once applied), and each
 * answer names the group commit its effects wait in. settled() resolves once every batch named so
 * far has been reported committed (and rejects if that batch's COMMIT failed), so a reply never
 * leaves before the commit that holds what it saw. Every call goes through the one connection in
 * the worker, except reads, which the main thread answers itself from a read-only connection
 * (WAL readers never wait for the writer, nor for its fsync): see MainThreadReader.
 */
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { Errors } from '../../errors.ts'
import type { EncryptedVendingKey } from '../../security-module/index.ts'
import type { KioskRecord, Repository, VendClaimRequest, VendCommitRequest, VendCommitResult, VendRecord } from '../repository.ts'
import { all, SQLITE_DIALECT, type Op, type Query, type SqlEngine } from '../sql/query.ts'
import { SqlRepository } from '../sql/sql-repository.ts'
import { PAGE_CACHE_PRAGMA, StorageStartupError } from './database.ts'
import { ProcessGuards } from './process-guards.ts'
import type { GroupCommitOptions } from './sqlite-engine.ts'
import {
  CB_BUFFER_BYTES,
  CB_HEADER_BYTES,
  CB_LENGTH,
  CB_STATE,
  FN_MARKER,
  Outbox,
  type CallMessage,
  type SerializedError,
  type WorkerInit,
  type WorkerMessage,
} from './worker-protocol.ts'

const ENTRY = new URL('./sqlite-worker.ts', import.meta.url).href

/**
 * The worker runs TypeScript: under `node --import tsx` it inherits the loader; elsewhere (the
 * test runner transforms in-process) it registers tsx itself first.
 */
const BOOTSTRAP = `
const entry = ${JSON.stringify(ENTRY)};
import(entry).catch(async (e) => {
  if (e === null || typeof e !== 'object' || e.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
  (await import('tsx/esm/api')).register();
  // A failed import stays cached under its URL: the entry again, under another.
  await import(entry + '?tsx');
});`

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  fns: ((...args: unknown[]) => unknown)[] | null
  /** The caller tracks the answer's batch itself (nonces), instead of settled()'s shared mark. */
  ownBatch: boolean
  /** A call that may change cached rows: the read cache is dropped when it is sent and answered. */
  dropsCache: boolean
}

interface Waiter {
  batch: number
  resolve: () => void
  reject: (e: unknown) => void
}

const RESOLVED = Promise.resolve()

/** Methods answered here, not in the worker. */
const LOCAL = new Set(['engine', 'settled', 'settledExceptNonces', 'storageStats', 'close', 'ping', 'useNonce', 'claimVend', 'releaseVendClaim', 'commitVend', 'getKiosk', 'getVendingKey'])

/** Calls that change neither a kiosk row nor a vending key: they leave the read cache alone. */
const KEEPS_CACHE = new Set(['useNonce', 'commitVend'])

/** The repository's methods, the only names forwarded (a probe such as Fastify's `.getter` is not one). */
const REMOTE = (() => {
  const names = new Set<string>()
  for (let p: object | null = SqlRepository.prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, n)?.value === 'function') names.add(n)
  }
  return names
})()

export async function openSqliteWorker(file: string, now: number, groupCommit: GroupCommitOptions, options: { migrate?: boolean } = {}): Promise<Repository> {
  const callbackBuffer = new SharedArrayBuffer(CB_HEADER_BYTES + CB_BUFFER_BYTES)
  const init: WorkerInit = { file, now, groupCommit, migrate: options.migrate !== false, callbackBuffer }
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: init })
  const cbState = new Int32Array(callbackBuffer, 0, 2)
  const cbBytes = new Uint8Array(callbackBuffer, CB_HEADER_BYTES)
  const encoder = new TextEncoder()

  const pending = new Map<number, Pending>()
  /**
   * Rows every vend reads and almost nothing writes, as committed: the kiosk (the signature check)
   * and the sealed vending key record (the security module opens it per token; it stays sealed
   * here, as on disk). This process is SQLite's only writer and every write crosses call(): a call
   * that may change them (enrolment, revocation, a collection's cash cycle, a key import) drops the
   * cache when sent and again when answered (its commit done), so once a revocation resolves no
   * request sees the kiosk unrevoked.
   */
  const cache = new Map<string, unknown>()
  /** Bumped at every drop, so a read that straddles one is not kept. */
  let cacheGeneration = 0
  const dropCache = () => {
    cacheGeneration++
    cache.clear()
  }
  async function cachedRead<T extends object>(method: 'getKiosk' | 'getVendingKey', id: string): Promise<T | undefined> {
    const key = `${method}\n${id}`
    let v = cache.get(key) as T | undefined
    if (v === undefined) {
      const generation = cacheGeneration
      v = ((await dispatch(method, [id])) ?? undefined) as T | undefined
      // Misses are not kept: a stream of made-up ids must not grow the map.
      if (v !== undefined && generation === cacheGeneration && cache.size < 10_000) cache.set(key, v)
    }
    // A copy: a caller's change never reaches the next request.
    return v === undefined ? undefined : { ...v }
  }
  let nextId = 1
  /** Highest batch some answer depended on, and highest reported committed (or failed). */
  let needed = 0
  let reported = 0
  let waiters: Waiter[] = []
  let stats = { commits: 0, writes: 0 }
  let dead: Error | null = null

  const fail = (err: Error) => {
    dead ??= err
    for (const p of pending.values()) p.reject(err)
    pending.clear()
    for (const w of waiters) w.reject(err)
    waiters = []
  }

  // Calls of one turn cross together (see Outbox).
  const outbox = new Outbox<CallMessage>((batch) => worker.postMessage(batch))

  const ready = new Promise<void>((resolve, reject) => {
    const receive = (m: WorkerMessage) => {
      switch (m.kind) {
        case 'ready':
          resolve()
          return
        case 'openFailed':
          reject(reviveError(m.error))
          return
        case 'result': {
          const p = pending.get(m.id)
          if (p === undefined) return
          pending.delete(m.id)
          if (p.dropsCache) dropCache()
          if (p.ownBatch) {
            if (m.ok) p.resolve({ value: m.value, batch: m.batch })
            else p.reject(reviveError(m.error))
            return
          }
          if (m.batch > needed) needed = m.batch
          if (m.ok) p.resolve(m.value)
          else p.reject(reviveError(m.error))
          return
        }
        case 'committed':
          stats = m.stats
          settle(m.batch, null)
          return
        case 'commitFailed':
          settle(m.batch, reviveError(m.error))
          return
        case 'callback':
          answerCallback(m.id, m.fn, m.args)
          return
      }
    }
    worker.on('message', (batch: WorkerMessage[]) => {
      for (const m of batch) receive(m)
    })
    worker.on('error', (e) => {
      reject(e)
      fail(e)
    })
    worker.on('exit', (code) => {
      const e = new Error(`the SQLite worker exited (${code})`)
      reject(e)
      fail(e)
    })
  })

  function settle(batch: number, err: Error | null): void {
    if (batch > reported) reported = batch
    const still: Waiter[] = []
    for (const w of waiters) {
      if (err !== null && w.batch === batch) w.reject(err)
      else if (w.batch <= reported) w.resolve()
      else still.push(w)
    }
    waiters = still
  }

  function answerCallback(id: number, fn: number, args: unknown[]): void {
    let answer: string
    try {
      const f = pending.get(id)?.fns?.[fn]
      if (f === undefined) throw new Error('no such storage callback')
      answer = JSON.stringify({ value: f(...args) ?? null })
    } catch (e) {
      answer = JSON.stringify({ error: e instanceof Error ? e.message : String(e) })
    }
    const { written = 0 } = encoder.encodeInto(answer, cbBytes)
    Atomics.store(cbState, CB_LENGTH, written)
    Atomics.store(cbState, CB_STATE, 1)
    Atomics.notify(cbState, CB_STATE)
  }

  /** `plain`: the caller knows no argument holds a function (the hot calls skip the search). */
  function call(method: string, args: unknown[], plain = false, ownBatch = false): Promise<unknown> {
    if (dead !== null) return Promise.reject(dead)
    const id = nextId++
    const fns: ((...a: unknown[]) => unknown)[] = []
    const sent = !plain && args.some((a) => typeof a === 'function' || (a !== null && typeof a === 'object')) ? markFunctions(args, fns) : args
    const msg: CallMessage = fns.length > 0 ? { id, method, args: sent as unknown[], fns: true } : { id, method, args: sent as unknown[] }
    return new Promise((resolve, reject) => {
      const dropsCache = !KEEPS_CACHE.has(method)
      if (dropsCache) dropCache()
      pending.set(id, { resolve, reject, fns: fns.length > 0 ? fns : null, ownBatch, dropsCache })
      outbox.push(msg)
    })
  }

  try {
    await ready
  } catch (e) {
    await worker.terminate()
    throw e
  }
  const reader = new MainThreadReader(file)
  const guards = new ProcessGuards(
    reader.run(function* () {
      const rows = yield* all<{ kiosk_id: string; nonce: string; expires_at: number }>('SELECT kiosk_id, nonce, expires_at FROM kiosk_nonces')
      return rows.map((r) => ({ kioskId: r.kiosk_id, nonce: r.nonce, expiresAt: r.expires_at }))
    }),
  )
  /** Nonces not yet durable, a barrier per turn's write: settled() waits for them too. */
  const nonceBarriers = new Set<Promise<void>>()
  /** This turn's spent nonces, not yet sent to the writer. */
  let spentNonces: [string, string, number][] = []
  /** Methods seen to write: sent to the worker at once from then on. */
  const writers = new Set<string>(['close'])

  /** A read runs here; a method that turns out to write is sent, whole, to the worker. */
  function dispatch(method: string, args: unknown[]): Promise<unknown> {
    if (writers.has(method) || dead !== null) return call(method, args)
    const engine = new ReadOnlyEngine(reader, method)
    const local = new SqlRepository(engine) as unknown as Record<string, (...a: unknown[]) => unknown>
    let result: Promise<unknown>
    try {
      result = Promise.resolve(local[method]!(...args))
    } catch (e) {
      result = Promise.reject(e instanceof Error ? e : new Error(String(e)))
    }
    const forward = () => {
      writers.add(method)
      return call(method, args)
    }
    return result.then(
      (v) => (engine.wantedWrite ? forward() : v),
      (e: unknown) => (engine.wantedWrite ? forward() : Promise.reject(e instanceof Error ? e : new Error(String(e)))),
    )
  }

  const waitBatch = (batch: number): Promise<void> =>
    batch <= reported ? RESOLVED : new Promise<void>((resolve, reject) => waiters.push({ batch, resolve, reject }))
  const settledBatches = (): Promise<void> => waitBatch(needed)

  const local = {
    engine: 'sqlite' as const,
    settled(): Promise<void> {
      if (nonceBarriers.size === 0) return settledBatches()
      return Promise.all([...nonceBarriers, settledBatches()]).then(() => undefined)
    },
    /**
     * settled() but for nonces: uncommitted nonce rows are read by nobody but useNonce, so a reply
     * waits for its own nonce only (the barrier kiosk-auth takes, see plugins/storage.ts).
     */
    settledExceptNonces(): Promise<void> {
      return settledBatches()
    },
    // See process-guards.ts: the per-request guards are decided here; only the vend's commit waits on the writer.
    useNonce(kioskId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
      if (!guards.spendNonce(kioskId, nonce, expiresAt, now)) return Promise.resolve(false)
      spentNonces.push([kioskId, nonce, expiresAt])
      if (spentNonces.length === 1) {
        // This turn's nonces cross in one call and one write, once its I/O callbacks are done; the
        // barrier exists from the first of them, so settled() taken now waits for their commit.
        const durable = new Promise<void>((resolve, reject) => {
          setImmediate(() => {
            const rows = spentNonces
            spentNonces = []
            ;(call('recordSpentNonces', [rows, now], true, true) as Promise<{ batch: number }>).then((r) => waitBatch(r.batch)).then(resolve, reject)
          })
        })
        nonceBarriers.add(durable)
        durable.then(
          () => nonceBarriers.delete(durable),
          () => nonceBarriers.delete(durable),
        )
      }
      return Promise.resolve(true)
    },
    async claimVend(req: VendClaimRequest) {
      const done = (await dispatch('getVend', [req.vendId])) as VendRecord | null
      return done === null ? guards.claim(req) : { kind: 'completed' as const, vend: done }
    },
    async getKiosk(id: string): Promise<KioskRecord | null> {
      return (await cachedRead<KioskRecord>('getKiosk', id)) ?? null
    },
    getVendingKey(keyId: string): Promise<EncryptedVendingKey | undefined> {
      return cachedRead<EncryptedVendingKey>('getVendingKey', keyId)
    },
    releaseVendClaim(vendId: string, owner: string): Promise<void> {
      guards.release(vendId, owner)
      return RESOLVED
    },
    async commitVend(req: VendCommitRequest): Promise<VendCommitResult> {
      const result = (await call('commitVend', [req], true)) as VendCommitResult
      if (req.claimOwner !== null) guards.committed(req.vendId, req.claimOwner, result)
      return result
    },
    storageStats: () => ({ ...stats }),
    /** Both ends: the worker (writes) alive and the main thread's reader answering. */
    ping(): Promise<boolean> {
      try {
        return Promise.resolve(dead === null && reader.ping())
      } catch {
        return Promise.resolve(false)
      }
    },
    async close(): Promise<void> {
      reader.close()
      if (dead !== null) return
      await call('close', [])
      await worker.terminate()
    },
  }
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
  return new Proxy(local, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined
      if (LOCAL.has(prop)) return Reflect.get(target, prop) as unknown
      if (!REMOTE.has(prop)) return undefined
      let m = methods.get(prop)
      if (m === undefined) {
        m = (...args: unknown[]) => dispatch(prop, args)
        methods.set(prop, m)
      }
      return m
    },
  }) as unknown as Repository
}

/** Structured clone cannot carry functions: each becomes a marker the worker calls back through. */
function markFunctions(v: unknown, fns: ((...a: unknown[]) => unknown)[]): unknown {
  if (typeof v === 'function') {
    fns.push(v as (...a: unknown[]) => unknown)
    return { [FN_MARKER]: fns.length - 1 }
  }
  if (Array.isArray(v)) return v.some((x) => typeof x === 'function' || (x !== null && typeof x === 'object')) ? v.map((x) => markFunctions(x, fns)) : v
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>
    let copy: Record<string, unknown> | null = null
    for (const k of Object.keys(o)) {
      const x = o[k]
      if (x === null || (typeof x !== 'function' && typeof x !== 'object')) continue
      const y = markFunctions(x, fns)
      if (y !== x) (copy ??= { ...o })[k] = y
    }
    return copy ?? o
  }
  return v
}

let byCode: Map<unknown, new () => Error> | null = null

/** The worker's error as the class the route layer knows (the central's coded errors keep theirs). */
function reviveError(s: SerializedError): Error {
  if (byCode === null) {
    byCode = new Map()
    for (const ctor of Object.values(Errors) as (new (...a: unknown[]) => Error & { code: unknown })[]) byCode.set(new ctor('', '').code, ctor)
  }
  const Known = s.code === undefined ? undefined : byCode.get(s.code)
  let e: Error
  if (Known !== undefined) e = new Known()
  else if (s.name === 'StorageStartupError') e = new StorageStartupError(s.message)
  else e = Object.assign(new Error(s.message), s.code === undefined ? {} : { code: s.code }, s.statusCode === undefined ? {} : { statusCode: s.statusCode })
  e.message = s.message
  if (s.name !== 'Error' && Known === undefined) e.name = s.name
  if (s.stack !== undefined) e.stack = s.stack
  return e
}

/**
 * The main thread's read-only connection. Each read op runs in its own read transaction, so all its
 * statements see one committed state while the worker goes on committing. It sees only committed
 * writes, never the open batch's: the "applied" writes are nonces and vend claims, which only their
 * own (writing) operations read.
 */
class MainThreadReader {
  private readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  private readonly begin: Database.Statement
  private readonly end: Database.Statement
  /** Repository methods seen to run more than one statement: they always start a transaction. */
  private readonly multi = new Set<string>()

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true })
    this.db.pragma(`cache_size = ${PAGE_CACHE_PRAGMA}`)
    this.begin = this.db.prepare('BEGIN')
    this.end = this.db.prepare('COMMIT')
  }

  /**
   * `method` names the repository method: one whose reads so far were a single statement (a vend's
   * getVend, a kiosk) runs it without BEGIN/COMMIT, since one statement sees one snapshot anyway.
   * If it asks for a second statement after all, it is run again from the start in a transaction
   * (reads have no effects), and from then on always in one.
   */
  run<T>(op: Op<T>, method?: string): T {
    if (method !== undefined && !this.multi.has(method)) {
      const gen = op()
      const first = gen.next()
      if (first.done === true) return first.value
      let value: unknown
      let failed = false
      try {
        value = this.exec(first.value)
      } catch {
        // The transaction below runs it again and hands the error to the operation, as ever.
        failed = true
      }
      if (!failed) {
        const second = gen.next(value)
        if (second.done === true) return second.value
        this.multi.add(method)
      }
      gen.return(undefined as T)
    }
    this.begin.run()
    try {
      const gen = op()
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
    } finally {
      if (this.db.inTransaction) this.end.run()
    }
  }

  ping(): boolean {
    return this.db.open && (this.statement('SELECT 1 AS ok').get() as { ok: number } | undefined)?.ok === 1
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      this.statements.set(sql, st)
    }
    return st
  }

  private exec(q: Query): unknown {
    const st = this.statement(q.sql)
    switch (q.mode) {
      case 'get':
        return st.get(...q.params)
      case 'all':
        return st.all(...q.params)
      case 'run':
        // A read-only connection refuses it anyway; say which operation tried.
        throw new Error(`a read ran a writing statement: ${q.sql.slice(0, 60)}`)
    }
  }
}

/** One call's engine over the reader: a write request marks the call for the worker instead. */
class ReadOnlyEngine implements SqlEngine {
  readonly dialect = SQLITE_DIALECT
  wantedWrite = false

  constructor(
    private readonly reader: MainThreadReader,
    private readonly method: string,
  ) {}

  read<T>(op: Op<T>): Promise<T> {
    try {
      return Promise.resolve(this.reader.run(op, this.method))
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)))
    }
  }

  readSnapshot<T>(op: Op<T>): Promise<T> {
    return this.read(op)
  }

  write<T>(): Promise<T> {
    this.wantedWrite = true
    return Promise.reject(new Error('writes go to the SQLite worker'))
  }

  settled(): Promise<void> {
    return RESOLVED
  }

  ping(): Promise<boolean> {
    try {
      return Promise.resolve(this.reader.ping())
    } catch {
      return Promise.resolve(false)
    }
  }

  close(): Promise<void> {
    return RESOLVED
  }
}
