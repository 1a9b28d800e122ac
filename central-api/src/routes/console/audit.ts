/**
 * The audit log for auditors: newest entries first with filters, and the chain check.
 *
 *   GET /api/v1/console/audit?beforeSeq=&actor=&action=&limit=
 *   GET /api/v1/console/audit/verify
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { IsoTime, iso, strict } from './schemas.ts'

const READERS: readonly StaffRole[] = ['admin', 'auditor']

const Query = Type.Object(
  {
    beforeSeq: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._-]+$' })),
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$' })),
  },
  strict,
)
const Entry = Type.Object(
  { seq: Type.Integer(), at: IsoTime, actor: Type.String(), action: Type.String(), details: Type.Unknown(), prevHash: Type.String(), hash: Type.String() },
  strict,
)
export const ChainStatus = Type.Object({ ok: Type.Boolean(), entries: Type.Integer(), brokenAt: Type.Union([Type.Integer(), Type.Null()]), checkedAt: IsoTime }, strict)

const auditRoutes: FastifyPluginAsyncTypebox = (app) => {
  const common = { preValidation: app.verifyStaff(READERS), config: { staffRoles: READERS } }
  app.get(
    '/console/audit',
    {
      ...common,
      schema: {
        tags: ['console'],
        summary: 'Audit log entries, newest first (filter by actor, action prefix; page with beforeSeq)',
        querystring: Query,
        response: { 200: Type.Object({ entries: Type.Array(Entry), nextBeforeSeq: Type.Union([Type.Integer(), Type.Null()]) }, strict), ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req) => {
      const q = req.query
      const limit = q.limit === undefined ? 100 : Number(q.limit)
      const rows = await app.repo.listAudit({ beforeSeq: q.beforeSeq === undefined ? null : Number(q.beforeSeq), actor: q.actor ?? null, action: q.action ?? null, limit })
      return {
        entries: rows.map((r) => ({ seq: r.seq, at: iso(r.at), actor: r.actor, action: r.action, details: JSON.parse(r.details) as unknown, prevHash: r.prevHash, hash: r.hash })),
        nextBeforeSeq: rows.length === limit ? (rows.at(-1)?.seq ?? null) : null,
      }
    },
  )

  app.get(
    '/console/audit/verify',
    { ...common, schema: { tags: ['console'], summary: 'Recompute the hash chain over the whole audit log', response: { 200: ChainStatus, ...errorResponses(401, 403, 500, 503) } } },
    async () => ({ ...(await app.repo.verifyAuditChain()), checkedAt: iso(app.clock.now()) }),
  )
  return Promise.resolve()
}

export default auditRoutes
