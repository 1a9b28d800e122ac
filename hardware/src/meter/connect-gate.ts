/**
 * Paces connection attempts: at most `concurrency` in flight, each started after a random jitter,
 * so 10 000 meters coming up (or back after a broker restart) do not all knock at once — the
 * thundering herd that makes a broker's accept queue overflow and every client time out together.
 */
export interface ConnectGateOptions {
  concurrency: number
  /** Each attempt waits a random 0…jitterMs before it starts. */
  jitterMs: number
}

export class ConnectGate {
  private inFlight = 0
  private readonly queue: Array<() => void> = []
  private head = 0

  constructor(private readonly opts: ConnectGateOptions) {
    if (!(opts.concurrency >= 1)) throw new RangeError('concurrency must be at least 1')
  }

  get waiting(): number {
    return this.queue.length - this.head
  }

  /**
   * Runs `attempt` when a slot is free; `attempt` gets a `done` to call once the attempt has
   * finished either way (connected, refused, timed out). Calling `done` twice is harmless.
   */
  enter(attempt: (done: () => void) => void): void {
    this.queue.push(() => {
      let finished = false
      const done = () => {
        if (finished) return
        finished = true
        this.inFlight--
        this.pump()
      }
      const jitter = this.opts.jitterMs > 0 ? Math.random() * this.opts.jitterMs : 0
      if (jitter === 0) attempt(done)
      else setTimeout(() => attempt(done), jitter)
    })
    this.pump()
  }

  private pump(): void {
    while (this.inFlight < this.opts.concurrency && this.head < this.queue.length) {
      const next = this.queue[this.head++] as () => void
      // Compact now and then so a long-lived gate does not keep every closure ever queued.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head)
        this.head = 0
      }
      this.inFlight++
      next()
    }
  }
}

/** Exponential backoff with equal jitter: half the step fixed, half random, capped. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20))
  return Math.round(step / 2 + Math.random() * (step / 2))
}
