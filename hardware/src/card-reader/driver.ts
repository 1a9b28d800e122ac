import { ErrorCode, systemClock, type Clock } from '@gridtill/shared'
import type { HidTransport } from '../transport/hid.ts'
import {
  WedgeDecoder,
  decodeReport,
  type CardData,
  type CardKind,
  type StaffRole,
} from './codec.ts'

/**
 * Card reader driver over a HidTransport (raw reports, or keyboard-wedge fallback). It emits one
 * `cardRead` per tap, `online`/`offline` as the reader comes and goes, and `badReport` for
 * anything it cannot read; a bad report never throws.
 */

export type CardReaderEvent =
  | {
      type: 'cardRead'
      uid: string
      cardNo: string
      cardKind: 'resident' | 'staff'
      staffRole?: 'field' | 'cashier' | 'admin'
    }
  | { type: 'online' }
  | { type: 'offline'; reason: string }
  | { type: 'badReport'; code: string; reason: string }

export interface CardReader {
  start(): Promise<void>
  stop(): Promise<void>
  on(l: (e: CardReaderEvent) => void): () => void
  readonly online: boolean
}

/** pino-compatible; only what the driver uses. */
export interface CardReaderLog {
  warn(obj: object, msg: string): void
  info?(obj: object, msg: string): void
}

export interface CardReaderOptions {
  /** 'raw' (default): GridTill 64-byte reports; 'wedge': 8-byte boot-keyboard reports. */
  mode?: 'raw' | 'wedge'
  /** The same UID within this many ms of its last report is the same tap. Default 1500. */
  debounceMs?: number
  clock?: Clock
  log?: CardReaderLog
  wedge?: {
    /** Wedge readers only type the number; this says which numbers are staff cards. Default: all resident. */
    classify?: (cardNo: string) => { cardKind: CardKind; staffRole?: StaffRole }
    interKeyTimeoutMs?: number
    maxLength?: number
  }
}

const silent: CardReaderLog = { warn: () => undefined }

class HidCardReader implements CardReader {
  private readonly listeners = new Set<(e: CardReaderEvent) => void>()
  private readonly lastSeen = new Map<string, number>()
  private readonly wedge: WedgeDecoder
  private readonly clock: Clock
  private readonly log: CardReaderLog
  private readonly debounceMs: number
  private state: 'stopped' | 'starting' | 'online' | 'offline' = 'stopped'
  private unsubscribe: (() => void)[] = []

  constructor(
    private readonly transport: HidTransport,
    private readonly options: CardReaderOptions,
  ) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? silent
    this.debounceMs = options.debounceMs ?? 1500
    this.wedge = new WedgeDecoder({
      ...(options.wedge?.interKeyTimeoutMs !== undefined && {
        interKeyTimeoutMs: options.wedge.interKeyTimeoutMs,
      }),
      ...(options.wedge?.maxLength !== undefined && { maxLength: options.wedge.maxLength }),
    })
  }

  get online(): boolean {
    return this.state === 'online'
  }

  on(l: (e: CardReaderEvent) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  async start(): Promise<void> {
    if (this.unsubscribe.length) return
    this.state = 'starting'
    this.unsubscribe = [
      this.transport.on('data', (report) => this.onReport(report)),
      this.transport.on('open', () => this.setOnline()),
      this.transport.on('close', (reason) => this.setOffline(reason?.message ?? 'reader closed')),
      this.transport.on('error', (err) =>
        this.log.warn({ err: err.message }, 'card reader transport error'),
      ),
    ]
    try {
      await this.transport.open()
    } catch (err) {
      this.setOffline(`cannot open reader: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    if (this.transport.isOpen) this.setOnline()
    else this.setOffline('reader not connected')
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u()
    this.unsubscribe = []
    this.state = 'stopped'
    this.wedge.reset()
    await this.transport.close()
  }

  private setOnline(): void {
    if (this.state === 'online' || this.state === 'stopped') return
    this.state = 'online'
    this.emit({ type: 'online' })
  }

  private setOffline(reason: string): void {
    if (this.state === 'stopped' || this.state === 'offline') return
    this.state = 'offline'
    // Keys half-typed when the cable went are not the start of the next card.
    this.wedge.reset()
    this.emit({ type: 'offline', reason })
  }

  private onReport(report: Uint8Array): void {
    try {
      if (this.options.mode === 'wedge') {
        for (const r of this.wedge.push(report, this.clock.now())) {
          if (r.type === 'bad') this.bad(r.reason)
          else this.wedgeLine(r.text)
        }
        return
      }
      const r = decodeReport(report)
      if (r.ok) this.card(r.card)
      else this.bad(r.reason)
    } catch (err) {
      // The codecs do not throw; this guards the contract that a report can never crash the agent.
      this.bad(`decoder failure: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  private wedgeLine(text: string): void {
    if (!/^\d{1,20}$/.test(text)) {
      this.bad('typed input is not a card number')
      return
    }
    const kind = this.options.wedge?.classify?.(text) ?? { cardKind: 'resident' as const }
    const card: CardData = { uid: text, cardNo: text, cardKind: kind.cardKind }
    if (kind.staffRole) card.staffRole = kind.staffRole
    this.card(card)
  }

  private card(card: CardData): void {
    const now = this.clock.now()
    for (const [uid, at] of this.lastSeen)
      if (now - at >= this.debounceMs) this.lastSeen.delete(uid)
    const repeat = this.lastSeen.has(card.uid)
    // Sliding window: a card resting on the reader keeps extending it and never repeats.
    this.lastSeen.set(card.uid, now)
    if (repeat) return
    this.emit({ type: 'cardRead', ...card })
  }

  private bad(reason: string): void {
    this.log.warn({ code: ErrorCode.HID_REPORT_MALFORMED, reason }, 'card reader report ignored')
    this.emit({ type: 'badReport', code: ErrorCode.HID_REPORT_MALFORMED, reason })
  }

  private emit(e: CardReaderEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e)
      } catch (err) {
        this.log.warn(
          { err: err instanceof Error ? err.message : String(err), event: e.type },
          'card reader listener threw',
        )
      }
    }
  }
}

export function createCardReader(
  transport: HidTransport,
  options: CardReaderOptions = {},
): CardReader {
  return new HidCardReader(transport, options)
}
