import iconv from 'iconv-lite'
import QRCode from 'qrcode'

/**
 * A small, pure ESC/POS builder for 80 mm Chinese thermal printers (kiosk-hardware.md §4).
 * Written in-house because the `escpos` package's qrcode() emits `GS Z`/`ESC Z`, which most
 * printers print as text (§4.3); here QR codes use Epson model 2 `GS ( k` or a raster image.
 *
 * Text is split into runs: printable ASCII is sent as single bytes; everything else is sent as
 * GB18030 inside `FS &` … `FS .` (Chinese double-byte mode), so no byte 0x80–0xFF is ever read
 * in the wrong mode (node-escpos#332).
 */

export const ESC = 0x1b
export const GS = 0x1d
export const FS = 0x1c
export const DLE = 0x10
export const LF = 0x0a

export type Align = 'left' | 'center' | 'right'
export type QrErrorLevel = 'L' | 'M' | 'Q' | 'H'

/** Printable dots across an 80 mm roll at 203 dpi; raster images must fit in it (§4.4 item 5). */
export const PAPER_DOTS_80MM = 576
/** Font A (12 × 24 dots) columns on 80 mm paper. */
export const COLUMNS_80MM = 48

const ALIGN_CODE: Record<Align, number> = { left: 0, center: 1, right: 2 }
const QR_EC_CODE: Record<QrErrorLevel, number> = { L: 48, M: 49, Q: 50, H: 51 }

/**
 * The yuan sign U+00A5 is a 4-byte GB18030 sequence (81 30 84 36) that GBK-only printers print
 * as "0 6" (§4.3); the full-width ￥ (GBK A3 A4) prints everywhere.
 */
function printable(text: string): string {
  return text.replaceAll('\u00a5', '\uffe5')
}

function isAsciiPrintable(code: number): boolean {
  return code >= 0x20 && code <= 0x7e
}

/**
 * Columns one printed character takes in font A: a single-byte (ASCII) character 1, a character
 * sent as GB18030 in Chinese mode (CJK, full-width ￥) 2. The parser's line wrap and the PNG
 * preview count with this too.
 */
export function charColumns(ch: string): 1 | 2 {
  return (ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2
}

/** Columns a string occupies in font A: ASCII 1, every double-byte (CJK, full-width) glyph 2. */
export function textColumns(text: string): number {
  let cols = 0
  for (const ch of printable(text)) cols += isAsciiPrintable(ch.codePointAt(0) ?? 0) ? 1 : 2
  return cols
}

/** Text as the bytes the printer receives: ASCII runs raw, other runs GB18030 inside FS & … FS . */
export function encodeText(text: string): Uint8Array {
  const out: number[] = []
  let run = ''
  const flushCjk = (): void => {
    if (!run) return
    out.push(FS, 0x26, ...iconv.encode(run, 'GB18030'), FS, 0x2e)
    run = ''
  }
  for (const ch of printable(text)) {
    const code = ch.codePointAt(0) ?? 0
    if (isAsciiPrintable(code)) {
      flushCjk()
      out.push(code)
    } else if (code < 0x20 || code === 0x7f) {
      // Control characters inside text would be read as commands; drop them.
      continue
    } else {
      run += ch
    }
  }
  flushCjk()
  return Uint8Array.from(out)
}

export interface QrOptions {
  /** Dots per module, 1–16. Default 6 (about 0.75 mm at 203 dpi, easy to scan from paper). */
  moduleSize?: number
  /** Error-correction level. Default M. */
  errorLevel?: QrErrorLevel
}

/** A 1-bit image, row-major, `true` = black. Width and height in printer dots. */
export interface Bitmap {
  width: number
  height: number
  pixels: Uint8Array
}

/** A QR symbol as a bitmap with a 4-module quiet zone, each module `moduleSize` dots square. */
export function qrBitmap(payload: string, options: QrOptions = {}): Bitmap {
  const moduleSize = clampInt(options.moduleSize ?? 6, 1, 16, 'QR module size')
  const qr = QRCode.create(payload, { errorCorrectionLevel: options.errorLevel ?? 'M' })
  const n = qr.modules.size
  const quiet = 4
  const width = (n + 2 * quiet) * moduleSize
  const pixels = new Uint8Array(width * width)
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!qr.modules.data[r * n + c]) continue
      for (let dy = 0; dy < moduleSize; dy++) {
        const y = (r + quiet) * moduleSize + dy
        pixels.fill(
          1,
          y * width + (c + quiet) * moduleSize,
          y * width + (c + quiet + 1) * moduleSize,
        )
      }
    }
  }
  return { width, height: width, pixels }
}

function clampInt(n: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < min || n > max)
    throw new RangeError(`${what} must be an integer ${min}–${max}, got ${n}`)
  return n
}

/** Builder: every method appends bytes and returns `this`; `encode()` returns the job. */
export class EscPosEncoder {
  private readonly parts: Uint8Array[] = []

  private push(...bytes: number[]): this {
    this.parts.push(Uint8Array.from(bytes))
    return this
  }

  /** Raw bytes, for commands this builder does not know. */
  raw(bytes: Uint8Array | readonly number[]): this {
    this.parts.push(Uint8Array.from(bytes))
    return this
  }

  /** ESC @: reset modes (bold, size, alignment) to the power-on defaults. */
  init(): this {
    return this.push(ESC, 0x40)
  }

  /** Text without a line feed; see encodeText for how Chinese is sent. */
  text(text: string): this {
    this.parts.push(encodeText(text))
    return this
  }

  /** Text followed by LF. */
  line(text = ''): this {
    return this.text(text).push(LF)
  }

  /** ESC d n: print the buffer and feed n lines. */
  feed(lines = 1): this {
    return this.push(ESC, 0x64, clampInt(lines, 0, 255, 'feed lines'))
  }

  /** ESC E n: emphasis. */
  bold(on = true): this {
    return this.push(ESC, 0x45, on ? 1 : 0)
  }

  /** GS ! n: character size, width and height multipliers 1–8. */
  size(width = 1, height = width): this {
    const w = clampInt(width, 1, 8, 'character width')
    const h = clampInt(height, 1, 8, 'character height')
    return this.push(GS, 0x21, ((w - 1) << 4) | (h - 1))
  }

  /** ESC a n: justification for text, QR codes and images that follow. */
  align(align: Align): this {
    return this.push(ESC, 0x61, ALIGN_CODE[align])
  }

  /** A QR code with Epson model 2 `GS ( k` (§4.3): model, module size, EC level, store, print. */
  qr(payload: string, options: QrOptions = {}): this {
    const moduleSize = clampInt(options.moduleSize ?? 6, 1, 16, 'QR module size')
    const data = new TextEncoder().encode(payload)
    const len = data.length + 3
    if (len > 0xffff) throw new RangeError('QR payload too long')
    return this.push(GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00)
      .push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize)
      .push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, QR_EC_CODE[options.errorLevel ?? 'M'])
      .push(GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30)
      .raw(data)
      .push(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30)
  }

  /** The same QR code as a `GS v 0` raster image, for printers without `GS ( k`. */
  qrRaster(payload: string, options: QrOptions = {}): this {
    return this.raster(qrBitmap(payload, options))
  }

  /** GS v 0 m xL xH yL yH d…: a 1-bit raster image, rows padded to whole bytes. */
  raster(image: Bitmap): this {
    const bytesPerRow = Math.ceil(image.width / 8)
    if (bytesPerRow * 8 > PAPER_DOTS_80MM)
      throw new RangeError(
        `image ${image.width} dots wide exceeds the ${PAPER_DOTS_80MM}-dot paper`,
      )
    if (image.height < 1 || image.height > 0xffff) throw new RangeError('image height out of range')
    const data = new Uint8Array(bytesPerRow * image.height)
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        if (image.pixels[y * image.width + x]) data[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7)
      }
    }
    return this.push(
      GS,
      0x76,
      0x30,
      0x00,
      bytesPerRow & 0xff,
      bytesPerRow >> 8,
      image.height & 0xff,
      image.height >> 8,
    ).raw(data)
  }

  /**
   * Partial cut. Without feed: `GS V 1`. With feed: `GS V 66 n` (feed n dots' worth of motion
   * units, then cut) so the last line clears the cutter blade.
   */
  cut(options: { feed?: number; full?: boolean } = {}): this {
    const full = options.full ?? false
    if (options.feed === undefined) return this.push(GS, 0x56, full ? 0x00 : 0x01)
    return this.push(GS, 0x56, full ? 0x41 : 0x42, clampInt(options.feed, 0, 255, 'cut feed'))
  }

  encode(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0)
    const out = new Uint8Array(total)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}
