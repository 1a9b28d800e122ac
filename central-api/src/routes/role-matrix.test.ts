/**
 * The role × route matrix: every route of the built app (collected with an onRoute hook, so a new
 * route is in the matrix the moment it exists) is called as anonymous and as each staff role,
 * through a console session and through the admin-token path, and must admit exactly whom its
 * classification says. Staff routes are classified by their own `config.staffRoles`; every other
 * route must be listed below (public, kiosk-signed, kiosk-or-admin-token) or the test fails.
 *
 * Auth runs in preValidation, before the body is validated, so an empty body is enough: an admitted
 * caller gets past auth (typically to a 400 or 404), a refused one gets 401/403 from auth.
 */
import type { RouteOptions } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, ManualClock } from '@gridtill/shared'
import { buildApp } from '../app.ts'
import type { RouteAccess } from '../plugins/staff-auth.ts'
import type { StaffRole } from '../storage/repository.ts'
import { staffHeaders, TEST_START, testConfig, testDatabase, type TestDatabase } from '../test-support.ts'
import { consoleSignIn, type ConsoleSession } from './console/testing.ts'

const ROLES: readonly StaffRole[] = ['admin', 'cashier', 'field', 'support', 'auditor']
const DEMO_STAFF_OF: Record<StaffRole, string> = { admin: 'S001', support: 'S002', cashier: 'S003', field: 'S004', auditor: 'S005' }

/** Routes that are not staff routes, each with how it is reached. Add a new one here on purpose. */
const CLASSIFIED: readonly { pattern: RegExp; access: Exclude<RouteAccess, 'staff' | 'session'> }[] = [
  { pattern: /^(GET|HEAD) \/health$/, access: 'public' },
  { pattern: /^(GET|HEAD) \/metrics$/, access: 'public' },
  { pattern: /^(GET|HEAD) \/docs(\/.*)?$/, access: 'public' },
  { pattern: /^(GET|HEAD) \/console(\/\*)?$/, access: 'public' },
  { pattern: /^POST \/api\/v1\/kiosks\/enroll$/, access: 'public' }, // the one-time code in the body is the credential
  { pattern: /^POST \/api\/v1\/kiosks\/(heartbeat|service-events|collections)$/, access: 'kiosk' },
  { pattern: /^(GET|HEAD) \/api\/v1\/cards\/:cardNo(\/history)?$/, access: 'kiosk' },
  { pattern: /^(GET|HEAD) \/api\/v1\/meters\/:meterNo\/account$/, access: 'kiosk' },
  { pattern: /^POST \/api\/v1\/vends(\/quote|\/:vendId\/reprint)?$/, access: 'kiosk' },
  { pattern: /^(GET|HEAD) \/api\/v1\/vends\/:vendId$/, access: 'kiosk' },
  { pattern: /^(GET|HEAD) \/api\/v1\/ledger\/check$/, access: 'kioskOrAdmin' },
  { pattern: /^(GET|HEAD) \/api\/v1\/meters\/:meterNo\/(deliveries|readings)$/, access: 'kioskOrAdmin' },
]

interface Route {
  method: string
  url: string
  staffRoles: readonly StaffRole[] | null
  access: RouteAccess | null
  websocket: boolean
}

type Classification = { kind: 'staff'; roles: readonly StaffRole[] } | { kind: Exclude<RouteAccess, 'staff' | 'session'> }

function classify(r: Route): Classification | null {
  if (r.staffRoles !== null) return { kind: 'staff', roles: r.staffRoles }
  const key = `${r.method} ${r.url}`
  const listed = CLASSIFIED.find((c) => c.pattern.test(key))
  // A route's own config.access counts only when the list agrees: the list is the reviewed record.
  if (listed !== undefined) return { kind: listed.access }
  if (r.access === 'public' || r.access === 'kiosk' || r.access === 'kioskOrAdmin') return { kind: r.access }
  return null
}

type Principal = { kind: 'anonymous' } | { kind: 'session'; role: StaffRole } | { kind: 'token'; role: StaffRole }

function expected(c: Classification, p: Principal): 'allow' | 'deny' {
  switch (c.kind) {
    case 'public':
      return 'allow'
    case 'kiosk':
      return 'deny' // no staff credential opens a kiosk-signed route
    case 'kioskOrAdmin':
      return p.kind === 'token' ? 'allow' : 'deny'
    case 'adminToken':
      return p.kind === 'token' ? 'allow' : 'deny'
    case 'staff':
      return p.kind !== 'anonymous' && c.roles.includes(p.role) ? 'allow' : 'deny'
  }
}

const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, '1').replace(/\*$/, 'index.html')

describe('role × route matrix', () => {
  let db: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  const routes: Route[] = []
  const sessions = new Map<StaffRole, ConsoleSession>()

  beforeAll(async () => {
    db = await testDatabase('sqlite')
    const collect = (r: RouteOptions) => {
      const config = (r.config ?? {}) as { staffRoles?: readonly StaffRole[]; access?: RouteAccess }
      for (const method of [r.method].flat()) {
        routes.push({ method, url: r.url, staffRoles: config.staffRoles ?? null, access: config.access ?? null, websocket: (r as { websocket?: boolean }).websocket === true })
      }
    }
    app = await buildApp({ config: testConfig(db.dir, db.config), clock: new ManualClock(TEST_START), logger: pino({ level: 'silent' }), meterLink: false, onRoute: collect })
    for (const role of ROLES) sessions.set(role, await consoleSignIn(app, DEMO_STAFF_OF[role]))
  }, 60_000)
  afterAll(async () => {
    await app.close()
    await db.drop()
  })

  it('classifies every route: staff routes by config.staffRoles, the rest on the reviewed list', () => {
    const unclassified = routes.filter((r) => classify(r) === null).map((r) => `${r.method} ${r.url}`)
    expect(unclassified, 'routes with neither config.staffRoles nor a place on the list above').toEqual([])
    // Every staff role list names real roles and is not empty (an empty list would admit nobody, by accident).
    for (const r of routes.filter((x) => x.staffRoles !== null)) {
      expect(r.staffRoles!.length, `${r.method} ${r.url}`).toBeGreaterThan(0)
      for (const role of r.staffRoles!) expect(ROLES, `${r.method} ${r.url}`).toContain(role)
    }
  })

  it('admits exactly the classified callers on every route (anonymous, each role by session and by admin token)', async () => {
    const principals: Principal[] = [{ kind: 'anonymous' }, ...ROLES.map((role) => ({ kind: 'session' as const, role })), ...ROLES.map((role) => ({ kind: 'token' as const, role }))]
    // Signing out ends the session the rest of the matrix uses: that route goes last.
    const ordered = [...routes].sort((a, b) => Number(a.method === 'DELETE' && a.url.endsWith('/console/session')) - Number(b.method === 'DELETE' && b.url.endsWith('/console/session')))
    const wrong: string[] = []
    let checks = 0
    for (const r of ordered) {
      const c = classify(r)
      if (c === null) continue
      for (const p of principals) {
        const headers: Record<string, string> =
          p.kind === 'token' ? staffHeaders(DEMO_STAFF_OF[p.role]) : p.kind === 'session' ? { cookie: sessions.get(p.role)!.cookie, 'x-csrf-token': sessions.get(p.role)!.csrf } : {}
        const hasBody = r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH'
        const res = await app.inject({ method: r.method as 'GET', url: concrete(r.url), headers, ...(hasBody ? { payload: {} } : {}) })
        let code: string | undefined
        try {
          code = res.body === '' ? undefined : (res.json<{ code?: string }>().code ?? undefined)
        } catch {
          code = undefined
        }
        const authRefusal = res.statusCode === 401 || (res.statusCode === 403 && (code === undefined || code === ErrorCode.STAFF_FORBIDDEN || code === ErrorCode.STAFF_CSRF))
        const got = authRefusal ? 'deny' : 'allow'
        const want = expected(c, p)
        checks++
        const who = p.kind === 'anonymous' ? 'anonymous' : `${p.kind}:${p.role}`
        if (got !== want) wrong.push(`${r.method} ${r.url} as ${who}: expected ${want}, got ${res.statusCode} ${code ?? ''}`)
      }
    }
    console.info(`role × route matrix: ${routes.length} routes (${routes.filter((r) => r.method !== 'HEAD').length} without the automatic HEADs) × ${principals.length} callers (anonymous + 5 roles by session + 5 by admin token) = ${checks} checks`)
    expect(wrong).toEqual([])
    expect(checks).toBe(routes.length * principals.length)
  }, 120_000)
})
