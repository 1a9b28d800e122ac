import pngjs from 'pngjs'
import QRCode from 'qrcode'
import type { Align, Bitmap } from './encoder.ts'
import { PAPER_DOTS_80MM } from './encoder.ts'
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts'
import type { PrintedLine } from './parser.ts'
import type { PrintedReceipt } from './simulator.ts'

/**
 * A receipt as the paper would look, one pixel per printer dot (203 dpi, 576 printable dots):
 * ASCII in the built-in 5 × 7 font scaled into font A's 12 × 24 cell, each CJK glyph as a box
 * (no CJK bitmap font on the machine), QR codes as real modules so the preview scans.
 * Deterministic: the same receipt always gives the same pixels and the same PNG bytes.
 */

const CELL_W = 12
const CELL_H = 24
const LINE_GAP = 6
const MARGIN = 16
const QR_QUIET_MODULES = 4

export interface RenderOptions {
  /** Printable width in dots. Default 576 (80 mm). */
  paperDots?: number
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

function isWide(ch: string): boolean {
  return (ch.codePointAt(0) ?? 0) >= 0x80
}

function lineBlock(line: PrintedLine, paper: number): Block {
  const { width: sw, height: sh } = line.size
  const cellW = CELL_W * sw
  const cellH = CELL_H * sh
  const chars = [...line.text]
  const cols = chars.reduce((n, ch) => n + (isWide(ch) ? 2 : 1), 0)
  return {
    height: cellH + LINE_GAP,
    draw(c, top) {
      let x = alignX(line.align, cols * cellW, paper)
      for (const ch of chars) {
        const wide = isWide(ch)
        const w = wide ? 2 * cellW : cellW
        const g = glyph(ch)
        if (g) {
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

function blocks(receipt: PrintedReceipt, paper: number): Block[] {
  return receipt.items.map((item): Block => {
    switch (item.kind) {
      case 'line':
        return lineBlock(item.line, paper)
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
  const bs = blocks(receipt, paper)
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
