/**
 * The vend routes (kiosk-signed): quote (nothing recorded), vend (exactly once per vend id),
 * status (with the delivery to the meter), reprint (the stored answer, never a new token).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { QuoteRequest, QuoteResponse, Uuid, VendRequest, VendResponse, VendStatusResponse } from '@gridtill/shared'
import type { DeliveryRecord, VendRecord } from '../../storage/repository.ts'
import { Errors, errorResponses } from '../../errors.ts'

const VendParams = Type.Object({ vendId: Uuid }, { additionalProperties: false })

/**
 * The delivery as the kiosk API states it. A vend without a token (all money to charges or debt)
 * has nothing to deliver: accepted. A voided token (reversed vend) is cancelled, with its reason.
 */
function kioskDeliveryView(vend: VendRecord, d: DeliveryRecord | null): VendStatusResponse['delivery'] {
  if (d === null) {
    const state = vend.response.tokens.length === 0 ? ('accepted' as const) : ('pending' as const)
    return { state, updatedAt: new Date(vend.createdAt).toISOString() }
  }
  return { state: d.state, updatedAt: new Date(d.updatedAt).toISOString(), ...(d.reason === null ? {} : { reason: d.reason }) }
}

const vendsRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.addHook('preValidation', app.verifyKiosk)

  app.post(
    '/vends/quote',
    {
      schema: {
        tags: ['kiosk'],
        summary: 'What an amount would buy now (nothing is recorded)',
        body: QuoteRequest,
        response: { 200: QuoteResponse, ...errorResponses(400, 401, 404, 422, 500, 503) },
      },
    },
    (req) => app.vending.quote(req.body),
  )

  app.post(
    '/vends',
    {
      schema: {
        tags: ['kiosk'],
        summary: 'Vend: money taken at the kiosk becomes an STS token (idempotent per vendId)',
        body: VendRequest,
        response: { 200: VendResponse, ...errorResponses(400, 401, 404, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const kioskId = req.kiosk?.id
      if (kioskId === undefined) throw new Errors.authMissing()
      const { vend, replayed } = await app.vending.vend(kioskId, req.body, req.log)
      if (replayed) {
        req.log.info({ vendId: vend.vendId, receiptNo: vend.response.receiptNo }, 'vend replayed from storage')
        void reply.header('x-gridtill-replayed', '1')
      }
      return vend.response
    },
  )

  app.get(
    '/vends/:vendId',
    {
      schema: {
        tags: ['kiosk'],
        summary: 'A vend and the state of its delivery to the meter',
        params: VendParams,
        response: { 200: VendStatusResponse, ...errorResponses(400, 401, 404, 500) },
      },
    },
    async (req) => {
      const vend = await app.repo.getVend(req.params.vendId)
      if (vend === null) throw new Errors.notFound('No such vend')
      return { vend: vend.response, delivery: kioskDeliveryView(vend, await app.repo.deliveryForVend(vend.vendId)) }
    },
  )

  app.post(
    '/vends/:vendId/reprint',
    {
      schema: {
        tags: ['kiosk'],
        summary: 'The stored vend answer again, for a reprinted receipt (never a new token)',
        params: VendParams,
        response: { 200: VendResponse, ...errorResponses(400, 401, 404, 500) },
      },
    },
    async (req) => {
      const vend = await app.repo.getVend(req.params.vendId)
      if (vend === null) throw new Errors.notFound('No such vend')
      await app.repo.appendAudit({ at: app.clock.now(), actor: `kiosk:${req.kiosk?.id ?? '?'}`, action: 'vend.reprinted', details: { vendId: vend.vendId } })
      req.log.info({ vendId: vend.vendId, receiptNo: vend.response.receiptNo }, 'receipt reprinted')
      return vend.response
    },
  )
  return Promise.resolve()
}

export default vendsRoutes
