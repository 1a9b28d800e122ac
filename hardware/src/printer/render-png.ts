import pngjs from 'pngjs'
import QRCode from 'qrcode'
import type { Align, Bitmap } from './encoder.ts'
import { PAPER_DOTS_80MM, charColumns } from './encoder.ts'
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts'
import type { PrintedLine } from './parser.ts'
import type { PrintedReceipt } from './simulator.ts'
import { DEFAULT_UNIFONT_PATH, loadUnifont, type Unifont, type UnifontGlyph } from './unifont.ts'

/**
 * A receipt as the paper would look, one pixel per printer dot (203 dpi, 576 printable dots):
 * ASCII in the built-in 5 × 7 font scaled into font A's 12 × 24 cell; every double-byte
 * character (CJK, full-width ￥) in GNU Unifont scaled from 16 × 16 to two cells, 24 × 24, as the
 * printer's own 24 × 24 Chinese font would print it; QR codes as real modules so the preview
 * scans. Without Unifont (Debian's `unifont` package) those characters are drawn as boxes.
 * Deterministic: the same receipt and font always give the same pixels and the same PNG bytes.
 */

const CELL_W = 12
const CELL_H = 24
const LINE_GAP = 6
const MARGIN = 16
const QR_QUIET_MODULES = 4

export interface RenderOptions {
  /** Printable width in dots. Default 576 (80 mm). */
  paperDots?: number
  /** GNU Unifont .hex file for characters outside the ASCII font. Default Debian's path. */
  unifontPath?: string
}

class Canvas {
  readonly pixels: Uint8Array
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height)
  }
  fill(x: number, y: number, w: number, h: number): void {
    const x0 = Math.max(0, x)
    const x1 = Math.min(this.width, x + w)
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      if (x1 > x0) this.pixels.fill(1, yy * this.width + x0, yy * this.width + x1)
    }
  }
}

type Block = { height: number; draw: (c: Canvas, top: number) => void }

function alignX(align: Align, contentWidth: number, paper: number): number {
  if (align === 'center') return MARGIN + Math.max(0, Math.floor((paper - contentWidth) / 2))
  if (align === 'right') return MARGIN + Math.max(0, paper - contentWidth)
  return MARGIN
}

/** For each dot along one axis, the source pixel(s) drawn into it; `b` is -1 where one suffices. */
interface AxisMap {
  a: Int16Array
  b: Int16Array
}

const axisMaps = new Map<string, AxisMap>()

/**
 * For each of `dst` dots, the source pixels that cover at least half of it (at most two). Scaling
 * 16 → 24 this ORs the two source pixels a dot straddles, so every stroke comes out 2 dots wide
 * (nearest neighbour would make some strokes 1 dot and some 2) and a 1-pixel gap stays open.
 */
function axisMap(src: number, dst: number): AxisMap {
  const key = `${src}>${dst}`
  let map = axisMaps.get(key)
  if (map) return map
  map = { a: new Int16Array(dst), b: new Int16Array(dst).fill(-1) }
  for (let j = 0; j < dst; j++) {
    // In units of 1 / (src × dst): source pixel i spans [i·dst, (i+1)·dst), dot j [j·src, (j+1)·src).
    let best = 0
    let bestOverlap = -1
    let found = 0
    for (let i = 0; i < src; i++) {
      const overlap = Math.min((i + 1) * dst, (j + 1) * src) - Math.max(i * dst, j * src)
      if (2 * overlap >= src) {
        if (found === 0) map.a[j] = i
        else map.b[j] = i
        found++
      }
      if (overlap > bestOverlap) [best, bestOverlap] = [i, overlap]
    }
    if (found === 0) map.a[j] = best
  }
  axisMaps.set(key, map)
  return map
}

/** Scaled glyphs as ink runs (row, x, length triples), per glyph and box size. */
const scaledRuns = new WeakMap<UnifontGlyph, Map<string, Int16Array>>()

/**
 * A Unifont glyph scaled to w × h dots, as runs. Bold widens every run by one dot, except into a
 * one-dot gap: closing those would fill in dense characters (购, 据).
 */
function scaleGlyph(g: UnifontGlyph, w: number, h: number, bold: boolean): Int16Array {
  const key = `${w}x${h}${bold ? 'b' : ''}`
  let sizes = scaledRuns.get(g)
  if (!sizes) scaledRuns.set(g, (sizes = new Map<string, Int16Array>()))
  const cached = sizes.get(key)
  if (cached) return cached
  const cm = axisMap(g.width, w)
  const rm = axisMap(g.height, h)
  // Columns first, one scaled row per source row; then rows.
  const wide = new Uint8Array(g.height * w)
  for (let sr = 0; sr < g.height; sr++) {
    for (let q = 0; q < w; q++) {
      const b = cm.b[q]!
      wide[sr * w + q] =
        g.pixels[sr * g.width + cm.a[q]!]! | (b >= 0 ? g.pixels[sr * g.width + b]! : 0)
    }
  }
  const runs: number[] = []
  const row = new Uint8Array(w + 2)
  for (let r = 0; r < h; r++) {
    const a = rm.a[r]!
    const b = rm.b[r]!
    for (let q = 0; q < w; q++) row[q] = wide[a * w + q]! | (b >= 0 ? wide[b * w + q]! : 0)
    let runStart = -1
    for (let q = 0; q <= w; q++) {
      if (row[q] && runStart < 0) runStart = q
      else if (!row[q] && runStart >= 0) {
        runs.push(r, runStart, q - runStart + (bold && !row[q + 1] ? 1 : 0))
        runStart = -1
      }
    }
  }
  const out = Int16Array.from(runs)
  sizes.set(key, out)
  return out
}

function drawScaled(c: Canvas, runs: Int16Array, x: number, y: number): void {
  for (let k = 0; k < runs.length; k += 3) c.fill(x + runs[k + 1]!, y + runs[k]!, runs[k + 2]!, 1)
}

function lineBlock(line: PrintedLine, paper: number, font: Unifont | undefined): Block {
  const { width: sw, height: sh } = line.size
  const cellW = CELL_W * sw
  const cellH = CELL_H * sh
  const chars = [...line.text]
  const cols = chars.reduce((n, ch) => n + charColumns(ch), 0)
  return {
    height: cellH + LINE_GAP,
    draw(c, top) {
      let x = alignX(line.align, cols * cellW, paper)
      for (const ch of chars) {
        const wide = charColumns(ch) === 2
        const w = wide ? 2 * cellW : cellW
        const u = wide ? font?.glyph(ch) : undefined
        const g = u ? undefined : glyph(ch)
        if (u) {
          // A half-width Unifont glyph keeps its shape: one cell, centred in the two.
          const gw = u.width === 16 ? w : cellW
          drawScaled(c, scaleGlyph(u, gw, cellH, line.bold), x + Math.floor((w - gw) / 2), top)
        } else if (g) {
          // Scale 2 × 3 puts the 5 × 8 glyph in a 10 × 24 box inside the 12 × 24 cell.
          const px = 2 * sw
          const py = 3 * sh
          const gx = x + Math.floor((w - GLYPH_WIDTH * px) / 2)
          const gy = top + Math.floor((cellH - GLYPH_HEIGHT * py) / 2)
          for (let r = 0; r < GLYPH_HEIGHT; r++) {
            for (let q = 0; q < GLYPH_WIDTH; q++) {
              if (!g[r * GLYPH_WIDTH + q]) continue
              c.fill(gx + q * px, gy + r * py, px + (line.bold ? 1 : 0), py)
            }
          }
        } else if (ch !== ' ') {
          // Placeholder for a glyph we have no font for: an outlined box the size of the cell.
          const t = line.bold ? 3 : 2
          const bx = x + 2 * sw
          const by = top + 2 * sh
          const bw = w - 4 * sw
          const bh = cellH - 4 * sh
          c.fill(bx, by, bw, t)
          c.fill(bx, by + bh - t, bw, t)
          c.fill(bx, by, t, bh)
          c.fill(bx + bw - t, by, t, bh)
        }
        x += w
      }
    },
  }
}

function bitmapBlock(image: Bitmap, align: Align, paper: number): Block {
  return {
    height: image.height,
    draw(c, top) {
      const x0 = alignX(align, image.width, paper)
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++)
          if (image.pixels[y * image.width + x]) c.fill(x0 + x, top + y, 1, 1)
      }
    },
  }
}

function blocks(receipt: PrintedReceipt, paper: number, font: Unifont | undefined): Block[] {
  return receipt.items.map((item): Block => {
    switch (item.kind) {
      case 'line':
        return lineBlock(item.line, paper, font)
      case 'feed':
        return { height: item.lines * (CELL_H + LINE_GAP), draw: () => undefined }
      case 'image':
        return bitmapBlock(item.image, item.align, paper)
      case 'qr': {
        // The printer draws the symbol itself; regenerate it from the stored payload.
        const qr = QRCode.create(item.payload, { errorCorrectionLevel: item.errorLevel })
        const n = qr.modules.size
        const m = Math.max(1, item.moduleSize)
        const pixels = new Uint8Array(n * m * n * m)
        for (let r = 0; r < n * m; r++) {
          for (let col = 0; col < n * m; col++)
            pixels[r * n * m + col] =
              qr.modules.data[Math.floor(r / m) * n + Math.floor(col / m)] ?? 0
        }
        const inner = bitmapBlock({ width: n * m, height: n * m, pixels }, item.align, paper)
        const quiet = QR_QUIET_MODULES * m
        return { height: inner.height + 2 * quiet, draw: (c, top) => inner.draw(c, top + quiet) }
      }
    }
  })
}

/** The receipt as 1-bit pixels (1 = ink), margins included. */
export function renderReceiptBitmap(receipt: PrintedReceipt, options: RenderOptions = {}): Bitmap {
  const paper = options.paperDots ?? PAPER_DOTS_80MM
  const font = loadUnifont(options.unifontPath ?? DEFAULT_UNIFONT_PATH)
  const bs = blocks(receipt, paper, font)
  const height = MARGIN * 2 + bs.reduce((n, b) => n + b.height, 0)
  const canvas = new Canvas(paper + 2 * MARGIN, height)
  let top = MARGIN
  for (const b of bs) {
    b.draw(canvas, top)
    top += b.height
  }
  return { width: canvas.width, height: canvas.height, pixels: canvas.pixels }
}

/** The receipt as a grayscale PNG: white paper, black ink. */
export function renderReceiptPng(receipt: PrintedReceipt, options: RenderOptions = {}): Buffer {
  const bmp = renderReceiptBitmap(receipt, options)
  const png = new pngjs.PNG({ width: bmp.width, height: bmp.height })
  // One gray byte per pixel in and out; no filter: 1-bit art compresses well without one.
  png.data = Buffer.from(bmp.pixels.map((p) => (p ? 0 : 255)))
  return pngjs.PNG.sync.write(png, {
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
    filterType: 0,
    deflateLevel: 9,
  })
}
