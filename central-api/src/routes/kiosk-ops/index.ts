/**
 * Kiosk → central operations for field operations (signed kiosk requests, shared/src/schemas/kiosk-ops.ts):
 *
 *   POST /api/v1/kiosks/heartbeat       HeartbeatRequest → 204   latest state, bounded history, faults, alerts
 *   POST /api/v1/kiosks/service-events  ServiceEventRequest → 204   idempotent by eventId, audited
 *
 * The collections route (same contract file) belongs to cash handling.
 */
import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HeartbeatRequest, ServiceEventRequest } from '@gridtill/shared'
import { canonicalJson } from '../../canonical-json.ts'
import { Errors, errorResponses } from '../../errors.ts'
import { Type } from '@sinclair/typebox'

const NoContent = Type.Null({ description: 'No content' })

const kioskOpsRoutes: FastifyPluginAsyncTypebox = (app) => {
  const kioskOf = (id: string | undefined): string => {
    if (id === undefined) throw new Errors.authMissing()
    return id
  }

  app.post(
    '/kiosks/heartbeat',
    {
      preValidation: app.verifyKiosk,
      config: { access: 'kiosk' },
      schema: {
        tags: ['kiosks'],
        summary: "A kiosk's health: devices, paper, cash box, outbox (every 30 s and at once on a fault)",
        body: HeartbeatRequest,
        response: { 204: NoContent, ...errorResponses(400, 401, 415, 500, 503) },
      },
    },
    async (req, reply) => {
      const kioskId = kioskOf(req.kiosk?.id)
      const changes = await app.fieldOps.heartbeat(kioskId, req.body)
      if (changes.raised.length > 0) req.log.info({ raised: changes.raised.map((a) => a.kind) }, 'heartbeat raised alerts')
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/kiosks/service-events',
    {
      preValidation: app.verifyKiosk,
      config: { access: 'kiosk' },
      schema: {
        tags: ['kiosks'],
        summary: 'A field-staff action at the kiosk, for the audit log (idempotent by eventId)',
        body: ServiceEventRequest,
        response: { 204: NoContent, ...errorResponses(400, 401, 415, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const kioskId = kioskOf(req.kiosk?.id)
      // The contract caps details at 2 KB of JSON; the schema can only bound each value.
      if (Buffer.byteLength(JSON.stringify(req.body.details)) > 2048) throw new Errors.validation('details must be at most 2 KB as JSON')
      const requestHash = createHash('sha256').update(canonicalJson(req.body)).digest('hex')
      const outcome = await app.repo.recordServiceEvent({ kioskId, event: req.body, requestHash, receivedAt: app.clock.now() })
      if (outcome.kind === 'mismatch') throw new Errors.idempotencyMismatch()
      if (outcome.kind === 'recorded') req.log.info({ eventId: req.body.eventId, action: req.body.action, actor: outcome.event.actor }, 'service event recorded')
      return reply.code(204).send(null)
    },
  )
  return Promise.resolve()
}

export default kioskOpsRoutes
