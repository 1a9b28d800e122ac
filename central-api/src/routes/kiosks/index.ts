/** POST /api/v1/kiosks/enroll — unsigned; the one-time code is the credential. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EnrollRequest, EnrollResponse } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import { enrollKiosk } from '../../plugins/kiosk-auth.ts'

const kiosksRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.post(
    '/kiosks/enroll',
    {
      schema: {
        tags: ['kiosks'],
        summary: 'Enrol a kiosk: bind its Ed25519 public key with a one-time code',
        body: EnrollRequest,
        response: { 200: EnrollResponse, ...errorResponses(400, 401, 500) },
      },
    },
    async (req) => {
      const outcome = await enrollKiosk(app.repo, req.body.enrollmentCode, req.body.publicKey, app.clock.now())
      if (!outcome.ok) {
        if (outcome.reason === 'badKey') throw new Errors.validation('publicKey must be an Ed25519 public key, SPKI DER, base64')
        req.log.warn('enrolment refused: bad or used code')
        throw new Errors.enrollBadCode()
      }
      const k = outcome.kiosk
      req.log.info({ kioskId: k.id }, 'kiosk enrolled')
      return { kioskId: k.id, name: k.name, siteName: k.siteName, location: k.location }
    },
  )
  return Promise.resolve()
}

export default kiosksRoutes
