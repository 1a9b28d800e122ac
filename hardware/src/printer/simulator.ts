import { systemClock, type Clock } from '@gridtill/shared'
import { createMemoryLink, type MemoryLink, type MemoryLinkOptions } from '../transport/memory.ts'
import type { Transport } from '../transport/transport.ts'
import { EscPosPrinter, type EscPosPrinterOptions } from './driver.ts'
import type { Align, Bitmap, QrErrorLevel } from './encoder.ts'
import { EscPosParser, type EscPosEvent, type PrintedLine } from './parser.ts'
import { encodePaperSensor, encodeStatus, type PrinterStatus } from './status.ts'

/**
 * A simulated 80 mm ESC/POS printer on the device side of a Transport (kiosk-hardware.md §5.4):
 * it prints what it is sent into receipts (split at each cut), answers `DLE EOT n` and `GS r 1`,
 * and has a paper roll, a cover and a cutter that fail on demand. The same simulator serves unit
 * tests, the agent's demo mode and the browser tests.
 */

export type ReceiptItem =
  | { kind: 'line'; line: PrintedLine }
  | { kind: 'feed'; lines: number }
  | { kind: 'qr'; payload: string; moduleSize: number; errorLevel: QrErrorLevel; align: Align }
  | { kind: 'image'; image: Bitmap; align: Align }

export interface PrintedReceipt {
  lines: PrintedLine[]
  /** Payloads of `GS ( k` QR codes; a raster QR is an image and is counted in `images`. */
  qrPayloads: string[]
  images: number
  /** Everything in paper order, for rendering. */
  items: ReceiptItem[]
  /** Clock time of the cut (UTC ms). */
  at: number
  cut: 'partial' | 'full'
}

/** The receipt's lines as plain text, one per line. */
export function receiptText(receipt: Pick<PrintedReceipt, 'lines'>): string {
  return receipt.lines.map((l) => l.text).join('\n')
}

export interface PrinterSimulatorOptions {
  clock?: Clock
  /** Receipts a fresh roll holds. Default 200. */
  rollReceipts?: number
  /** The near-end sensor trips when this many receipts or fewer remain. Default 20. */
  nearEndAt?: number
  /** Font A columns (48 for 80 mm). */
  columns?: number
}

export class PrinterSimulator {
  private readonly clock: Clock
  private readonly rollReceipts: number
  private readonly nearEndAt: number
  private readonly parser: EscPosParser
  private readonly printed: PrintedReceipt[] = []
  private current: ReceiptItem[] = []
  private remaining: number
  private linesUntilOut: number | undefined
  private cover: 'closed' | 'open' = 'closed'
  private cutterFault = false
  private responsive = true
  private discarded = 0
  /** Print data was dropped since the last `GS r`: that job did not print. */
  private stalled = false
  private readonly listeners = new Set<(r: PrintedReceipt) => void>()
  private unsubscribe: (() => void) | undefined

  constructor(
    readonly transport: Transport,
    options: PrinterSimulatorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock
    this.rollReceipts = options.rollReceipts ?? 200
    this.nearEndAt = options.nearEndAt ?? 20
    this.remaining = this.rollReceipts
    this.parser = new EscPosParser(options.columns)
  }

  /** Opens the device side (if it is not open) and starts listening. */
  async start(): Promise<void> {
    if (!this.unsubscribe)
      this.unsubscribe = this.transport.on('data', (chunk) => this.receive(chunk))
    if (!this.transport.isOpen) await this.transport.open()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.transport.close()
  }

  // --- what was printed ------------------------------------------------------------------------

  get receipts(): readonly PrintedReceipt[] {
    return this.printed
  }

  get lastReceipt(): PrintedReceipt | undefined {
    return this.printed.at(-1)
  }

  /** Lines printed since the last cut (a job cut short by paper out or an open cover). */
  get uncut(): readonly ReceiptItem[] {
    return this.current
  }

  /** Print-data events dropped while the printer was offline. */
  get discardedWhileOffline(): number {
    return this.discarded
  }

  onReceipt(listener: (r: PrintedReceipt) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  clearReceipts(): void {
    this.printed.length = 0
  }

  // --- state and faults ------------------------------------------------------------------------

  get state(): PrinterStatus {
    const paperOut = this.remaining <= 0
    return {
      online: !(paperOut || this.cover === 'open' || this.cutterFault),
      coverOpen: this.cover === 'open',
      paperNearEnd: this.remaining <= this.nearEndAt,
      paperOut,
      cutterError: this.cutterFault,
    }
  }

  get receiptsRemaining(): number {
    return Math.max(0, this.remaining)
  }

  /** A fresh roll; whatever hung out of the old one is torn off. */
  refill(receipts = this.rollReceipts): void {
    this.remaining = receipts
    this.linesUntilOut = undefined
    this.current = []
  }

  /** Sets the roll to this many receipts (0 = out now). */
  setPaper(receipts: number): void {
    this.remaining = receipts
  }

  /** The roll ends after `lines` more printed lines, in the middle of a receipt. */
  runOutAfterLines(lines: number): void {
    this.linesUntilOut = lines
  }

  openCover(): void {
    this.cover = 'open'
  }

  closeCover(): void {
    this.cover = 'closed'
  }

  /** A jammed cutter: the printer goes offline until cleared (like an unrecoverable error). */
  setCutterFault(on: boolean): void {
    this.cutterFault = on
  }

  /** false: the printer answers nothing (dead logic board, broken RX line); data is still read. */
  setResponsive(on: boolean): void {
    this.responsive = on
  }

  // --- the byte side ---------------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    for (const ev of this.parser.push(chunk)) this.handle(ev)
  }

  private handle(ev: EscPosEvent): void {
    switch (ev.type) {
      case 'statusQuery': {
        const raw = encodeStatus(this.state)
        const byte = [undefined, raw.printer, raw.offlineCause, raw.errorCause, raw.paper][ev.n]
        if (byte !== undefined) this.reply(byte)
        return
      }
      case 'paperSensorQuery':
        // Not real time: it waits behind the data before it, so it is never answered for a job
        // the printer could not finish (the data is dropped here, the answer with it).
        if (this.stalled) this.stalled = false
        else this.reply(encodePaperSensor(this.state))
        return
      case 'recover':
      case 'init':
      case 'unknown':
        return
      case 'line':
      case 'feed':
      case 'qr':
      case 'image':
      case 'cut':
        this.print(ev)
        return
    }
  }

  private print(
    ev: Extract<EscPosEvent, { type: 'line' | 'feed' | 'qr' | 'image' | 'cut' }>,
  ): void {
    if (!this.state.online) {
      this.discarded++
      this.stalled = true
      return
    }
    switch (ev.type) {
      case 'line':
        this.current.push({ kind: 'line', line: ev.line })
        if (this.linesUntilOut !== undefined && --this.linesUntilOut <= 0) {
          this.remaining = 0
          this.linesUntilOut = undefined
        }
        return
      case 'feed':
        this.current.push({ kind: 'feed', lines: ev.lines })
        return
      case 'qr':
        this.current.push({
          kind: 'qr',
          payload: ev.payload,
          moduleSize: ev.moduleSize,
          errorLevel: ev.errorLevel,
          align: ev.align,
        })
        return
      case 'image':
        this.current.push({ kind: 'image', image: ev.image, align: ev.align })
        return
      case 'cut': {
        const items = this.current
        this.current = []
        this.remaining--
        const receipt: PrintedReceipt = {
          lines: items.flatMap((i) => (i.kind === 'line' ? [i.line] : [])),
          qrPayloads: items.flatMap((i) => (i.kind === 'qr' ? [i.payload] : [])),
          images: items.filter((i) => i.kind === 'image').length,
          items,
          at: this.clock.now(),
          cut: ev.full ? 'full' : 'partial',
        }
        this.printed.push(receipt)
        for (const l of [...this.listeners]) l(receipt)
        return
      }
    }
  }

  private reply(byte: number): void {
    if (!this.responsive || !this.transport.isOpen) return
    this.transport.write(Uint8Array.of(byte)).catch(() => {
      // The cable went away between the query and the answer; the host times out.
    })
  }
}

export interface SimulatedPrinter {
  link: MemoryLink
  simulator: PrinterSimulator
  printer: EscPosPrinter
}

/** A driver wired to a started simulator over an in-memory cable, for tests and demo mode. */
export async function createSimulatedPrinter(
  options: PrinterSimulatorOptions & {
    driver?: EscPosPrinterOptions
    link?: MemoryLinkOptions
  } = {},
): Promise<SimulatedPrinter> {
  const link = createMemoryLink(options.link)
  const simulator = new PrinterSimulator(link.device, options)
  await simulator.start()
  await link.host.open()
  const printer = new EscPosPrinter(link.host, options.driver)
  return { link, simulator, printer }
}
