/** Helpers for the cash handling tests: collection bodies and posting them as a signed kiosk. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { API_PREFIX, uuidv7, type CollectionRequest } from '@gridtill/shared'
import { signed, type TestKiosk } from '../test-support.ts'

export const CASHIER = 'S003'
export const ADMIN_STAFF = 'S001'
export const SUPPORT = 'S002'

export function collectionBody(
  now: number,
  counts: { valueFen: number; count: number }[],
  overrides: Partial<CollectionRequest> = {},
): CollectionRequest {
  const live = counts.filter((c) => c.count > 0)
  return {
    cycleId: uuidv7(now),
    sealNo: `SEAL-${String(now % 100_000).padStart(5, '0')}`,
    openedAt: new Date(now - 86_400_000).toISOString(),
    closedAt: new Date(now).toISOString(),
    staffCardNo: '9900000101',
    noteCount: live.reduce((s, c) => s + c.count, 0),
    totalFen: live.reduce((s, c) => s + c.valueFen * c.count, 0),
    counts: live as CollectionRequest['counts'],
    suspectNotes: [],
    ...overrides,
  }
}

export function postCollection(
  app: FastifyInstance,
  kiosk: TestKiosk,
  body: unknown,
): Promise<LightMyRequestResponse> {
  return signed(app, kiosk, { method: 'POST', url: `${API_PREFIX}/kiosks/collections`, body })
}
