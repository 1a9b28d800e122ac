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

/**
 * Random bytes are drawn 4 KiB at a time: one getRandomValues call costs about as much as the
 * rest of an id, and a vend mints several ids (its transfers, its delivery, its audit row).
 */
const POOL_BYTES = 4096
const pool = new Uint8Array(POOL_BYTES)
let poolAt = POOL_BYTES
const bytes = new Uint8Array(16)

function fillRandom(): void {
  if (poolAt + 16 > POOL_BYTES) {
    crypto.getRandomValues(pool)
    poolAt = 0
  }
  bytes.set(pool.subarray(poolAt, poolAt + 16))
  // Spent bytes are cleared so they can never be handed out twice.
  pool.fill(0, poolAt, poolAt + 16)
  poolAt += 16
}

/** A UUIDv7 for `nowMs` (defaults to Date.now()); monotonic within one process. */
export function uuidv7(nowMs: number = Date.now()): string {
  fillRandom()
  // 12-bit counter in rand_a keeps ids minted in the same millisecond in order (RFC 9562 §6.2 method 1).
  if (nowMs <= lastMs) {
    nowMs = lastMs
    lastSeq = (lastSeq + 1) & 0xfff
    if (lastSeq === 0) nowMs = ++lastMs
  } else {
    lastSeq = ((bytes[6] ?? 0) & 0x07) << 8 | (bytes[7] ?? 0)
  }
  lastMs = nowMs
  // 48-bit milliseconds, big-endian, without BigInt (exact: nowMs < 2^53).
  const high = Math.floor(nowMs / 2 ** 32)
  const low = nowMs >>> 0
  bytes[0] = (high >>> 8) & 0xff
  bytes[1] = high & 0xff
  bytes[2] = low >>> 24
  bytes[3] = (low >>> 16) & 0xff
  bytes[4] = (low >>> 8) & 0xff
  bytes[5] = low & 0xff
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
