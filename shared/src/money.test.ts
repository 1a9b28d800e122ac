import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertFen, formatFen, formatKwh, sumFen } from './money.ts'

describe('money', () => {
  it('formats fen as yuan without floating point', () => {
    expect(formatFen(7000)).toBe('¥70.00')
    expect(formatFen(5)).toBe('¥0.05')
    expect(formatFen(123456789, 'en')).toBe('¥1,234,567.89')
    expect(formatFen(-150)).toBe('-¥1.50')
  })

  it('round-trips every integer amount through its display', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_00 }), (fen) => {
        const shown = formatFen(fen, 'en').replace(/[¥,]/g, '')
        const [yuan, cents] = shown.split('.')
        expect(Number(yuan) * 100 + Number(cents)).toBe(fen)
      }),
    )
  })

  it('refuses fractions of a fen', () => {
    expect(() => assertFen(1.5)).toThrow(RangeError)
    expect(() => assertFen('100')).toThrow(RangeError)
    expect(sumFen([100, 250])).toBe(350)
  })

  it('shows energy rounded down to 0.1 kWh', () => {
    expect(formatKwh(116_600)).toBe('116.6 kWh')
    expect(formatKwh(99)).toBe('0.0 kWh')
  })
})
