/** GET /health (ready or not, and why) and GET /metrics (Prometheus text); both unsigned. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../errors.ts'

const HealthResponse = Type.Object(
  {
    ready: Type.Boolean(),
    checks: Type.Object({ db: Type.Boolean(), broker: Type.Boolean() }, { additionalProperties: false }),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
)

const healthRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Readiness with reasons', response: { 200: HealthResponse, 503: HealthResponse, ...errorResponses(500) } } },
    async (_req, reply) => {
      const db = await app.repo.ping()
      const link = app.meterLink
      const broker = link === null ? true : link.brokerUp() && link.connected
      const reasons: string[] = []
      if (!db) reasons.push('database not answering')
      if (link !== null && !link.brokerUp()) reasons.push('MQTT broker not reachable')
      else if (link !== null && !link.connected) reasons.push('meter link not connected to the broker')
      const ready = db && broker
      return reply.code(ready ? 200 : 503).send({ ready, checks: { db, broker }, reasons })
    },
  )

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: Type.String(), ...errorResponses(500) } } },
    async (_req, reply) => {
      const [deliveryOutboxDepth, kiosksEnrolled] = await Promise.all([app.repo.outboxDepth(), app.repo.countEnrolledKiosks()])
      const text = app.metrics.render({ deliveryOutboxDepth, kiosksEnrolled, storage: app.repo.storageStats() })
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text)
    },
  )
  return Promise.resolve()
}

export default healthRoutes
