import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatToken,
  fromDigits,
  normalizeToken,
  toDigits,
  transpose,
  untranspose,
} from './layout.ts'

const asBig = (n: { top: number; hi: number; lo: number }): bigint =>
  (BigInt(n.top) << 64n) | (BigInt(n.hi) << 32n) | BigInt(n.lo)
const u32 = fc.integer({ min: 0, max: 0xffff_ffff })

describe('20 digits (sts.md §1)', () => {
  it('prints any 66-bit number as 20 zero-padded digits and reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), u32, u32, (top, hi, lo) => {
        const digits = toDigits(top, hi, lo)
        expect(digits).toBe(asBig({ top, hi, lo }).toString().padStart(20, '0'))
        expect(fromDigits(digits)).toEqual({ top, hi, lo })
      }),
      { numRuns: 3000 },
    )
  })

  it('knows the edges', () => {
    expect(toDigits(0, 0, 0)).toBe('00000000000000000000')
    expect(toDigits(3, 0xffff_ffff, 0xffff_ffff)).toBe('73786976294838206463')
    expect(fromDigits('73786976294838206463')).toEqual({ top: 3, hi: 0xffff_ffff, lo: 0xffff_ffff })
    expect(() => fromDigits('73786976294838206464')).toThrow(/66 bits/)
    expect(() => fromDigits('99999999999999999999')).toThrow(/66 bits/)
    expect(() => fromDigits('1234')).toThrow(/20/)
  })

  it('transposes the class into bits 28/27 and the block bits 28/27 into 65/64', () => {
    const t = transpose(2, 0x0123_4567, 0x1800_0000)
    expect(t).toEqual({ top: 3, hi: 0x0123_4567, lo: 0x1000_0000 })
    expect(untranspose(t)).toEqual({ tokenClass: 2, hi: 0x0123_4567, lo: 0x1800_0000 })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), u32, u32, (c, hi, lo) => {
        expect(untranspose(transpose(c, hi, lo))).toEqual({ tokenClass: c, hi, lo })
      }),
    )
  })

  it('formats and normalises the way people write tokens', () => {
    expect(formatToken('23716100501183194197')).toBe('2371 6100 5011 8319 4197')
    expect(normalizeToken(' 2371 6100-5011 8319 4197 ')).toBe('23716100501183194197')
    expect(() => formatToken('2371610050118319419')).toThrow(
      expect.objectContaining({ code: 'ERR_STS_INPUT' }),
    )
    expect(() => normalizeToken('2371610050118319419x')).toThrow()
  })
})
