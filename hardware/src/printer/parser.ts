import iconv from 'iconv-lite'
import { COLUMNS_80MM, charColumns, type Align, type Bitmap, type QrErrorLevel } from './encoder.ts'

/**
 * An incremental ESC/POS interpreter for the simulated printer: bytes in (split anywhere),
 * printer-level events out. It understands what the encoder emits plus the common commands a
 * foreign job might contain (skipped by their length), so a test sees what paper would show.
 * Stateful but without I/O or timers.
 */

export interface CharSize {
  width: number
  height: number
}

export interface PrintedLine {
  text: string
  bold: boolean
  size: CharSize
  align: Align
}

export type EscPosEvent =
  | { type: 'line'; line: PrintedLine }
  | { type: 'feed'; lines: number }
  | { type: 'qr'; payload: string; moduleSize: number; errorLevel: QrErrorLevel; align: Align }
  | { type: 'image'; image: Bitmap; align: Align }
  | { type: 'cut'; full: boolean }
  | { type: 'init' }
  | { type: 'statusQuery'; n: number }
  | { type: 'paperSensorQuery' }
  | { type: 'recover'; n: number }
  | { type: 'unknown'; bytes: Uint8Array }

const EC_BY_CODE: Record<number, QrErrorLevel> = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' }
const ALIGN_BY_CODE: Record<number, Align> = {
  0: 'left',
  1: 'center',
  2: 'right',
  48: 'left',
  49: 'center',
  50: 'right',
}

/** ESC x commands this parser skips, by the number of parameter bytes. */
const ESC_SKIP: Record<number, number> = {
  0x2d: 1, // ESC - underline
  0x32: 0, // ESC 2 default line spacing
  0x33: 1, // ESC 3 line spacing
  0x47: 1, // ESC G double strike
  0x4a: 1, // ESC J feed dots
  0x4d: 1, // ESC M font
  0x52: 1, // ESC R international set
  0x74: 1, // ESC t code page
  0x70: 3, // ESC p drawer kick
  0x7b: 1, // ESC { upside down
  0x56: 1, // ESC V rotate
  0x20: 1, // ESC SP right spacing
}
const GS_SKIP: Record<number, number> = {
  0x42: 1, // GS B reverse
  0x48: 1, // GS H HRI position
  0x4c: 2, // GS L left margin
  0x57: 2, // GS W print area width
  0x61: 1, // GS a ASB
  0x66: 1, // GS f HRI font
  0x68: 1, // GS h barcode height
  0x77: 1, // GS w barcode width
}
const FS_SKIP: Record<number, number> = {
  0x21: 1, // FS ! Kanji print mode
  0x2d: 1, // FS - Kanji underline
  0x57: 1, // FS W Kanji quadruple
  0x43: 1, // FS C code system
}

interface Style {
  bold: boolean
  size: CharSize
  align: Align
}

const defaultStyle = (): Style => ({ bold: false, size: { width: 1, height: 1 }, align: 'left' })

type Step = { consumed: number; events?: EscPosEvent[] } | 'incomplete'

export class EscPosParser {
  private buf: Uint8Array = new Uint8Array(0)
  private style: Style = defaultStyle()
  private chinese = false
  /** Bytes of the current line, each run tagged with the mode it was received in. */
  private lineBytes: number[] = []
  private lineStyle: Style | undefined
  /** Decoded runs of the current line; a mode switch closes the run. */
  private runs: string[] = []
  private qrStore: { data: Uint8Array; moduleSize: number; errorLevel: QrErrorLevel } = {
    data: new Uint8Array(0),
    moduleSize: 3,
    errorLevel: 'L',
  }

  constructor(private readonly columns = COLUMNS_80MM) {}

  push(chunk: Uint8Array): EscPosEvent[] {
    const merged = new Uint8Array(this.buf.length + chunk.length)
    merged.set(this.buf)
    merged.set(chunk, this.buf.length)
    const events: EscPosEvent[] = []
    let at = 0
    while (at < merged.length) {
      const step = this.step(merged, at)
      if (step === 'incomplete') break
      at += step.consumed
      if (step.events) events.push(...step.events)
    }
    this.buf = merged.slice(at)
    return events
  }

  /** Text received but not yet ended by LF (it would print at the next LF or cut). */
  get pendingText(): string {
    return this.decodeLine()
  }

  private step(b: Uint8Array, at: number): Step {
    const c = b[at]!
    const need = (n: number): boolean => at + n <= b.length
    const p = (i: number): number => b[at + i]!
    switch (c) {
      case 0x0a:
        return { consumed: 1, events: this.endLine() }
      case 0x0d:
        return { consumed: 1 }
      case 0x09:
        this.text([0x20, 0x20, 0x20, 0x20])
        return { consumed: 1 }
      case 0x10: // DLE
        if (!need(2)) return 'incomplete'
        if (p(1) === 0x04) {
          if (!need(3)) return 'incomplete'
          return { consumed: 3, events: [{ type: 'statusQuery', n: p(2) }] }
        }
        if (p(1) === 0x05) {
          if (!need(3)) return 'incomplete'
          return { consumed: 3, events: [{ type: 'recover', n: p(2) }] }
        }
        return { consumed: 1 }
      case 0x1b:
        return this.esc(b, at)
      case 0x1d:
        return this.gs(b, at)
      case 0x1c:
        return this.fs(b, at)
      default:
        if (c < 0x20) return { consumed: 1 }
        this.text([c])
        return { consumed: 1 }
    }
  }

  private esc(b: Uint8Array, at: number): Step {
    if (at + 2 > b.length) return 'incomplete'
    const cmd = b[at + 1]!
    if (cmd === 0x40) {
      const events = this.flushPending()
      this.style = defaultStyle()
      this.chinese = false
      return { consumed: 2, events: [...events, { type: 'init' }] }
    }
    if (cmd === 0x45 || cmd === 0x61 || cmd === 0x64 || cmd === 0x21) {
      if (at + 3 > b.length) return 'incomplete'
      const n = b[at + 2]!
      if (cmd === 0x45) this.style = { ...this.style, bold: (n & 1) === 1 }
      else if (cmd === 0x61) this.style = { ...this.style, align: ALIGN_BY_CODE[n] ?? 'left' }
      else if (cmd === 0x21) {
        this.style = {
          ...this.style,
          bold: (n & 0x08) !== 0,
          size: { width: n & 0x20 ? 2 : 1, height: n & 0x10 ? 2 : 1 },
        }
      } else return { consumed: 3, events: this.feedLines(n) }
      return { consumed: 3 }
    }
    const skip = ESC_SKIP[cmd]
    if (skip === undefined)
      return { consumed: 2, events: [{ type: 'unknown', bytes: b.slice(at, at + 2) }] }
    if (at + 2 + skip > b.length) return 'incomplete'
    return { consumed: 2 + skip }
  }

  private gs(b: Uint8Array, at: number): Step {
    if (at + 2 > b.length) return 'incomplete'
    const cmd = b[at + 1]!
    const has = (n: number): boolean => at + n <= b.length
    switch (cmd) {
      case 0x21: {
        if (!has(3)) return 'incomplete'
        const n = b[at + 2]!
        this.style = { ...this.style, size: { width: (n >> 4) + 1, height: (n & 0x0f) + 1 } }
        return { consumed: 3 }
      }
      case 0x56: {
        if (!has(3)) return 'incomplete'
        const m = b[at + 2]!
        const withFeed = m === 0x41 || m === 0x42
        if (withFeed && !has(4)) return 'incomplete'
        const events = this.flushPending()
        events.push({ type: 'cut', full: m === 0x00 || m === 0x30 || m === 0x41 })
        return { consumed: withFeed ? 4 : 3, events }
      }
      case 0x72:
        if (!has(3)) return 'incomplete'
        return { consumed: 3, events: [{ type: 'paperSensorQuery' }] }
      case 0x28: {
        // GS ( X pL pH data…: every function in this family carries its own length.
        if (!has(5)) return 'incomplete'
        const len = b[at + 3]! | (b[at + 4]! << 8)
        if (!has(5 + len)) return 'incomplete'
        const events = b[at + 2] === 0x6b ? this.qrFunction(b.subarray(at + 5, at + 5 + len)) : []
        return { consumed: 5 + len, events }
      }
      case 0x76: {
        if (!has(8)) return 'incomplete'
        const x = b[at + 4]! | (b[at + 5]! << 8)
        const y = b[at + 6]! | (b[at + 7]! << 8)
        if (!has(8 + x * y)) return 'incomplete'
        const data = b.subarray(at + 8, at + 8 + x * y)
        const image: Bitmap = { width: x * 8, height: y, pixels: new Uint8Array(x * 8 * y) }
        for (let row = 0; row < y; row++) {
          for (let col = 0; col < x * 8; col++) {
            if (data[row * x + (col >> 3)]! & (0x80 >> (col & 7)))
              image.pixels[row * x * 8 + col] = 1
          }
        }
        const events = this.flushPending()
        events.push({ type: 'image', image, align: this.style.align })
        return { consumed: 8 + x * y, events }
      }
      default: {
        const skip = GS_SKIP[cmd]
        if (skip === undefined)
          return { consumed: 2, events: [{ type: 'unknown', bytes: b.slice(at, at + 2) }] }
        if (!has(2 + skip)) return 'incomplete'
        return { consumed: 2 + skip }
      }
    }
  }

  private fs(b: Uint8Array, at: number): Step {
    if (at + 2 > b.length) return 'incomplete'
    const cmd = b[at + 1]!
    if (cmd === 0x26 || cmd === 0x2e) {
      // Keep bytes already received in the other mode decodable as they were sent.
      this.modeSwitch(cmd === 0x26)
      return { consumed: 2 }
    }
    const skip = FS_SKIP[cmd]
    if (skip === undefined)
      return { consumed: 2, events: [{ type: 'unknown', bytes: b.slice(at, at + 2) }] }
    if (at + 2 + skip > b.length) return 'incomplete'
    return { consumed: 2 + skip }
  }

  /** GS ( k cn fn …: cn 0x31 is QR; only store (0x50) and print (0x51) change what is printed. */
  private qrFunction(body: Uint8Array): EscPosEvent[] {
    if (body.length < 2 || body[0] !== 0x31) return []
    const fn = body[1]!
    if (fn === 0x43 && body.length >= 3) this.qrStore.moduleSize = body[2]!
    else if (fn === 0x45 && body.length >= 3) this.qrStore.errorLevel = EC_BY_CODE[body[2]!] ?? 'L'
    else if (fn === 0x50) this.qrStore.data = body.slice(3)
    else if (fn === 0x51) {
      const events = this.flushPending()
      events.push({
        type: 'qr',
        payload: new TextDecoder().decode(this.qrStore.data),
        moduleSize: this.qrStore.moduleSize,
        errorLevel: this.qrStore.errorLevel,
        align: this.style.align,
      })
      return events
    }
    return []
  }

  // --- text ------------------------------------------------------------------------------------

  private text(bytes: number[]): void {
    this.lineStyle ??= { ...this.style }
    this.lineBytes.push(...bytes)
  }

  private modeSwitch(chinese: boolean): void {
    if (this.lineBytes.length) {
      this.runs.push(this.decodeRun())
      this.lineBytes = []
    }
    this.chinese = chinese
  }

  private decodeRun(): string {
    const bytes = Uint8Array.from(this.lineBytes)
    if (this.chinese) return iconv.decode(Buffer.from(bytes), 'GB18030')
    // Outside Chinese mode a byte ≥ 0x80 is a code-page glyph we do not emulate; show it as such.
    let s = ''
    for (const x of bytes) s += x < 0x80 ? String.fromCharCode(x) : '\ufffd'
    return s
  }

  private decodeLine(): string {
    return this.runs.join('') + (this.lineBytes.length ? this.decodeRun() : '')
  }

  private endLine(): EscPosEvent[] {
    const style = this.lineStyle ?? this.style
    const parts = this.wrap(this.decodeLine(), style)
    this.runs = []
    this.lineBytes = []
    this.lineStyle = undefined
    return parts.map((t) => ({
      type: 'line',
      line: { text: t, bold: style.bold, size: { ...style.size }, align: style.align },
    }))
  }

  /** Like a printer, a line longer than the paper continues on the next line. */
  private wrap(text: string, style: Style): string[] {
    const max = Math.max(1, Math.floor(this.columns / style.size.width))
    const out: string[] = []
    let cur = ''
    let cols = 0
    for (const ch of text) {
      const w = charColumns(ch)
      if (cols + w > max) {
        out.push(cur)
        cur = ''
        cols = 0
      }
      cur += ch
      cols += w
    }
    out.push(cur)
    return out
  }

  private flushPending(): EscPosEvent[] {
    return this.lineBytes.length || this.runs.length ? this.endLine() : []
  }

  private feedLines(n: number): EscPosEvent[] {
    const events = this.flushPending()
    const blank = events.length ? n - 1 : n
    if (blank > 0) events.push({ type: 'feed', lines: blank })
    return events
  }
}
