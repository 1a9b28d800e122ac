import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EscPosEncoder } from './encoder.ts'
import { EscPosParser, type EscPosEvent } from './parser.ts'

const parseAll = (bytes: Uint8Array, chunk = bytes.length || 1): EscPosEvent[] => {
  const p = new EscPosParser()
  const out: EscPosEvent[] = []
  for (let i = 0; i < bytes.length; i += chunk) out.push(...p.push(bytes.subarray(i, i + chunk)))
  return out
}

describe('EscPosParser', () => {
  const job = new EscPosEncoder()
    .init()
    .align('center')
    .bold()
    .size(2, 2)
    .line('电费 ¥70.00')
    .size(1)
    .bold(false)
    .align('left')
    .text('A')
    .text('中')
    .line('B')
    .qr('vend-1', { moduleSize: 4, errorLevel: 'Q' })
    .feed(2)
    .cut({ feed: 3 })
    .encode()

  it('turns a job into lines with styles, QR payloads and a cut', () => {
    expect(parseAll(job)).toEqual([
      { type: 'init' },
      {
        type: 'line',
        line: { text: '电费 ￥70.00', bold: true, size: { width: 2, height: 2 }, align: 'center' },
      },
      {
        type: 'line',
        line: { text: 'A中B', bold: false, size: { width: 1, height: 1 }, align: 'left' },
      },
      { type: 'qr', payload: 'vend-1', moduleSize: 4, errorLevel: 'Q', align: 'left' },
      { type: 'feed', lines: 2 },
      { type: 'cut', full: false },
    ])
  })

  it('gives the same events however the bytes are split', () => {
    const whole = parseAll(job)
    for (const chunk of [1, 2, 3, 5, 7, 13]) expect(parseAll(job, chunk)).toEqual(whole)
  })

  it('answers real-time queries in order, even mid-line', () => {
    const bytes = Uint8Array.from([
      0x41, 0x10, 0x04, 0x04, 0x42, 0x0a, 0x1d, 0x72, 0x01, 0x10, 0x05, 0x02,
    ])
    expect(parseAll(bytes, 1)).toEqual([
      { type: 'statusQuery', n: 4 },
      { type: 'line', line: expect.objectContaining({ text: 'AB' }) as object },
      { type: 'paperSensorQuery' },
      { type: 'recover', n: 2 },
    ])
  })

  it('wraps a line longer than the paper, like a printer', () => {
    const events = parseAll(new EscPosEncoder().size(2, 1).line('x'.repeat(30)).encode())
    expect(events.map((e) => e.type === 'line' && e.line.text)).toEqual([
      'x'.repeat(24),
      'x'.repeat(6),
    ])
  })

  it('reads ESC ! print mode and full cuts, and skips commands it does not render', () => {
    const bytes = Uint8Array.from([
      0x1b, 0x21, 0x38, 0x1b, 0x2d, 0x01, 0x1d, 0x42, 0x01, 0x1b, 0x74, 0x00, 0x43, 0x0a, 0x1d,
      0x56, 0x00,
    ])
    expect(parseAll(bytes)).toEqual([
      {
        type: 'line',
        line: { text: 'C', bold: true, size: { width: 2, height: 2 }, align: 'left' },
      },
      { type: 'cut', full: true },
    ])
  })

  it('reports unknown commands and carries on', () => {
    expect(parseAll(Uint8Array.from([0x1b, 0x99, 0x44, 0x0a]))).toEqual([
      { type: 'unknown', bytes: Uint8Array.from([0x1b, 0x99]) },
      { type: 'line', line: expect.objectContaining({ text: 'D' }) as object },
    ])
  })

  it('records a raster image', () => {
    const events = parseAll(new EscPosEncoder().qrRaster('x', { moduleSize: 1 }).encode())
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ type: 'image', image: { width: 32, height: 29 } })
  })

  it('never throws on random bytes (seeded)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 16 }),
        (bytes, chunk) => {
          parseAll(bytes, chunk)
        },
      ),
      { seed: 4242, numRuns: 2000 },
    )
  })
})
