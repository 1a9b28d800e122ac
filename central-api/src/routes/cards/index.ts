/** GET /api/v1/cards/:cardNo — who tapped: a resident (their account) or staff (service mode). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CardLookupResponse, CardNo } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import { loadAccountSummary } from '../../vending/account-summary.ts'

const cardsRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.addHook('preValidation', app.verifyKiosk)

  app.get(
    '/cards/:cardNo',
    {
      schema: {
        tags: ['kiosk'],
        summary: 'Look up a tapped card',
        params: Type.Object({ cardNo: CardNo }, { additionalProperties: false }),
        response: { 200: CardLookupResponse, ...errorResponses(400, 401, 403, 404, 422, 500) },
      },
    },
    async (req) => {
      const card = await app.repo.findCard(req.params.cardNo)
      if (card === null) throw new Errors.cardUnknown()
      if (card.blocked) {
        req.log.warn({ cardNo: card.cardNo }, 'blocked card tapped')
        throw new Errors.cardBlocked()
      }
      if (card.kind === 'staff') return { kind: 'staff' as const, cardNo: card.cardNo, staffName: card.staffName, role: card.staffRole }
      const now = app.clock.now()
      const view = await app.repo.getAccount(card.accountId, now)
      if (view === null) throw new Errors.cardUnknown()
      return { kind: 'resident' as const, cardNo: card.cardNo, account: await loadAccountSummary(app.repo, view, null, now) }
    },
  )
  return Promise.resolve()
}

export default cardsRoutes
