/**
 * What the main thread and the SQLite worker (sqlite-worker.ts) say to each other. Repository
 * calls cross by name with structured-cloned arguments; a function argument (a backoff, an id
 * maker) crosses as a marker and is called back synchronously (see CallbackChannel).
 */
import type { GroupCommitOptions } from './sqlite-engine.ts'

export interface WorkerInit {
  file: string
  now: number
  groupCommit: GroupCommitOptions
  migrate: boolean
  /** Int32 [state, length] then the callback answer's UTF-8 bytes. */
  callbackBuffer: SharedArrayBuffer
}

/** A function argument, replaced by this marker on the way to the worker. */
export const FN_MARKER = '__gridtillFn'
export interface FnMarker {
  [FN_MARKER]: number
}

export interface CallMessage {
  id: number
  method: string
  args: unknown[]
  /** Set when some argument holds a function marker. */
  fns?: true
}

export interface SerializedError {
  name: string
  message: string
  code?: unknown
  statusCode?: unknown
  stack?: string
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'openFailed'; error: SerializedError }
  /** `batch`: the group commit the call's effects wait in (0: none), see settled(). */
  | { kind: 'result'; id: number; ok: true; value: unknown; batch: number }
  | { kind: 'result'; id: number; ok: false; error: SerializedError; batch: number }
  | { kind: 'committed'; batch: number; stats: { commits: number; writes: number } }
  | { kind: 'commitFailed'; batch: number; error: SerializedError }
  | { kind: 'callback'; id: number; fn: number; args: unknown[] }

/**
 * Messages queued in one turn of an event loop cross as one array: each postMessage costs both
 * threads a wake-up and an event dispatch, which at thousands of vends a second was a tenth of the
 * main thread's time. Order within a batch is the order they were queued.
 */
export class Outbox<M> {
  private queued: M[] = []
  private scheduled = false

  constructor(private readonly post: (batch: M[]) => void) {}

  /** Queued; sent after this turn's I/O callbacks (setImmediate). */
  push(m: M): void {
    this.queued.push(m)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  /** Sends what is queued now (before a synchronous wait or a close). */
  flush(): void {
    this.scheduled = false
    if (this.queued.length === 0) return
    const batch = this.queued
    this.queued = []
    this.post(batch)
  }
}

/** Callback answers: state 0 = waiting, 1 = answered. */
export const CB_STATE = 0
export const CB_LENGTH = 1
export const CB_HEADER_BYTES = 8
export const CB_BUFFER_BYTES = 1 << 20

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) }
  const out: SerializedError = { name: e.name, message: e.message }
  const extra = e as Error & { code?: unknown; statusCode?: unknown }
  if (extra.code !== undefined) out.code = extra.code
  if (extra.statusCode !== undefined) out.statusCode = extra.statusCode
  if (e.stack !== undefined) out.stack = e.stack
  return out
}
