/**
 * Staff authentication for every staff route: `preValidation: app.verifyStaff([...roles])` sets
 * `req.staff` or refuses (deny by default: no session, an ended or expired one, an inactive
 * member or a role not listed is refused before the handler runs).
 *
 * Two ways in:
 * - The console: a session cookie (httpOnly, SameSite=Strict) naming a server-side session with
 *   an idle and an absolute expiry, so sign-out, deactivation and password resets end it at once.
 *   Every state-changing request must also carry the session's CSRF token in x-csrf-token; the
 *   console reads it from the gt_csrf cookie (synchronizer token delivered by cookie: the server
 *   compares the header with the token stored in the session, not with the cookie).
 * - Scripts and tests: the deployment's admin token plus x-gridtill-staff naming the member who
 *   acts. Kept because the token is a deployment secret equivalent to database access (it already
 *   enrols kiosks), operators' scripts and the system tests use it, and it still names a real,
 *   active member with a role, so deny-by-default, roles and audit attribution hold. Browsers
 *   never send it on their own, so it needs no CSRF token. Leaving ADMIN_TOKEN unset switches it off.
 */
import fastifyCookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import type { StaffSessionRecord } from '../storage/console-repository.ts'
import type { Repository, StaffRecord, StaffRole } from '../storage/repository.ts'
import { ADMIN_TOKEN_HEADER, adminTokenMatches } from './kiosk-auth.ts'

export const STAFF_HEADER = 'x-gridtill-staff'
export const SESSION_COOKIE = 'gt_session'
export const CSRF_COOKIE = 'gt_csrf'
export const CSRF_HEADER = 'x-csrf-token'
const STAFF_ID_RE = /^[A-Za-z0-9_-]{1,64}$/
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number
  /** Failed sign-ins in a row that lock the account… */
  lockAfter: number
  /** …for this long. */
  lockMs: number
}

/** 30 minutes idle, 12 hours at most (one shift), 5 failures lock for 15 minutes. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, lockAfter: 5, lockMs: 15 * 60_000 }
/** The idle expiry is written back at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000

/** How a route is reached; the role × route matrix test reads it with staffRoles. */
export type RouteAccess = 'public' | 'kiosk' | 'kioskOrAdmin' | 'adminToken' | 'session' | 'staff'

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member acting, once verified. */
    staff: StaffRecord | null
    /** The console session behind req.staff; null for the admin-token path. */
    staffSession: StaffSessionRecord | null
  }
  interface FastifyInstance {
    /** preValidation hook: a session (or the admin token) of an active staff member with one of `roles`. */
    verifyStaff: (roles: readonly StaffRole[]) => (req: FastifyRequest, reply: FastifyReply) => Promise<void>
    sessionPolicy: SessionPolicy
  }
  interface FastifyContextConfig {
    /** The roles verifyStaff admits on this route (the matrix test checks every route against them). */
    staffRoles?: readonly StaffRole[]
    /** Routes that are not staff routes say how they are reached instead. */
    access?: RouteAccess
  }
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex')
export const newToken = (): string => randomBytes(32).toString('base64url')

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const staffAuthPlugin = fp<{ repo: Repository; adminToken: string | undefined; clock?: Clock; policy?: SessionPolicy }>(
  async (app, opts) => {
    if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie)
    const policy = opts.policy ?? DEFAULT_SESSION_POLICY
    const now = (): number => (opts.clock ?? (app as { clock?: Clock }).clock)?.now() ?? Date.now()
    app.decorate('sessionPolicy', policy)
    app.decorateRequest('staff', null)
    app.decorateRequest('staffSession', null)

    async function viaAdminToken(req: FastifyRequest, token: string): Promise<StaffRecord> {
      const staffId = req.headers[STAFF_HEADER]
      if (typeof staffId !== 'string') throw new Errors.staffUnauthenticated()
      if (opts.adminToken === undefined || !adminTokenMatches(token, opts.adminToken) || !STAFF_ID_RE.test(staffId)) throw new Errors.staffUnauthenticated()
      const staff = await opts.repo.findStaff(staffId)
      if (staff === null || !staff.active) throw new Errors.staffUnauthenticated()
      return staff
    }

    async function viaSession(req: FastifyRequest): Promise<{ staff: StaffRecord; session: StaffSessionRecord }> {
      const token = req.cookies[SESSION_COOKIE]
      if (token === undefined || !TOKEN_RE.test(token)) throw new Errors.staffUnauthenticated()
      const found = await opts.repo.getSession(sha256Hex(token))
      const t = now()
      if (found === null || found.session.endedAt !== null || t >= found.session.idleExpiresAt || t >= found.session.absoluteExpiresAt || !found.staff.active) {
        throw new Errors.staffUnauthenticated()
      }
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.headers[CSRF_HEADER]
        if (typeof sent !== 'string' || !sameText(sent, found.session.csrfToken)) throw new Errors.staffCsrf()
      }
      if (t - found.session.lastSeenAt >= TOUCH_EVERY_MS) {
        const idle = Math.min(t + policy.idleMs, found.session.absoluteExpiresAt)
        await opts.repo.touchSession(found.session.idHash, t, idle)
      }
      return found
    }

    app.decorate('verifyStaff', (roles: readonly StaffRole[]) => async (req: FastifyRequest) => {
      const token = req.headers[ADMIN_TOKEN_HEADER]
      let staff: StaffRecord
      if (typeof token === 'string') {
        staff = await viaAdminToken(req, token)
      } else {
        const s = await viaSession(req)
        staff = s.staff
        req.staffSession = s.session
      }
      if (!roles.includes(staff.role)) throw new Errors.staffForbidden()
      req.staff = staff
      req.log = req.log.child({ staffId: staff.id })
    })
  },
  { name: 'staff-auth' },
)
