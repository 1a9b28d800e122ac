import { describe, expect, it } from 'vitest'
import { EscPosEncoder, encodeText, qrBitmap, textColumns } from './encoder.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim()
const enc = (): EscPosEncoder => new EscPosEncoder()

describe('EscPosEncoder', () => {
  it('init is ESC @', () => {
    expect(hex(enc().init().encode())).toBe('1b 40')
  })

  it('sends 电费 as GB18030 inside FS & … FS .', () => {
    expect(hex(enc().text('电费').encode())).toBe('1c 26 b5 e7 b7 d1 1c 2e')
  })

  it('sends ASCII raw and switches mode per run', () => {
    expect(hex(encodeText('A电B'))).toBe('41 1c 26 b5 e7 1c 2e 42')
    expect(hex(enc().line('Hi').encode())).toBe('48 69 0a')
  })

  it('prints the yuan sign as the GBK full-width ￥ (A3 A4), never the 4-byte GB18030 form', () => {
    expect(hex(encodeText('¥7'))).toBe('1c 26 a3 a4 1c 2e 37')
    expect(textColumns('¥70.00')).toBe(7)
    expect(textColumns('电费 ok')).toBe(7)
  })

  it('drops control characters inside text', () => {
    expect(hex(encodeText('a\x1bb\n'))).toBe('61 62')
  })

  it('encodes bold, size, alignment and feed', () => {
    expect(hex(enc().bold().bold(false).encode())).toBe('1b 45 01 1b 45 00')
    expect(hex(enc().size(2, 2).size(1).size(2, 1).encode())).toBe('1d 21 11 1d 21 00 1d 21 10')
    expect(hex(enc().align('left').align('center').align('right').encode())).toBe(
      '1b 61 00 1b 61 01 1b 61 02',
    )
    expect(hex(enc().feed(3).encode())).toBe('1b 64 03')
    expect(() => enc().size(9)).toThrow(RangeError)
  })

  it('encodes a QR code with GS ( k model 2: model, size, EC, store, print', () => {
    expect(hex(enc().qr('ABC', { moduleSize: 6, errorLevel: 'M' }).encode())).toBe(
      [
        '1d 28 6b 04 00 31 41 32 00', // model 2
        '1d 28 6b 03 00 31 43 06', // module size 6
        '1d 28 6b 03 00 31 45 31', // EC level M
        '1d 28 6b 06 00 31 50 30 41 42 43', // store 3 bytes: pL = 3 + 3
        '1d 28 6b 03 00 31 51 30', // print
      ].join(' '),
    )
  })

  it('stores a long QR payload with pH set', () => {
    const out = enc().qr('x'.repeat(300)).encode()
    // store header follows the 9 + 8 + 8 bytes of model, size and EC
    expect(hex(out.subarray(25, 33))).toBe('1d 28 6b 2f 01 31 50 30') // 303 = 0x012f
  })

  it('encodes partial cut as GS V 1, or GS V 66 n with feed', () => {
    expect(hex(enc().cut().encode())).toBe('1d 56 01')
    expect(hex(enc().cut({ feed: 3 }).encode())).toBe('1d 56 42 03')
    expect(hex(enc().cut({ full: true }).encode())).toBe('1d 56 00')
  })

  it('encodes a raster image with GS v 0, rows padded to whole bytes', () => {
    const image = {
      width: 10,
      height: 2,
      pixels: Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    }
    expect(hex(enc().raster(image).encode())).toBe('1d 76 30 00 02 00 02 00 80 c0 00 40')
  })

  it('rejects a raster image wider than 80 mm paper', () => {
    expect(() => enc().raster({ width: 600, height: 1, pixels: new Uint8Array(600) })).toThrow(
      RangeError,
    )
  })

  it('draws a raster QR from the qrcode matrix with a quiet zone', () => {
    const bmp = qrBitmap('GRIDTILL', { moduleSize: 2 })
    // version 1 = 21 modules + 2 × 4 quiet
    expect(bmp.width).toBe((21 + 8) * 2)
    expect(bmp.pixels.subarray(0, bmp.width * 8).some((p) => p)).toBe(false)
    const raster = enc().qrRaster('GRIDTILL', { moduleSize: 2 }).encode()
    expect(hex(raster.subarray(0, 8))).toBe(`1d 76 30 00 08 00 ${(58).toString(16)} 00`)
  })
})
