/**
 * Console sign-in and sign-out.
 *
 *   POST   /api/v1/console/session   { staffId, password }  → session cookies + SessionView
 *   GET    /api/v1/console/session                          → SessionView (who is signed in)
 *   DELETE /api/v1/console/session                          → ends the session, clears cookies
 *   POST   /api/v1/console/session/password { currentPassword, newPassword }
 *
 * A failed sign-in says only "ID or password not correct" (an unknown ID costs the same scrypt
 * time as a wrong password); after lockAfter failures in a row the account is locked for lockMs
 * and says so, without checking the password.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { Errors, errorResponses } from '../../errors.ts'
import { CSRF_COOKIE, newToken, SESSION_COOKIE, sha256Hex } from '../../plugins/staff-auth.ts'
import type { StaffSessionRecord } from '../../storage/console-repository.ts'
import type { StaffRecord } from '../../storage/repository.ts'
import { dummyHash, hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from '../staff/password.ts'
import { ALL_ROLES, iso, Ok, SessionView, StaffId, strict } from './schemas.ts'

const SignInBody = Type.Object({ staffId: StaffId, password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }) }, strict)
const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }), newPassword: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }) },
  strict,
)

const view = (staff: StaffRecord, s: Pick<StaffSessionRecord, 'idleExpiresAt' | 'absoluteExpiresAt'>): SessionView => ({
  staff: { id: staff.id, name: staff.name, role: staff.role },
  idleExpiresAt: iso(s.idleExpiresAt),
  absoluteExpiresAt: iso(s.absoluteExpiresAt),
})

function cookieOptions(req: FastifyRequest, httpOnly: boolean) {
  // Strict: the browser never sends these on a request another site starts (CSRF's first wall).
  return { path: '/', httpOnly, sameSite: 'strict' as const, secure: req.protocol === 'https' }
}

const sessionRoutes: FastifyPluginAsyncTypebox = (app) => {
  const policy = app.sessionPolicy

  async function start(req: FastifyRequest, reply: FastifyReply, staff: StaffRecord): Promise<SessionView> {
    const now = app.clock.now()
    const token = newToken()
    const csrf = newToken()
    const session = { idHash: sha256Hex(token), staffId: staff.id, csrfToken: csrf, createdAt: now, lastSeenAt: now, idleExpiresAt: now + policy.idleMs, absoluteExpiresAt: now + policy.absoluteMs }
    await app.repo.openSession(session)
    void reply.setCookie(SESSION_COOKIE, token, cookieOptions(req, true)).setCookie(CSRF_COOKIE, csrf, cookieOptions(req, false))
    req.log.info({ staffId: staff.id }, 'staff signed in')
    return view(staff, session)
  }

  app.post(
    '/console/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['console'],
        summary: 'Sign in with staff ID and password (sets the session and CSRF cookies)',
        body: SignInBody,
        response: { 200: SessionView, ...errorResponses(400, 401, 500, 503) },
      },
    },
    async (req, reply) => {
      const { staffId, password } = req.body
      const cred = await app.repo.getStaffCredentials(staffId)
      if (cred === null || !cred.staff.active || cred.passwordHash === null) {
        await verifyPassword(password, await dummyHash())
        throw new Errors.staffBadCredentials()
      }
      const now = app.clock.now()
      if (cred.lockedUntil !== null && now < cred.lockedUntil) throw new Errors.staffLocked()
      if (!(await verifyPassword(password, cred.passwordHash))) {
        const r = await app.repo.recordFailedSignIn({ staffId, lockAfter: policy.lockAfter, lockMs: policy.lockMs, now: app.clock.now() })
        req.log.warn({ staffId, locked: r.lockedUntil !== null }, 'staff sign-in failed')
        if (r.lockedUntil !== null) throw new Errors.staffLocked()
        throw new Errors.staffBadCredentials()
      }
      return start(req, reply, cred.staff)
    },
  )

  app.get(
    '/console/session',
    {
      preValidation: app.verifyStaff(ALL_ROLES),
      config: { staffRoles: ALL_ROLES },
      schema: { tags: ['console'], summary: 'The signed-in staff member and when the session expires', response: { 200: SessionView, ...errorResponses(401, 403, 500, 503) } },
    },
    (req) => {
      const staff = req.staff!
      const s = req.staffSession
      // The admin-token path has no session: it reports a zero-length one.
      const t = app.clock.now()
      return view(staff, s ?? { idleExpiresAt: t, absoluteExpiresAt: t })
    },
  )

  app.delete(
    '/console/session',
    {
      preValidation: app.verifyStaff(ALL_ROLES),
      config: { staffRoles: ALL_ROLES },
      schema: { tags: ['console'], summary: 'Sign out (ends the session on the server, clears the cookies)', response: { 200: Ok, ...errorResponses(401, 403, 500, 503) } },
    },
    async (req, reply) => {
      if (req.staffSession !== null) {
        await app.repo.endSession({ idHash: req.staffSession.idHash, reason: 'signedOut', actor: `staff:${req.staff!.id}`, now: app.clock.now() })
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' })
      return { ok: true as const }
    },
  )

  app.post(
    '/console/session/password',
    {
      preValidation: app.verifyStaff(ALL_ROLES),
      config: { staffRoles: ALL_ROLES },
      schema: {
        tags: ['console'],
        summary: 'Change your own password (ends your other sessions; this one is renewed)',
        body: ChangePasswordBody,
        response: { 200: SessionView, ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req, reply) => {
      const staff = req.staff!
      const cred = await app.repo.getStaffCredentials(staff.id)
      if (cred?.passwordHash == null || !(await verifyPassword(req.body.currentPassword, cred.passwordHash))) throw new Errors.staffBadCredentials()
      await app.repo.updateStaff({ id: staff.id, passwordHash: await hashPassword(req.body.newPassword), staffId: staff.id, now: app.clock.now() })
      return start(req, reply, staff)
    },
  )
  return Promise.resolve()
}

export default sessionRoutes
