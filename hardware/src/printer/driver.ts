import type { Transport } from '../transport/transport.ts'
import {
  PAPER_SENSOR_QUERY,
  StatusQuery,
  decodeStatus,
  isPaperSensorByte,
  isRealtimeStatusByte,
  statusQuery,
  type PrinterStatus,
} from './status.ts'

/**
 * ESC/POS printer driver over a Transport. It writes its own status requests with a timeout and
 * one data listener for its whole life, because the library versions leak a listener per read
 * and can hang forever (kiosk-hardware.md §4.4 item 2). Jobs and status reads run one after
 * another; at most one `DLE EOT` is in flight, plus the `GS r` that marks the end of a job, whose
 * answer has bit 4 clear and so is never taken for a status byte.
 *
 * Known limit: a job that failed may still print if the printer kept it and resumes after the
 * fault is cleared; its late `GS r` answer is dropped unless another job is waiting by then.
 */

export type PrintFailureReason = 'paperOut' | 'coverOpen' | 'cutterError' | 'offline' | 'timeout'

/** `status` is the printer's state after the job when it could be read (paper near end, …). */
export type PrintOutcome =
  | { ok: true; status?: PrinterStatus }
  | { ok: false; reason: PrintFailureReason; status?: PrinterStatus }

export interface EscPosPrinterOptions {
  /** Milliseconds to wait for each `DLE EOT` answer. Default 1000. */
  statusTimeoutMs?: number
  /** Milliseconds to wait for a job to be printed. Default 15000. */
  jobTimeoutMs?: number
  /**
   * How the driver learns a job is done. 'paperSensor' (default) sends `GS r 1` after the job:
   * it is answered only once everything before it has printed, and not at all if the printer
   * stopped (paper out, cover open, cutter jam). 'status' only asks `DLE EOT` straight after the
   * write, for printers without `GS r`; being real time, that answer may come before the paper moves.
   */
  confirm?: 'paperSensor' | 'status'
  /** While a job prints, how often to ask `DLE EOT` whether it stopped. Default 500 ms. */
  pollMs?: number
}

type Answer = number | 'timeout' | 'offline'

interface Pending {
  done: (a: Answer) => void
}

/** What status() reports for a printer that does not answer. */
const UNREACHABLE: PrinterStatus = {
  online: false,
  coverOpen: false,
  paperNearEnd: false,
  paperOut: false,
  cutterError: false,
}

export function faultOf(s: PrinterStatus): PrintFailureReason | undefined {
  if (s.paperOut) return 'paperOut'
  if (s.coverOpen) return 'coverOpen'
  if (s.cutterError) return 'cutterError'
  if (!s.online) return 'offline'
  return undefined
}

export class EscPosPrinter {
  private readonly statusTimeoutMs: number
  private readonly jobTimeoutMs: number
  private readonly pollMs: number
  private readonly confirm: 'paperSensor' | 'status'
  /** The `DLE EOT` request in flight. */
  private pending: Pending | undefined
  /** The job waiting for its `GS r` answer; its answers never look like `DLE EOT` ones. */
  private jobWaiter: Pending | undefined
  private lock: Promise<unknown> = Promise.resolve()
  private readonly unsubscribe: (() => void)[]

  constructor(
    private readonly transport: Transport,
    options: EscPosPrinterOptions = {},
  ) {
    this.statusTimeoutMs = options.statusTimeoutMs ?? 1000
    this.jobTimeoutMs = options.jobTimeoutMs ?? 15_000
    this.pollMs = options.pollMs ?? 500
    this.confirm = options.confirm ?? 'paperSensor'
    this.unsubscribe = [
      transport.on('data', (chunk) => {
        // Bytes nobody waits for (a late answer after a timeout, noise) are dropped here.
        for (const b of chunk) {
          if (isRealtimeStatusByte(b)) this.pending?.done(b)
          else if (isPaperSensorByte(b)) this.jobWaiter?.done(b)
        }
      }),
      transport.on('close', () => {
        this.pending?.done('offline')
        this.jobWaiter?.done('offline')
      }),
    ]
  }

  /**
   * The printer's state. A printer that does not answer (or is not connected) reports
   * `online: false` with every cause false. Waits for a job in progress.
   */
  status(): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const s = await this.queryStatus()
      return typeof s === 'string' ? UNREACHABLE : s
    })
  }

  /** Prints one job (e.g. renderReceipt's bytes). Always settles: printed, or failed with a reason. */
  print(job: Uint8Array): Promise<PrintOutcome> {
    return this.exclusive(async (): Promise<PrintOutcome> => {
      const before = await this.queryStatus()
      if (typeof before === 'string') return { ok: false, reason: before }
      const fault = faultOf(before)
      if (fault) return { ok: false, reason: fault, status: before }

      try {
        await this.transport.write(job)
      } catch {
        return { ok: false, reason: 'offline' }
      }
      return this.confirm === 'paperSensor' ? this.awaitPrinted() : this.checkAfter()
    })
  }

  /** Stops listening to the transport; requests in flight fail as offline. */
  dispose(): void {
    this.pending?.done('offline')
    this.jobWaiter?.done('offline')
    for (const u of this.unsubscribe) u()
  }

  /**
   * Waits for the `GS r` answer that follows the job, asking `DLE EOT` every pollMs meanwhile so
   * a job stopped by paper out, an open cover or a cutter jam fails at once, not at the timeout.
   */
  private async awaitPrinted(): Promise<PrintOutcome> {
    const printed = this.request(PAPER_SENSOR_QUERY, this.jobTimeoutMs, 'job')
    for (;;) {
      const answer = await settledWithin(printed, this.pollMs)
      if (answer === 'offline') return { ok: false, reason: 'offline' }
      if (typeof answer === 'number') {
        // Every byte of the job went through the mechanism, even if the roll ended right after
        // the cut; the status after it is for the caller's warnings.
        const after = await this.queryStatus()
        return typeof after === 'string' ? { ok: true } : { ok: true, status: after }
      }
      if (answer === 'timeout') {
        const after = await this.queryStatus()
        if (typeof after === 'string') return { ok: false, reason: after }
        return { ok: false, reason: faultOf(after) ?? 'timeout', status: after }
      }
      const now = await this.queryStatus()
      if (now === 'offline') {
        this.jobWaiter?.done('offline')
        return { ok: false, reason: 'offline' }
      }
      // Plain "offline" can be the feed button; only a stopping fault ends the wait early.
      if (typeof now !== 'string' && (now.paperOut || now.coverOpen || now.cutterError)) {
        this.jobWaiter?.done('offline')
        return { ok: false, reason: faultOf(now) ?? 'offline', status: now }
      }
    }
  }

  /** Without `GS r`: the real-time status straight after the write. */
  private async checkAfter(): Promise<PrintOutcome> {
    const after = await this.queryStatus()
    if (typeof after === 'string') return { ok: false, reason: after }
    const failed = faultOf(after)
    return failed ? { ok: false, reason: failed, status: after } : { ok: true, status: after }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  private async queryStatus(): Promise<PrinterStatus | 'timeout' | 'offline'> {
    const bytes: number[] = []
    for (const n of [
      StatusQuery.printer,
      StatusQuery.offlineCause,
      StatusQuery.errorCause,
      StatusQuery.paper,
    ]) {
      const a = await this.request(statusQuery(n), this.statusTimeoutMs, 'status')
      if (typeof a === 'string') return a
      bytes.push(a)
    }
    const [printer = 0, offlineCause = 0, errorCause = 0, paper = 0] = bytes
    return decodeStatus({ printer, offlineCause, errorCause, paper })
  }

  private request(bytes: Uint8Array, timeoutMs: number, slot: 'status' | 'job'): Promise<Answer> {
    if (!this.transport.isOpen) return Promise.resolve('offline')
    return new Promise<Answer>((resolve) => {
      const waiter: Pending = {
        done: (a) => {
          if (slot === 'status' ? this.pending !== waiter : this.jobWaiter !== waiter) return
          clearTimeout(timer)
          if (slot === 'status') this.pending = undefined
          else this.jobWaiter = undefined
          resolve(a)
        },
      }
      const timer = setTimeout(() => waiter.done('timeout'), timeoutMs)
      if (slot === 'status') this.pending = waiter
      else this.jobWaiter = waiter
      this.transport.write(bytes).catch(() => waiter.done('offline'))
    })
  }
}

/** The promise's value if it settles within ms, else undefined; the timer never outlives the call. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}
