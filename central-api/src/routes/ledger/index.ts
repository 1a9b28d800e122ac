/**
 * GET /api/v1/ledger/check — proves debits equal credits, every vend's legs match its breakdown,
 * every token was paid for, reversals, refunds and cash collections balance, and cached balances
 * equal the ledger's.
 * The same check runs from the command line: central-api/src/cli/ledger-check.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../errors.ts'

export const LedgerCheckResponse = Type.Object(
  {
    balanced: Type.Boolean(),
    totalDebitsFen: Type.Integer(),
    totalCreditsFen: Type.Integer(),
    transfers: Type.Integer(),
    vends: Type.Integer(),
    vendsWithoutTransfer: Type.Integer(),
    vendsUnbalanced: Type.Integer(),
    tokensWithoutTransfer: Type.Integer(),
    reversalsUnbalanced: Type.Integer(),
    refundsUnbalanced: Type.Integer(),
    walletsMismatched: Type.Integer(),
    arrearsMismatched: Type.Integer(),
    collectionsUnbalanced: Type.Integer(),
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
