import { readFileSync } from 'node:fs'

/**
 * GNU Unifont glyphs for the receipt preview, read from the system at run time: Debian's
 * `unifont` package installs /usr/share/unifont/unifont.hex. Unifont is GPL-2+ with a font
 * embedding exception, so the file is not copied into this repository.
 *
 * The file has one glyph a line, `XXXX:<hex>` (code point, then rows top to bottom, the most
 * significant bit leftmost): 32 hex digits are an 8 × 16 half-width glyph, 64 a 16 × 16
 * full-width one. The file is read once, on first use; one pass indexes where each line starts
 * (a few ms), and a glyph is decoded only when asked for.
 */

export const DEFAULT_UNIFONT_PATH = '/usr/share/unifont/unifont.hex'

export const UNIFONT_HEIGHT = 16

export interface UnifontGlyph {
  /** 8 (half-width) or 16 (full-width). */
  width: number
  height: number
  /** Row-major, 1 = ink. */
  pixels: Uint8Array
}

export interface Unifont {
  readonly path: string
  /** Glyphs in the file. */
  readonly size: number
  /** The glyph for the first code point of `ch`, or undefined when the font has none. */
  glyph(ch: string): UnifontGlyph | undefined
}

const COLON = 0x3a
const NEWLINE = 0x0a

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

/** Parses unifont.hex text; lines that are not `code:hex` with 32 or 64 hex digits are skipped. */
export function parseUnifont(text: Uint8Array, path = '(memory)'): Unifont {
  // A glyph line is at least 34 bytes (`0:`, 32 digits, newline): an upper bound, trimmed below.
  const most = Math.floor(text.length / 34) + 1
  let codes = new Uint32Array(most)
  let starts = new Uint32Array(most)
  let count = 0
  let sorted = true
  for (let at = 0; at < text.length;) {
    let end = text.indexOf(NEWLINE, at)
    if (end < 0) end = text.length
    let code = 0
    let i = at
    for (; i < end && i - at < 6; i++) {
      const v = hexValue(text[i]!)
      if (v < 0) break
      code = code * 16 + v
    }
    const digits = end - (i + 1) - (text[end - 1] === 0x0d ? 1 : 0)
    if (i > at && text[i] === COLON && (digits === 32 || digits === 64)) {
      if (count > 0 && code <= codes[count - 1]!) sorted = false
      codes[count] = code
      starts[count] = i + 1
      count++
    }
    at = end + 1
  }
  codes = codes.slice(0, count)
  starts = starts.slice(0, count)
  if (!sorted) {
    // Debian's file is sorted; another build might not be. The last line for a code wins.
    const order = Array.from({ length: count }, (_, k) => k).sort(
      (a, b) => codes[a]! - codes[b]! || a - b,
    )
    const c2 = new Uint32Array(count)
    const s2 = new Uint32Array(count)
    let n = 0
    for (const k of order) {
      if (n > 0 && c2[n - 1] === codes[k]) n--
      c2[n] = codes[k]!
      s2[n] = starts[k]!
      n++
    }
    codes = c2.slice(0, n)
    starts = s2.slice(0, n)
  }

  const decoded = new Map<number, UnifontGlyph | null>()

  function find(code: number): number {
    let lo = 0
    let hi = codes.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = codes[mid]!
      if (c === code) return mid
      if (c < code) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  function decode(code: number): UnifontGlyph | null {
    const k = find(code)
    if (k < 0) return null
    const start = starts[k]!
    let end = start
    while (end < text.length && hexValue(text[end]!) >= 0) end++
    const digits = end - start
    if (digits !== 32 && digits !== 64) return null
    const width = digits / 4
    const pixels = new Uint8Array(width * UNIFONT_HEIGHT)
    for (let d = 0; d < digits; d++) {
      const v = hexValue(text[start + d]!)
      for (let b = 0; b < 4; b++) if (v & (8 >> b)) pixels[d * 4 + b] = 1
    }
    return { width, height: UNIFONT_HEIGHT, pixels }
  }

  return {
    path,
    size: codes.length,
    glyph(ch) {
      const code = ch.codePointAt(0)
      if (code === undefined) return undefined
      let g = decoded.get(code)
      if (g === undefined) {
        g = decode(code)
        decoded.set(code, g)
      }
      return g ?? undefined
    },
  }
}

const loaded = new Map<string, Unifont | null>()

/**
 * The font at `path`, read on the first call and kept for the life of the process; undefined
 * (also remembered) when the file cannot be read, e.g. the `unifont` package is not installed.
 */
export function loadUnifont(path = DEFAULT_UNIFONT_PATH): Unifont | undefined {
  let font = loaded.get(path)
  if (font === undefined) {
    try {
      font = parseUnifont(readFileSync(path), path)
    } catch {
      font = null
    }
    loaded.set(path, font)
  }
  return font ?? undefined
}
