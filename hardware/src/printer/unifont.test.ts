import { describe, expect, it } from 'vitest'
import { DEFAULT_UNIFONT_PATH, loadUnifont, parseUnifont } from './unifont.ts'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const rows = (g: { width: number; pixels: Uint8Array } | undefined): string[] => {
  if (!g) return []
  const out: string[] = []
  for (let r = 0; r * g.width < g.pixels.length; r++)
    out.push([...g.pixels.subarray(r * g.width, (r + 1) * g.width)].join(''))
  return out
}

// Made-up glyphs (not Unifont's): a half-width 'A' with a bar and a corner dot, and a full-width
// frame with a thicker bottom-left corner.
const A = `0041:00FF${'81'.repeat(5)}18${'81'.repeat(5)}C1FF00`
const FRAME = `4E00:FFFF${'8001'.repeat(13)}C001FFFF`

describe('parseUnifont', () => {
  it('decodes half- and full-width glyphs, rows top to bottom, high bit leftmost', () => {
    const font = parseUnifont(bytes(`${A}\n${FRAME}\n`))
    expect(font.size).toBe(2)
    const a = font.glyph('A')
    expect([a?.width, a?.height]).toEqual([8, 16])
    expect(rows(a).slice(0, 3)).toEqual(['00000000', '11111111', '10000001'])
    expect(rows(a)[7]).toBe('00011000')
    expect(rows(a)[13]).toBe('11000001')
    const f = font.glyph('一')
    expect([f?.width, f?.height]).toEqual([16, 16])
    expect(rows(f)[0]).toBe('1'.repeat(16))
    expect(rows(f)[1]).toBe('1' + '0'.repeat(14) + '1')
    expect(rows(f)[14]).toBe('11' + '0'.repeat(13) + '1')
  })

  it('has no glyph for a code point the file lacks', () => {
    const font = parseUnifont(bytes(`${A}\n`))
    expect(font.glyph('B')).toBeUndefined()
    expect(font.glyph('')).toBeUndefined()
  })

  it('skips malformed lines and reads CRLF and a missing final newline', () => {
    const font = parseUnifont(
      bytes(`# comment\n0042:1234\nzz:${'0'.repeat(32)}\n\n0043:${'G'.repeat(32)}\r\n${A}`),
    )
    expect(font.size).toBe(2) // 0043 has the right length; its digits are checked on decode
    expect(font.glyph('B')).toBeUndefined()
    expect(font.glyph('C')).toBeUndefined()
    expect(rows(font.glyph('A'))[7]).toBe('00011000')
    const crlf = parseUnifont(bytes(`${A}\r\n${FRAME}\r\n`))
    expect(crlf.glyph('一')?.width).toBe(16)
  })

  it('finds glyphs in an unsorted file; the last line for a code point wins', () => {
    const font = parseUnifont(bytes(`${FRAME}\n0041:${'F'.repeat(32)}\n${A}\n`))
    expect(font.size).toBe(2)
    expect(rows(font.glyph('A'))[7]).toBe('00011000')
    expect(font.glyph('一')?.width).toBe(16)
  })
})

describe('loadUnifont', () => {
  it('is undefined, not an error, when the file is missing', () => {
    expect(loadUnifont('/nonexistent/unifont.hex')).toBeUndefined()
  })

  it("reads Debian's file once (install the unifont package if this fails)", () => {
    const font = loadUnifont()
    expect(font, `${DEFAULT_UNIFONT_PATH} missing: install Debian's unifont package`).toBeDefined()
    expect(loadUnifont()).toBe(font)
    expect(font!.size).toBeGreaterThan(50_000)
    expect(font!.glyph('电')?.width).toBe(16)
    expect(font!.glyph('\uffe5')?.width).toBe(16)
    expect(font!.glyph('A')?.width).toBe(8)
  })
})
