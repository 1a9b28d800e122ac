import { describe, expect, it } from 'vitest'
import { crc16Modbus, tokenCrc } from './crc.ts'

describe('CRC (sts.md §1)', () => {
  it('is CRC-16/MODBUS: the catalogue check value of "123456789" is 0x4B37', () => {
    expect(crc16Modbus([...'123456789'].map((c) => c.charCodeAt(0)))).toBe(0x4b37)
  })

  it('gives 0x1970 for the 50 bits of the spec (class 0, subclass 0, RND 5, TID, amount 10000)', () => {
    // 00 0000 0101 110000000010101001010101 0010011100010000
    const rnd = 0b0101
    const tid = 0b110000000010101001010101
    const amount = 0b0010011100010000
    expect(tokenCrc(0, (0 << 28) | (rnd << 24) | tid, amount)).toBe(0x1970)
  })

  it('gives 0xC207 for the class 0 block 0x0B19EB230100 (the IEC worked example)', () => {
    expect(tokenCrc(0, 0x0b19eb23, 0x0100)).toBe(0xc207)
    // The same through the byte-wise function: 7 bytes, then the two bytes swapped.
    const raw = crc16Modbus([0x00, 0x0b, 0x19, 0xeb, 0x23, 0x01, 0x00])
    expect(((raw & 0xff) << 8) | (raw >>> 8)).toBe(0xc207)
  })

  it('covers the class bits', () => {
    expect(tokenCrc(1, 0x0b19eb23, 0x0100)).not.toBe(tokenCrc(0, 0x0b19eb23, 0x0100))
  })
})
