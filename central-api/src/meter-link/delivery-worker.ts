/**
 * The delivery outbox worker: publishes each pending token delivery to its meter and publishes it
 * again, with exponential backoff, until the meter acknowledges it (DESIGN.md, The meter link).
 * The attempt is recorded before the publish, so a crash can only cause one extra publish, and a
 * meter answers a repeated token with USED, which the ack handler treats as delivered.
 *
 * The first attempt is recorded by the vend's own transaction (attempts = 1, next attempt one
 * backoff later), and the vend hands the committed row to publishNow: no claim write stands
 * between a vend and its token leaving. If the process dies before that publish, the row falls
 * due at its next attempt and the poll publishes it then.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Clock, TokenDelivery } from '@gridtill/shared'
import type { DeliveryRecord, Repository } from '../storage/repository.ts'
import { backoffTable } from './backoff.ts'
import { OutboxWorker } from './outbox-worker.ts'


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
