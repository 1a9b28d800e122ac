/**
 * CRC-16/MODBUS (reflected polynomial 0xA001, init 0xFFFF, no final xor) — sts.md §1 step 2.
 * The token carries it byte-swapped.
 */
const TABLE = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let c = i
  for (let b = 0; b < 8; b++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1
  TABLE[i] = c
}

function step(crc: number, byte: number): number {
  return (crc >>> 8) ^ (TABLE[(crc ^ byte) & 0xff] as number)
}

export function crc16Modbus(bytes: ArrayLike<number>): number {
  let crc = 0xffff
  for (let i = 0; i < bytes.length; i++) crc = step(crc, bytes[i] as number)
  return crc
}

/**
 * The 16 bits a token carries for `data50 = class(2) ‖ subclass(4) ‖ payload(44)`, given as the
 * class and the top 48 bits of the plain block (`hi` = subclass ‖ payload bits 43..16,
 * `mid16` = payload bits 15..0): CRC-16/MODBUS over the 7 big-endian bytes, then swapped (§1).
 */
export function tokenCrc(tokenClass: number, hi: number, mid16: number): number {
  let crc = step(0xffff, tokenClass & 3)
  crc = step(crc, hi >>> 24)
  crc = step(crc, (hi >>> 16) & 0xff)
  crc = step(crc, (hi >>> 8) & 0xff)
  crc = step(crc, hi & 0xff)
  crc = step(crc, mid16 >>> 8)
  crc = step(crc, mid16 & 0xff)
  return ((crc & 0xff) << 8) | (crc >>> 8)
}
