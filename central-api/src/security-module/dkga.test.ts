import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { DkgaParams } from './dkga.ts'
import { deriveDecoderKey, dkga02, dkga04, dkga04Data } from './dkga.ts'

const VK02 = Buffer.from('abababababababab', 'hex')
const VK04 = Buffer.from('abababababababab949494949494949401234567', 'hex')
const META: DkgaParams = {
  pan: '600727000000000009',
  kt: 2,
  sgc: '123456',
  ti: '01',
  krn: 1,
  ea: '07',
  baseDate: 1993,
}

describe('DKGA02 (sts.md §8)', () => {
  it('derives the spec example e653341f9d5bf36f', () => {
    expect(dkga02(VK02, META)).toBe(0xe653341f9d5bf36fn)
  })

  it('derives the compliance-test key for the second PAN', () => {
    expect(dkga02(VK02, { ...META, pan: '000001000000000082' })).toBe(0xe94023262e9993c2n)
  })

  it('zeroes the DRN for KT=3 (common keys), so the meter number does not matter', () => {
    const a = dkga02(VK02, { ...META, kt: 3, pan: '600727000000000009' })
    const b = dkga02(VK02, { ...META, kt: 3, pan: '600727123456789017' })
    expect(a).toBe(b)
    expect(dkga02(VK02, { ...META, kt: 2, pan: '600727123456789017' })).not.toBe(a)
  })

  it('refuses MISTY1, a wrong-length vending key and malformed parameters', () => {
    expect(() => dkga02(VK02, { ...META, ea: '11' })).toThrow(/STA/)
    expect(() => dkga02(VK04, META)).toThrow(/64-bit/)
    expect(() => dkga02(VK02, { ...META, pan: '60072700000000000' })).toThrow(/pan/)
    expect(() => dkga02(VK02, { ...META, krn: 0 })).toThrow(/krn/)
    expect(() => dkga02(VK02, { ...META, kt: 4 })).toThrow(/kt/)
    expect(() => dkga02(VK02, { ...META, sgc: '12345' })).toThrow(/sgc/)
    expect(() => dkga02(VK02, { ...META, ti: '1' })).toThrow(/ti/)
  })
})

describe('DKGA04 (sts.md §8)', () => {
  const p: DkgaParams = { ...META, sgc: '123457', ea: '11' }

  it('builds the data block byte for byte', () => {
    expect(dkga04Data(p).toString('hex')).toBe(
      '04023034023933023131023031000406313233343537013201311236303037323730303030303030303030303900000080',
    )
  })

  it('derives the spec example f94b6ed353c3bfdb113e2d3a7ea3c41d (MISTY1)', () => {
    expect(dkga04(VK04, p)).toBe(0xf94b6ed353c3bfdb113e2d3a7ea3c41dn)
  })

  it.each([
    [1993, 1, '07', 0xaa4baa8749c10d27n],
    [2014, 4, '07', 0x9dc0722c29a6cc0cn],
    [2035, 5, '07', 0xb08205e074afc5d6n],
    [2014, 4, '11', 0xdaa892189d08e738dfded73924c87f32n],
    [2035, 5, '11', 0x92666e9f0478a17770614c1c5fce9d46n],
  ] as const)('base date %i, KRN %i, EA %s', (baseDate, krn, ea, dk) => {
    expect(dkga04(VK04, { ...p, baseDate, krn, ea })).toBe(dk)
  })

  it('needs a 160-bit vending key', () => {
    expect(() => dkga04(VK02, p)).toThrow(/160-bit/)
  })
})

describe('deriveDecoderKey', () => {
  it('returns an StsKey whose dk stays out of JSON and inspect output', () => {
    const key = deriveDecoderKey('02', VK02, META)
    expect(key.ea).toBe('07')
    expect(key.dk).toBe(0xe653341f9d5bf36fn)
    expect(JSON.stringify(key)).toBe('{"ea":"07"}')
    expect(inspect(key)).not.toMatch(/e653341f9d5bf36f|16597263426015351663/i)
    expect(Object.keys(key)).toEqual(['ea'])
  })

  it('refuses an unknown DKGA', () => {
    expect(() => deriveDecoderKey('03' as '02', VK02, META)).toThrow(/dkga/)
  })
})
