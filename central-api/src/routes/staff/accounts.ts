/**
 * Staff accounts (admin only): list, create, change name/role, deactivate or reactivate, unlock,
 * reset a password. Each change is audited in its transaction; deactivation and a password reset
 * end the member's open sessions.
 *
 *   GET   /api/v1/staff/accounts
 *   POST  /api/v1/staff/accounts                      { id, name, role, password }
 *   PATCH /api/v1/staff/accounts/:staffId             { name?, role?, active?, unlock? }
 *   POST  /api/v1/staff/accounts/:staffId/password    { password }
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { IsoTime, iso, PersonName, StaffId, StaffRoleSchema, strict } from '../console/schemas.ts'
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from './password.ts'

const ADMIN: readonly StaffRole[] = ['admin']
const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })

export const StaffAccountView = Type.Object(
  {
    id: StaffId,
    name: Type.String(),
    role: StaffRoleSchema,
    active: Type.Boolean(),
    hasPassword: Type.Boolean(),
    failedSignins: Type.Integer({ minimum: 0 }),
    lockedUntil: Type.Union([IsoTime, Type.Null()]),
    openSessions: Type.Integer({ minimum: 0 }),
    createdAt: IsoTime,
  },
  strict,
)
export type StaffAccountView = Static<typeof StaffAccountView>
const Params = Type.Object({ staffId: StaffId }, strict)
const CreateBody = Type.Object({ id: StaffId, name: PersonName, role: StaffRoleSchema, password: Password }, strict)
const PatchBody = Type.Object(
  { name: Type.Optional(PersonName), role: Type.Optional(StaffRoleSchema), active: Type.Optional(Type.Boolean()), unlock: Type.Optional(Type.Literal(true)) },
  { ...strict, minProperties: 1 },
)
const PasswordBody = Type.Object({ password: Password }, strict)

const staffAccountsRoutes: FastifyPluginAsyncTypebox = (app) => {
  const common = { preValidation: app.verifyStaff(ADMIN), config: { staffRoles: ADMIN } }
  const one = async (id: string): Promise<StaffAccountView> => {
    const s = (await app.repo.listStaff()).find((x) => x.id === id)
    if (s === undefined) throw new Error(`staff ${id} vanished`)
    return { ...s, lockedUntil: s.lockedUntil === null || s.lockedUntil <= app.clock.now() ? null : iso(s.lockedUntil), createdAt: iso(s.createdAt) }
  }

  app.get('/staff/accounts', { ...common, schema: { tags: ['staff'], summary: 'Every staff account', response: { 200: Type.Array(StaffAccountView), ...errorResponses(401, 403, 500, 503) } } }, async () => {
    const now = app.clock.now()
    return (await app.repo.listStaff()).map((s) => ({ ...s, lockedUntil: s.lockedUntil === null || s.lockedUntil <= now ? null : iso(s.lockedUntil), createdAt: iso(s.createdAt) }))
  })

  app.post(
    '/staff/accounts',
    { ...common, schema: { tags: ['staff'], summary: 'Create a staff account', body: CreateBody, response: { 201: StaffAccountView, ...errorResponses(400, 401, 403, 409, 500, 503) } } },
    async (req, reply) => {
      const { id, name, role, password } = req.body
      await app.repo.createStaff({ id, name, role, passwordHash: await hashPassword(password), staffId: req.staff!.id, now: app.clock.now() })
      return reply.code(201).send(await one(id))
    },
  )

  app.patch(
    '/staff/accounts/:staffId',
    {
      ...common,
      schema: {
        tags: ['staff'],
        summary: 'Rename, change role, deactivate/reactivate or unlock a staff account',
        params: Params,
        body: PatchBody,
        response: { 200: StaffAccountView, ...errorResponses(400, 401, 403, 404, 422, 500, 503) },
      },
    },
    async (req) => {
      const b = req.body
      await app.repo.updateStaff({
        id: req.params.staffId,
        ...(b.name === undefined ? {} : { name: b.name }),
        ...(b.role === undefined ? {} : { role: b.role }),
        ...(b.active === undefined ? {} : { active: b.active }),
        ...(b.unlock === undefined ? {} : { unlock: b.unlock }),
        staffId: req.staff!.id,
        now: app.clock.now(),
      })
      return one(req.params.staffId)
    },
  )

  app.post(
    '/staff/accounts/:staffId/password',
    {
      ...common,
      schema: {
        tags: ['staff'],
        summary: "Reset a staff member's password (ends their sessions, clears a lock-out)",
        params: Params,
        body: PasswordBody,
        response: { 200: StaffAccountView, ...errorResponses(400, 401, 403, 404, 422, 500, 503) },
      },
    },
    async (req) => {
      await app.repo.updateStaff({ id: req.params.staffId, passwordHash: await hashPassword(req.body.password), staffId: req.staff!.id, now: app.clock.now() })
      return one(req.params.staffId)
    },
  )
  return Promise.resolve()
}

export default staffAccountsRoutes
