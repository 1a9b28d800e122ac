/**
 * Reversals and refunds (a console session, or admin token + x-gridtill-staff): one staff member asks, with a reason;
 * a different one approves, which posts the balancing transfers in one transaction (or rejects).
 *
 *   POST /api/v1/staff/reversals                     { vendId, reason }
 *   POST /api/v1/staff/refunds                       { accountId, amountFen, reason }
 *   GET  /api/v1/staff/requests/:requestId
 *   POST /api/v1/staff/requests/:requestId/approve
 *   POST /api/v1/staff/requests/:requestId/reject    { note }
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { uuidv7, Uuid } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRequestRecord, StaffRole } from '../../storage/repository.ts'
import staffAccountsRoutes from './accounts.ts'

const strict = { additionalProperties: false } as const
const Reason = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })
const AccountId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })

const ReversalRequest = Type.Object({ vendId: Uuid, reason: Reason }, strict)
const RefundRequest = Type.Object({ accountId: AccountId, amountFen: Type.Integer({ minimum: 1, maximum: 100_000_000 }), reason: Reason }, strict)
const RejectRequest = Type.Object({ note: Reason }, strict)
const RequestParams = Type.Object({ requestId: Uuid }, strict)

export const StaffRequestView = Type.Object(
  {
    requestId: Uuid,
    kind: Type.Union([Type.Literal('vend.reversal'), Type.Literal('wallet.refund')]),
    state: Type.Union([Type.Literal('requested'), Type.Literal('approved'), Type.Literal('rejected')]),
    vendId: Type.Union([Uuid, Type.Null()]),
    accountId: Type.String(),
    amountFen: Type.Integer({ minimum: 1 }),
    reason: Type.String(),
    requestedBy: Type.String(),
    requestedAt: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    decisionNote: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
)
export type StaffRequestView = Static<typeof StaffRequestView>

const REQUESTERS: readonly StaffRole[] = ['admin', 'support', 'cashier']
const DECIDERS: readonly StaffRole[] = ['admin', 'cashier']
const READERS: readonly StaffRole[] = ['admin', 'support', 'cashier', 'auditor']

const iso = (ms: number) => new Date(ms).toISOString()

function view(r: StaffRequestRecord): StaffRequestView {
  return {
    requestId: r.id,
    kind: r.kind,
    state: r.state,
    vendId: r.vendId,
    accountId: r.accountId,
    amountFen: r.amountFen,
    reason: r.reason,
    requestedBy: r.requestedBy,
    requestedAt: iso(r.requestedAt),
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt === null ? null : iso(r.decidedAt),
    decisionNote: r.decisionNote,
  }
}

const staffRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(staffAccountsRoutes)
  const actor = (staffId: string | undefined): string => {
    if (staffId === undefined) throw new Errors.staffUnauthenticated()
    return staffId
  }

  app.post(
    '/staff/reversals',
    {
      preValidation: app.verifyStaff(REQUESTERS),
      config: { staffRoles: REQUESTERS },
      schema: {
        tags: ['staff'],
        summary: 'Ask for a vend to be reversed (its token not yet accepted by the meter)',
        body: ReversalRequest,
        response: { 201: StaffRequestView, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const now = app.clock.now()
      const r = await app.repo.requestReversal({ requestId: uuidv7(now), vendId: req.body.vendId, reason: req.body.reason, staffId: actor(req.staff?.id), now })
      req.log.info({ requestId: r.id, vendId: r.vendId }, 'reversal requested')
      return reply.code(201).send(view(r))
    },
  )

  app.post(
    '/staff/refunds',
    {
      preValidation: app.verifyStaff(REQUESTERS),
      config: { staffRoles: REQUESTERS },
      schema: {
        tags: ['staff'],
        summary: "Ask for (part of) a customer's wallet to be refunded",
        body: RefundRequest,
        response: { 201: StaffRequestView, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const now = app.clock.now()
      const r = await app.repo.requestRefund({ requestId: uuidv7(now), accountId: req.body.accountId, amountFen: req.body.amountFen, reason: req.body.reason, staffId: actor(req.staff?.id), now })
      req.log.info({ requestId: r.id, accountId: r.accountId, amountFen: r.amountFen }, 'refund requested')
      return reply.code(201).send(view(r))
    },
  )

  app.get(
    '/staff/requests/:requestId',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: { tags: ['staff'], summary: 'A reversal or refund request', params: RequestParams, response: { 200: StaffRequestView, ...errorResponses(400, 401, 403, 404, 500, 503) } },
    },
    async (req) => {
      const r = await app.repo.getStaffRequest(req.params.requestId)
      if (r === null) throw new Errors.notFound('No such request')
      return view(r)
    },
  )

  app.post(
    '/staff/requests/:requestId/approve',
    {
      preValidation: app.verifyStaff(DECIDERS),
      config: { staffRoles: DECIDERS },
      schema: {
        tags: ['staff'],
        summary: 'Approve and carry out a request (a different staff member from the one who asked)',
        params: RequestParams,
        response: { 200: StaffRequestView, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (req) => {
      const r = await app.repo.approveRequest({ requestId: req.params.requestId, staffId: actor(req.staff?.id), now: app.clock.now() })
      req.log.info({ requestId: r.id, kind: r.kind, vendId: r.vendId, accountId: r.accountId, amountFen: r.amountFen }, 'request approved and carried out')
      return view(r)
    },
  )

  app.post(
    '/staff/requests/:requestId/reject',
    {
      preValidation: app.verifyStaff(DECIDERS),
      config: { staffRoles: DECIDERS },
      schema: {
        tags: ['staff'],
        summary: 'Reject a request',
        params: RequestParams,
        body: RejectRequest,
        response: { 200: StaffRequestView, ...errorResponses(400, 401, 403, 404, 409, 500, 503) },
      },
    },
    async (req) => {
      const r = await app.repo.rejectRequest({ requestId: req.params.requestId, staffId: actor(req.staff?.id), note: req.body.note, now: app.clock.now() })
      req.log.info({ requestId: r.id, kind: r.kind }, 'request rejected')
      return view(r)
    },
  )
}

export default staffRoutes
