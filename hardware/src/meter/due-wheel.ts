/**
 * A due-time wheel (calendar queue): items filed under the bucket of the time they are due, so a
 * scheduler step touches only what is due instead of every meter. Buckets are keyed by absolute
 * index in a Map, so a long jump ahead (an accelerated clock, a fleet paused for hours) never walks
 * empty buckets one by one.
 */
export class DueWheel<T> {
  private readonly buckets = new Map<number, Array<{ due: number; item: T }>>()
  private count = 0
  /** Every bucket before this one has been emptied. */
  private cursor: number | undefined

  constructor(private readonly bucketMs: number) {
    if (!(bucketMs >= 1)) throw new RangeError('bucket width must be at least 1 ms')
  }

  get size(): number {
    return this.count
  }

  schedule(item: T, due: number): void {
    let b = Math.floor(due / this.bucketMs)
    // Due in a bucket already swept: file it in the current one so it is not lost.
    if (this.cursor !== undefined && b < this.cursor) b = this.cursor
    let list = this.buckets.get(b)
    if (!list) this.buckets.set(b, (list = []))
    list.push({ due, item })
    this.count++
  }

  /** Removes and returns everything due at or before `now`, earliest bucket first. */
  takeDue(now: number): Array<{ due: number; item: T }> {
    const last = Math.floor(now / this.bucketMs)
    const out: Array<{ due: number; item: T }> = []
    const first = this.cursor ?? last
    const span = last - first + 1
    const keys =
      this.cursor !== undefined && span <= this.buckets.size + 1
        ? Array.from({ length: Math.max(0, span) }, (_, i) => first + i)
        : [...this.buckets.keys()].filter((k) => k <= last).sort((a, b) => a - b)
    for (const k of keys) {
      const list = this.buckets.get(k)
      if (!list) continue
      if (k < last) {
        this.buckets.delete(k)
        for (const e of list) out.push(e)
        continue
      }
      // The current bucket is only partly elapsed: keep what is due later in it.
      const keep: typeof list = []
      for (const e of list) (e.due <= now ? out : keep).push(e)
      if (keep.length === 0) this.buckets.delete(k)
      else this.buckets.set(k, keep)
    }
    if (this.cursor === undefined || last > this.cursor) this.cursor = last
    this.count -= out.length
    return out
  }
}
