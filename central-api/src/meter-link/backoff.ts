/**
 * The delivery outbox's retry schedule. A module of its own (no I/O, no Fastify) because the vend
 * transaction records a delivery's first attempt itself (storage/sql/vend-ops.ts) and needs the
 * same first delay as every later claim.
 */
import { randomInt } from 'node:crypto'

export const BACKOFF_BASE_MS = 2_000
export const BACKOFF_CAP_MS = 60_000

/** Delay before attempt n+1 after n attempts: 2 s, 4 s, 8 s … capped at 60 s, with ±10 % jitter. */
export function backoffMs(attempts: number, jitter: (spread: number) => number = (s) => randomInt(-s, s + 1)): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.max(BACKOFF_BASE_MS / 2, base + jitter(Math.floor(base / 10)))
}

/** The delays for attempts 1…8 (the last repeats), jittered afresh for each claim. */
export function backoffTable(): number[] {
  return Array.from({ length: 8 }, (_, i) => backoffMs(i + 1))
}
