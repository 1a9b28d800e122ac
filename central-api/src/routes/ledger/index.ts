/** GET /api/v1/ledger/check — proves debits equal credits and every vend has its ledger legs. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../errors.ts'

export const LedgerCheckResponse = Type.Object(
  {
    balanced: Type.Boolean(),
    totalDebitsFen: Type.Integer(),
    totalCreditsFen: Type.Integer(),
    vendsWithoutTransfer: Type.Integer(),
    walletsMismatched: Type.Integer(),
  },
  { additionalProperties: false },
)

const ledgerRoutes: FastifyPluginAsyncTypebox = (app) => {
  // TODO(console issue): staff sessions with the auditor role replace the shared admin token.
  app.get(
    '/ledger/check',
    {
      preValidation: app.verifyKioskOrAdmin,
      schema: { tags: ['admin'], summary: 'Ledger soundness check', response: { 200: LedgerCheckResponse, ...errorResponses(400, 401, 500) } },
    },
    () => app.repo.ledgerCheck(),
  )
  return Promise.resolve()
}

export default ledgerRoutes
