/**
 * The delivery outbox worker: publishes each pending token delivery to its meter and publishes it
 * again, with exponential backoff, until the meter acknowledges it (DESIGN.md, The meter link).
 * The attempt is recorded before the publish, so a crash can only cause one extra publish, and a
 * meter answers a repeated token with USED, which the ack handler treats as delivered.
 */
import { randomInt } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock, TokenDelivery } from '@gridtill/shared'
import type { DeliveryRecord, Repository } from '../storage/repository.ts'
import { OutboxWorker } from './outbox-worker.ts'

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

export interface DeliveryWorkerDeps {
  repo: Repository
  clock: Clock
  log: FastifyBaseLogger
  connected: () => boolean
  publish: (meterNo: string, message: TokenDelivery) => Promise<void>
}

export type DeliveryWorker = OutboxWorker<DeliveryRecord>

export function deliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  return new OutboxWorker<DeliveryRecord>({
    clock: deps.clock,
    log: deps.log,
    connected: deps.connected,
    what: 'token delivery',
    claimDue: (now, limit) => deps.repo.claimDueDeliveries(now, limit, backoffTable()),
    nextDueAt: () => deps.repo.nextDueAt(),
    publish: (d, now) => deps.publish(d.meterNo, { deliveryId: d.id, tokens: d.tokens, sentAt: now }),
    describe: (d) => ({ deliveryId: d.id, vendId: d.vendId, meterNo: d.meterNo }),
  })
}
