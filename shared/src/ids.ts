/**
 * UUIDv7 (RFC 9562): time-ordered ids for notes, vends and deliveries, minted where the intent
 * begins and kept forever. Uses Web Crypto's getRandomValues, present in Node ≥ 20 and browsers.
 */
interface RandomSource {
  getRandomValues<T extends ArrayBufferView>(array: T): T
}
declare const crypto: RandomSource

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

let lastMs = -1
let lastSeq = 0

/** A UUIDv7 for `nowMs` (defaults to Date.now()); monotonic within one process. */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  // 12-bit counter in rand_a keeps ids minted in the same millisecond in order (RFC 9562 §6.2 method 1).
  if (nowMs <= lastMs) {
    nowMs = lastMs
    lastSeq = (lastSeq + 1) & 0xfff
    if (lastSeq === 0) nowMs = ++lastMs
  } else {
    lastSeq = ((bytes[6] ?? 0) & 0x07) << 8 | (bytes[7] ?? 0)
  }
  lastMs = nowMs
  const ms = BigInt(nowMs)
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  bytes[6] = 0x70 | ((lastSeq >> 8) & 0x0f)
  bytes[7] = lastSeq & 0xff
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  let s = ''
  for (let i = 0; i < 16; i++) {
    s += HEX[bytes[i] ?? 0]
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-'
  }
  return s
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
const UUID_RE = new RegExp(UUID_PATTERN)

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s)
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16)
}
