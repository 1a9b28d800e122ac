/**
 * Staff actions until the console issue brings sign-in: the admin token proves the caller is the
 * back office, and x-gridtill-staff names the staff member acting (who must exist, be active and
 * hold one of the route's roles; deny by default). Every action is audited under that name, and
 * requests that move money need a second, different staff member to approve.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Errors } from '../errors.ts'
import type { Repository, StaffRecord, StaffRole } from '../storage/repository.ts'
import { ADMIN_TOKEN_HEADER, adminTokenMatches } from './kiosk-auth.ts'

export const STAFF_HEADER = 'x-gridtill-staff'
const STAFF_ID_RE = /^[A-Za-z0-9_-]{1,64}$/

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member acting, once verified. */
    staff: StaffRecord | null
  }
  interface FastifyInstance {
    /** preValidation hook: the admin token and an active staff member with one of `roles`. */
    verifyStaff: (roles: readonly StaffRole[]) => (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export const staffAuthPlugin = fp<{ repo: Repository; adminToken: string | undefined }>(
  (app, opts, done) => {
    app.decorateRequest('staff', null)
    app.decorate('verifyStaff', (roles: readonly StaffRole[]) => async (req: FastifyRequest) => {
      const token = req.headers[ADMIN_TOKEN_HEADER]
      const staffId = req.headers[STAFF_HEADER]
      if (typeof token !== 'string' || typeof staffId !== 'string') throw new Errors.staffUnauthenticated()
      if (opts.adminToken === undefined || !adminTokenMatches(token, opts.adminToken) || !STAFF_ID_RE.test(staffId)) throw new Errors.staffUnauthenticated()
      const staff = await opts.repo.findStaff(staffId)
      if (staff === null || !staff.active) throw new Errors.staffUnauthenticated()
      if (!roles.includes(staff.role)) throw new Errors.staffForbidden()
      req.staff = staff
      req.log = req.log.child({ staffId: staff.id })
    })
    done()
  },
  { name: 'staff-auth' },
)
