/**
 * A JSON file written atomically (temp file, fsync, rename) and debounced: a power cut mid-write
 * leaves the old file or the new one, never half of each. Token changes ask for a prompt write
 * (so a token used before a restart is still USED after it); consumption alone waits longer, as a
 * meter's NVRAM writes its energy register now and then rather than every watt-hour.
 */
import { open, readFile, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export interface StateFileOptions {
  path: string
  /** Delay before a prompt write (token entered). */
  promptMs?: number
  /** Delay before a lazy write (registers moved). */
  lazyMs?: number
  onError?: (err: Error) => void
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Callers that do not wait for the write must not cause an unhandled rejection; onError reports it.
  promise.catch(() => {})
  return { promise, resolve, reject }
}

export class StateFile<T> {
  readonly path: string
  private readonly promptMs: number
  private readonly lazyMs: number
  private readonly onError: (err: Error) => void
  private timer: NodeJS.Timeout | undefined
  private dueAt = Infinity
  private writing: Promise<void> | undefined
  private collect: (() => T) | undefined
  /** Settles when the next write (the one that will include every change touched so far) lands. */
  private next: Deferred | undefined

  constructor(opts: StateFileOptions) {
    this.path = opts.path
    this.promptMs = opts.promptMs ?? 200
    this.lazyMs = opts.lazyMs ?? 5_000
    this.onError = opts.onError ?? (() => {})
  }

  /** The saved value, or undefined when there is no file yet. */
  async read(): Promise<unknown> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    try {
      return JSON.parse(text) as unknown
    } catch (err) {
      // Refused, not ignored: starting with no TID memory would let used tokens credit again.
      throw new Error(
        `state file ${this.path} is not valid JSON (${(err as Error).message}); move it away to start afresh`,
      )
    }
  }

  /**
   * Marks the state changed. `collect` runs at write time, so a burst of changes costs one write.
   * The promise settles when a write containing this change is on disk.
   */
  touch(collect: () => T, prompt: boolean): Promise<void> {
    this.collect = collect
    this.next ??= deferred()
    const due = Date.now() + (prompt ? this.promptMs : this.lazyMs)
    if (due < this.dueAt) {
      clearTimeout(this.timer)
      this.dueAt = due
      this.timer = setTimeout(() => {
        this.flush().catch((err: unknown) => this.onError(err as Error))
      }, due - Date.now())
      this.timer.unref()
    }
    return this.next.promise
  }

  /** Writes now if anything changed (shutdown, tests); waits for a write already under way. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.dueAt = Infinity
    while (this.writing) await this.writing.catch(() => {})
    const batch = this.next
    if (!batch || !this.collect) return
    this.next = undefined
    let text: string
    try {
      text = JSON.stringify(this.collect())
    } catch (err) {
      batch.reject(err as Error)
      throw err
    }
    this.writing = this.write(text)
    try {
      await this.writing
      batch.resolve()
    } catch (err) {
      // Keep the changes pending: the next touch or flush retries them.
      this.next ??= deferred()
      batch.reject(err as Error)
      throw err
    } finally {
      this.writing = undefined
    }
  }

  private async write(text: string): Promise<void> {
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`)
    // Owner-only: the file holds each meter's decoder key, as the meter's own memory would.
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(text, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await rename(tmp, this.path)
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
    // The rename itself must survive a power cut: sync the directory entry (not possible everywhere).
    try {
      const dir = await open(dirname(this.path), 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    } catch {
      /* best effort */
    }
  }
}
