import type { Clock, KioskView } from '@gridtill/shared'

/**
 * Numbers the views: a new seq only when something on screen changed, so the UI can ignore a
 * stale snapshot and the agent never floods the socket with identical ones.
 */
export class SnapshotHub {
  private seq = 0
  private key = ''
  private view: KioskView | null = null
  private readonly listeners = new Set<(view: KioskView) => void>()

  constructor(
    private readonly build: (seq: number, at: number) => KioskView,
    private readonly clock: Clock,
  ) {}

  current(): KioskView {
    if (!this.view) this.refresh()
    return this.view as KioskView
  }

  /** The current view stamped with the agent's time now, so a new screen's countdowns start right. */
  forNewClient(): KioskView {
    return { ...this.current(), at: this.clock.now() }
  }

  /** Rebuilds the view; tells subscribers if anything but seq/at changed. */
  refresh(): void {
    const draft = this.build(0, 0)
    const key = JSON.stringify(draft)
    if (this.view && key === this.key) return
    this.key = key
    this.seq += 1
    this.view = { ...draft, seq: this.seq, at: this.clock.now() }
    for (const l of [...this.listeners]) l(this.view)
  }

  subscribe(listener: (view: KioskView) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get clients(): number {
    return this.listeners.size
  }
}
