/**
 * POST /api/v1/kiosks/collections (kiosk-signed): one closed cash box cycle, what the kiosk's
 * journal says the box holds. Idempotent by cycleId (DESIGN.md, Exactly once): the same body again
 * → the same receipt with duplicate: true; another body with that cycleId → 422.
 */
import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CollectionReceipt, CollectionRequest } from '@gridtill/shared'
import { collectionProblem } from '../../cash/reconciliation.ts'
import { canonicalJson } from '../../canonical-json.ts'
import { Errors, errorResponses } from '../../errors.ts'

/** Sorted-key JSON, so a retry that orders fields differently is still the same collection. */
export function collectionRequestHash(kioskId: string, body: CollectionRequest): string {
  return createHash('sha256').update(canonicalJson({ kioskId, body })).digest('hex')
}

const collectionsRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.post(
    '/kiosks/collections',
    {
      preValidation: app.verifyKiosk,
      config: { access: 'kiosk' },
      schema: {
        tags: ['kiosk'],
        summary: 'Post a closed cash box cycle for the cashier to count (idempotent per cycleId)',
        body: CollectionRequest,
        response: { 200: CollectionReceipt, ...errorResponses(400, 401, 422, 500, 503) },
      },
    },
    async (req) => {
      const kioskId = req.kiosk?.id
      if (kioskId === undefined) throw new Errors.authMissing()
      const problem = collectionProblem(req.body)
      if (problem !== null) throw new Errors.collectionCountsMismatch(problem)
      const { kind, collection } = await app.repo.postCollection({
        kioskId,
        requestHash: collectionRequestHash(kioskId, req.body),
        body: req.body,
        now: app.clock.now(),
      })
      req.log.info(
        {
          collectionId: collection.collectionId,
          cycleId: collection.cycleId,
          expectedFen: collection.expectedFen,
          cashCycle: collection.cashCycle,
          duplicate: kind === 'duplicate',
        },
        kind === 'duplicate' ? 'collection replayed' : 'collection received',
      )
      return {
        collectionId: collection.collectionId,
        cycleId: collection.cycleId,
        duplicate: kind === 'duplicate',
        receivedAt: new Date(collection.receivedAt).toISOString(),
      }
    },
  )
  return Promise.resolve()
}

export default collectionsRoutes
