/**
 * The SQLite writer in its own thread (worker-repository.ts starts it). It owns the one
 * connection and the group commit; SQL execution and each COMMIT's fsync happen here, while the
 * main thread goes on parsing, verifying and answering requests.
 *
 * Each answer says which group commit its effects wait in (an "applied" write, a read that may
 * have seen writes not yet durable); the main thread's settled() waits for that batch's report.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { CB_HEADER_BYTES, CB_LENGTH, CB_STATE, FN_MARKER, Outbox, serializeError, type CallMessage, type WorkerInit, type WorkerMessage } from './worker-protocol.ts'
import { SqliteRepository } from './sqlite-repository.ts'

const port =
  parentPort ??
  (() => {
    throw new Error('sqlite-worker.ts runs only as a worker thread')
  })()
const init = workerData as WorkerInit
// Answers and commit reports of one turn cross together (see Outbox).
const outbox = new Outbox<WorkerMessage>((batch) => port.postMessage(batch))
const post = (m: WorkerMessage) => outbox.push(m)

const cbState = new Int32Array(init.callbackBuffer, 0, 2)
const cbBytes = new Uint8Array(init.callbackBuffer, CB_HEADER_BYTES)
const decoder = new TextDecoder()

/**
 * A function argument called from inside a (synchronous) repository operation: ask the main thread
 * and block until it answers. The main thread never waits on this thread synchronously, so it
 * always can. Only for rare calls (delivery backoff, alert ids), never on the vend path.
 */
function callBack(callId: number, fn: number, args: unknown[]): unknown {
  Atomics.store(cbState, CB_STATE, 0)
  // Sent now, not queued: this thread blocks until the answer.
  outbox.flush()
  port.postMessage([{ kind: 'callback', id: callId, fn, args }] satisfies WorkerMessage[])
  if (Atomics.wait(cbState, CB_STATE, 0, 10_000) === 'timed-out') throw new Error('main thread did not answer a storage callback')
  const answer = JSON.parse(decoder.decode(cbBytes.slice(0, Atomics.load(cbState, CB_LENGTH)))) as { value?: unknown; error?: string }
  if (answer.error !== undefined) throw new Error(answer.error)
  return answer.value
}

function revive(callId: number, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => revive(callId, x))
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>
    if (typeof o[FN_MARKER] === 'number') {
      const fn = o[FN_MARKER]
      return (...args: unknown[]) => callBack(callId, fn, args)
    }
    for (const k of Object.keys(o)) o[k] = revive(callId, o[k])
  }
  return v
}

let repo: SqliteRepository
try {
  repo = SqliteRepository.open(init.file, init.now, init.groupCommit, { migrate: init.migrate })
} catch (e) {
  post({ kind: 'openFailed', error: serializeError(e) })
  outbox.flush()
  process.exit(0)
}
const engine = repo.sqlite

/** The highest batch whose commit the main thread has been promised a report of. */
let watched = 0
function pendingBatch(): number {
  const b = engine.pendingBatch()
  if (b === null) return 0
  if (b.seq > watched) {
    watched = b.seq
    b.committed.then(
      () => post({ kind: 'committed', batch: b.seq, stats: { ...engine.stats } }),
      (e: unknown) => post({ kind: 'commitFailed', batch: b.seq, error: serializeError(e) }),
    )
  }
  return b.seq
}

const methods = repo as unknown as Record<string, (...args: unknown[]) => unknown>

port.on('message', (batch: CallMessage[]) => {
  for (const m of batch) handle(m)
})

function handle(m: CallMessage): void {
  let result: Promise<unknown>
  try {
    const fn = methods[m.method]
    if (typeof fn !== 'function') throw new Error(`the repository has no method ${m.method}`)
    const args = m.fns === true ? (revive(m.id, m.args) as unknown[]) : m.args
    result = Promise.resolve(fn.apply(repo, args))
  } catch (e) {
    result = Promise.reject(e instanceof Error ? e : new Error(String(e)))
  }
  result.then(
    (value) => {
      post({ kind: 'result', id: m.id, ok: true, value, batch: pendingBatch() })
      if (m.method === 'close') {
        outbox.flush()
        port.close()
      }
    },
    (e: unknown) => post({ kind: 'result', id: m.id, ok: false, error: serializeError(e), batch: pendingBatch() }),
  )
}
post({ kind: 'ready' })
