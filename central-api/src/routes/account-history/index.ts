/**
 * GET /api/v1/cards/:cardNo/history — the kiosk's history screen for the card just tapped:
 * recent purchases with their tokens and delivery state, and monthly consumption for a year.
 *
 * Keyed by card number, not account id: the kiosk can read the history only of a card a resident
 * holds in front of it (the reader supplies the number), the same credential the card lookup
 * takes, and a blocked card gets nothing. A typed meter number, printed on a meter in a corridor,
 * proves nothing about who stands at the kiosk, so it opens no history of tokens.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { AccountHistoryResponse, CardNo, meterNoDisplay } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import { lastMonths, monthlyConsumption, sampleInstants } from './monthly.ts'

const strict = { additionalProperties: false } as const
export const DEFAULT_HISTORY_VENDS = 10
const iso = (ms: number) => new Date(ms).toISOString()

const accountHistoryRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.get(
    '/cards/:cardNo/history',
    {
      preValidation: app.verifyKiosk,
      schema: {
        tags: ['kiosk'],
        summary: "A resident card's recent purchases and monthly consumption",
        params: Type.Object({ cardNo: CardNo }, strict),
        // Query strings are text (no coercion): the number of vends is digits, at most 50.
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-4][0-9]|50)$' })) }, strict),
        response: { 200: AccountHistoryResponse, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const card = await app.repo.findCard(req.params.cardNo)
      if (card === null || card.kind !== 'resident') throw new Errors.cardUnknown()
      if (card.blocked) throw new Errors.cardBlocked()
      const now = app.clock.now()
      const account = await app.repo.getAccount(card.accountId, now)
      if (account === null) throw new Errors.cardUnknown()
      const vends = await app.repo.recentVendsForAccount(account.accountId, Number(req.query.limit ?? DEFAULT_HISTORY_VENDS))
      const timeZone = app.config.timeZone
      const spans = lastMonths(timeZone, now)
      const samples = await app.repo.energyRegisterSamples(
        account.meters.map((m) => m.meterNo),
        sampleInstants(spans),
      )
      req.log.info({ accountId: account.accountId, vends: vends.length }, 'card history read')
      return {
        accountId: account.accountId,
        vends: vends.map((v) => ({
          vendId: v.vendId,
          receiptNo: v.receiptNo,
          meterNo: v.meterNo,
          meterNoDisplay: meterNoDisplay(v.meterNo),
          paidAt: iso(v.paidAt),
          amountFen: v.amountFen,
          energyWh: v.energyWh,
          tokens: v.tokens,
          delivery: v.delivery === null ? null : { state: v.delivery.state, reason: v.delivery.reason, updatedAt: iso(v.delivery.updatedAt) },
        })),
        months: monthlyConsumption(spans, samples),
        timeZone,
      }
    },
  )
  return Promise.resolve()
}

export default accountHistoryRoutes
