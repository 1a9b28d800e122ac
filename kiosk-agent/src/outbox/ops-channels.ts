import type { CollectionReceipt } from '@gridtill/shared'
import type { CentralClient } from '../central-client/central-client.ts'
import type { Journal } from '../journal/journal.ts'
import type { OpsChannel } from './ops-outbox.ts'

/** Collections (closed cash box cycles) and service events, each from its journal table to its route. */
export function createOpsChannels(journal: Journal, central: Pick<CentralClient, 'postCollection' | 'postServiceEvent'>): OpsChannel[] {
  return [
    {
      name: 'collection',
      pending: () => journal.collectionsToSend(),
      post: (body) => central.postCollection(body),
      attempted: (id, why) => journal.markCollectionAttempt(id, why),
      // 200, also with duplicate: true (the central already had it from an attempt whose answer was lost).
      posted: (id, answer) => journal.markCollectionPosted(id, answer as CollectionReceipt),
      failed: (id, code, message) => journal.markCollectionFailed(id, code, message),
    },
    {
      name: 'serviceEvent',
      pending: () => journal.pendingServiceEvents(),
      post: (body) => central.postServiceEvent(body),
      attempted: (id, why) => journal.markServiceEventAttempt(id, why),
      posted: (id) => journal.markServiceEvent(id, 'posted'),
      failed: (id, code, message) => journal.markServiceEvent(id, 'failed', `${code}: ${message}`),
    },
  ]
}
