import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pngjs from 'pngjs'
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { renderReceipt } from './receipt.ts'
import { renderReceiptBitmap, renderReceiptPng } from './render-png.ts'
import { createSimulatedPrinter, type PrintedReceipt } from './simulator.ts'
import { sampleReceipt } from './test-fixtures.ts'
import { DEFAULT_UNIFONT_PATH, loadUnifont } from './unifont.ts'

const GOLDEN = fileURLToPath(new URL('./__golden__/receipt.png', import.meta.url))

async function printed(): Promise<PrintedReceipt> {
  const { printer, simulator } = await createSimulatedPrinter({ clock: { now: () => 0 } })
  expect((await printer.print(renderReceipt({ ...sampleReceipt, duplicate: true }))).ok).toBe(true)
  printer.dispose()
  return simulator.lastReceipt!
}

describe('renderReceiptPng', () => {
  it('is deterministic', async () => {
    const r = await printed()
    expect(renderReceiptPng(r).equals(renderReceiptPng(await printed()))).toBe(true)
  })

  it('matches the golden image pixel for pixel (UPDATE_GOLDEN=1 rewrites it)', async () => {
    // Without the font the Chinese would be boxes and the comparison a puzzle; say why instead.
    expect(
      loadUnifont(),
      `${DEFAULT_UNIFONT_PATH} missing: install Debian's unifont package (apt-get install unifont)`,
    ).toBeDefined()
    const png = renderReceiptPng(await printed())
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, png)
    expect(existsSync(GOLDEN), 'golden image missing: run with UPDATE_GOLDEN=1 once').toBe(true)
    const want = pngjs.PNG.sync.read(readFileSync(GOLDEN))
    const got = pngjs.PNG.sync.read(png)
    expect([got.width, got.height]).toEqual([want.width, want.height])
    // Compare pixels, not bytes: a different zlib may compress the same image differently.
    expect(Buffer.compare(got.data, want.data)).toBe(0)
  })

  it('draws Chinese from Unifont in two cells, boxes without the font', () => {
    const line = (text: string, bold = false): PrintedReceipt => ({
      lines: [],
      qrPayloads: [],
      images: 0,
      items: [{ kind: 'line', line: { text, bold, size: { width: 1, height: 1 }, align: 'left' } }],
      at: 0,
      cut: 'partial',
    })
    const ink = (
      bmp: { width: number; height: number; pixels: Uint8Array },
      x0: number,
      x1: number,
    ) => {
      let n = 0
      for (let y = 0; y < bmp.height; y++)
        for (let x = x0; x < x1; x++) n += bmp.pixels[y * bmp.width + x] ?? 0
      return n
    }
    const margin = 16
    // 电 takes columns 0–1 (dots 16–39); the A after it starts at column 2.
    const withFont = renderReceiptBitmap(line('电A'))
    const boxed = renderReceiptBitmap(line('电A'), { unifontPath: '/nonexistent/unifont.hex' })
    expect(ink(withFont, margin, margin + 24)).toBeGreaterThan(0)
    expect(ink(withFont, margin + 24, margin + 36)).toBe(ink(boxed, margin + 24, margin + 36))
    expect(Buffer.compare(withFont.pixels, boxed.pixels)).not.toBe(0)
    // The fallback is the outlined box: ink on the box's edge row, none in its middle.
    const row = (bmp: typeof boxed, y: number) =>
      [...bmp.pixels.subarray(y * bmp.width + margin, y * bmp.width + margin + 24)].join('')
    expect(row(boxed, margin + 2)).toBe('00' + '1'.repeat(20) + '00')
    expect(row(boxed, margin + 12)).toBe('0011' + '0'.repeat(16) + '1100')
    // 电's middle stroke: Unifont row 7, columns 2–12 → dot row 11, dots 3–19 (16 → 24 scaling).
    expect(row(withFont, margin + 11)).toBe('000' + '1'.repeat(17) + '0000')
    // Bold widens, never narrows.
    const bold = renderReceiptBitmap(line('电', true))
    const plain = renderReceiptBitmap(line('电'))
    expect(ink(bold, 0, bold.width)).toBeGreaterThan(ink(plain, 0, plain.width))
    for (let i = 0; i < plain.pixels.length; i++)
      if (plain.pixels[i]) expect(bold.pixels[i]).toBe(1)
  })

  it('draws the QR code as real modules', async () => {
    const r = await printed()
    const bmp = renderReceiptBitmap(r)
    const qrItem = r.items.find((i) => i.kind === 'qr')!
    expect(qrItem.kind === 'qr' && qrItem.moduleSize).toBe(6)
    const matrix = QRCode.create(sampleReceipt.vendId, { errorCorrectionLevel: 'M' }).modules
    const m = 6
    const side = matrix.size * m
    // find the symbol: its top-left finder pattern is the first dark run of 7 modules
    let found: { x: number; y: number } | undefined
    for (let y = 0; y < bmp.height && !found; y++) {
      for (let x = 0; x + 7 * m <= bmp.width; x++) {
        let run = true
        for (let k = 0; k < 7 * m && run; k++) run = bmp.pixels[y * bmp.width + x + k] === 1
        if (
          run &&
          bmp.pixels[y * bmp.width + x - 1] === 0 &&
          bmp.pixels[y * bmp.width + x + 7 * m] === 0
        ) {
          found = { x, y }
          break
        }
      }
    }
    expect(found).toBeDefined()
    const { x, y } = found!
    expect(x + side).toBeLessThan(bmp.width)
    for (let r0 = 0; r0 < matrix.size; r0++) {
      for (let c0 = 0; c0 < matrix.size; c0++) {
        const px = bmp.pixels[(y + r0 * m + m / 2) * bmp.width + x + c0 * m + m / 2]
        expect(px, `module ${r0},${c0}`).toBe(matrix.data[r0 * matrix.size + c0])
      }
    }
    // quiet zone: four modules of white around the symbol
    for (let k = -4 * m; k < 0; k++) expect(bmp.pixels[(y + k) * bmp.width + x]).toBe(0)
  })

  it('renders a raster QR image as printed', async () => {
    const { printer, simulator } = await createSimulatedPrinter()
    await printer.print(renderReceipt(sampleReceipt, { qr: 'raster' }))
    printer.dispose()
    const bmp = renderReceiptBitmap(simulator.lastReceipt!)
    expect(bmp.pixels.some((p) => p)).toBe(true)
  })
})
