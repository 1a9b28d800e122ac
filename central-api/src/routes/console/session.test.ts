/**
 * Console sign-in: scrypt passwords, lock-out, server-side sessions with idle and absolute
 * expiry, CSRF on every state-changing request, sign-out and revocation; every staff action audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '@gridtill/shared'
import { CSRF_COOKIE, CSRF_HEADER, DEFAULT_SESSION_POLICY, SESSION_COOKIE } from '../../plugins/staff-auth.ts'
import { ENGINES, makeApp, staffHeaders, type TestApp } from '../../test-support.ts'
import { hashPassword, verifyPassword } from '../staff/password.ts'
import { DEMO_CONSOLE_STAFF } from './demo-staff.ts'
import { consoleSignIn } from './testing.ts'

const SESSION = `${API_PREFIX}/console/session`
const ACCOUNTS = `${API_PREFIX}/staff/accounts`

describe('password hashing', () => {
  it('uses scrypt with the stated parameters and rejects wrong or malformed hashes', async () => {
    const h = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 })
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(await verifyPassword('correct horse battery', h)).toBe(true)
    expect(await verifyPassword('correct horse batterY', h)).toBe(false)
    expect(await verifyPassword('x', 'scrypt$3$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA')).toBe(false) // N not a power of two
    expect(await verifyPassword('x', 'md5$abc')).toBe(false)
    // The demo hashes are real production-parameter hashes of the documented passwords.
    const admin = DEMO_CONSOLE_STAFF[0]!
    expect(admin.passwordHash.startsWith('scrypt$131072$8$1$')).toBe(true)
    expect(await verifyPassword(admin.password, admin.passwordHash)).toBe(true)
  })
})

describe.each(ENGINES)('console sessions on %s', (engine) => {
  let t: TestApp
  beforeAll(async () => {
    t = await makeApp({ engine })
  })
  afterAll(() => t.close())

  const auditActions = async () => (await t.app.repo.listAudit({ beforeSeq: null, actor: null, action: 'staff.', limit: 500 })).map((e) => e.action)

  it('signs in with httpOnly SameSite=Strict cookies and answers who is signed in', async () => {
    const res = await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S001', password: 'demo-admin-pass' } })
    expect(res.statusCode, res.body).toBe(200)
    const session = res.cookies.find((c) => c.name === SESSION_COOKIE)!
    const csrf = res.cookies.find((c) => c.name === CSRF_COOKIE)!
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(csrf.httpOnly).toBeUndefined()
    expect(session.value).not.toBe(csrf.value)
    const me = await t.app.inject({ method: 'GET', url: SESSION, headers: { cookie: `${SESSION_COOKIE}=${session.value}` } })
    expect(me.json()).toMatchObject({ staff: { id: 'S001', role: 'admin' } })
    expect(await auditActions()).toContain('staff.signedIn')
  })

  it('refuses a wrong password and an unknown id alike, and locks after 5 failures', async () => {
    const bad = await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S003', password: 'wrong' } })
    const unknown = await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S999', password: 'wrong' } })
    expect(bad.json()).toMatchObject({ statusCode: 401, code: 'ERR_STAFF_UNAUTHENTICATED', message: 'Staff ID or password is not correct' })
    expect(unknown.json()).toEqual(bad.json())
    for (let i = 2; i <= DEFAULT_SESSION_POLICY.lockAfter - 1; i++) {
      expect((await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S003', password: 'wrong' } })).json()).toMatchObject({ code: 'ERR_STAFF_UNAUTHENTICATED' })
    }
    expect((await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S003', password: 'wrong' } })).json()).toMatchObject({ code: 'ERR_STAFF_LOCKED' })
    // Locked: even the right password is refused until the lock-out ends.
    expect((await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S003', password: 'demo-cashier-pass' } })).json()).toMatchObject({ code: 'ERR_STAFF_LOCKED' })
    expect(await auditActions()).toContain('staff.locked')
    t.clock.advance(DEFAULT_SESSION_POLICY.lockMs)
    await consoleSignIn(t.app, 'S003')
  })

  it('asks every state-changing request for the CSRF token of its own session', async () => {
    const admin = await consoleSignIn(t.app, 'S001')
    const other = await consoleSignIn(t.app, 'S002')
    const body = { id: 'S100', name: '新员工 New', role: 'field', password: 'a-long-password-1' }
    expect((await admin.request({ method: 'POST', url: ACCOUNTS, payload: body, csrf: false })).json()).toMatchObject({ statusCode: 403, code: 'ERR_STAFF_CSRF' })
    expect((await admin.request({ method: 'POST', url: ACCOUNTS, payload: body, headers: { [CSRF_HEADER]: other.csrf } })).json()).toMatchObject({ code: 'ERR_STAFF_CSRF' })
    // The cookie alone (what a forged cross-site form would carry at best) is not enough either.
    expect((await t.app.inject({ method: 'POST', url: ACCOUNTS, payload: body, headers: { cookie: admin.cookie } })).statusCode).toBe(403)
    const ok = await admin.request({ method: 'POST', url: ACCOUNTS, payload: body })
    expect(ok.statusCode, ok.body).toBe(201)
    // GETs need no token.
    expect((await admin.request({ method: 'GET', url: ACCOUNTS, csrf: false })).statusCode).toBe(200)
  })

  it('ends sessions when idle, at the absolute limit, on sign-out and on deactivation', async () => {
    const idle = await consoleSignIn(t.app, 'S002')
    t.clock.advance(DEFAULT_SESSION_POLICY.idleMs - 1000)
    expect((await idle.request({ method: 'GET', url: SESSION })).statusCode).toBe(200) // slides the idle expiry
    t.clock.advance(DEFAULT_SESSION_POLICY.idleMs - 1000)
    expect((await idle.request({ method: 'GET', url: SESSION })).statusCode).toBe(200)
    t.clock.advance(DEFAULT_SESSION_POLICY.idleMs + 1)
    expect((await idle.request({ method: 'GET', url: SESSION })).json()).toMatchObject({ statusCode: 401 })

    const long = await consoleSignIn(t.app, 'S002')
    for (let used = 0; used < DEFAULT_SESSION_POLICY.absoluteMs; used += DEFAULT_SESSION_POLICY.idleMs / 2) {
      t.clock.advance(DEFAULT_SESSION_POLICY.idleMs / 2)
      await long.request({ method: 'GET', url: SESSION })
    }
    expect((await long.request({ method: 'GET', url: SESSION })).statusCode).toBe(401)

    const out = await consoleSignIn(t.app, 'S002')
    const del = await out.request({ method: 'DELETE', url: SESSION })
    expect(del.statusCode).toBe(200)
    expect(del.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('')
    expect((await out.request({ method: 'GET', url: SESSION })).statusCode).toBe(401)

    const victim = await consoleSignIn(t.app, 'S002')
    const admin = await consoleSignIn(t.app, 'S001')
    const off = await admin.request({ method: 'PATCH', url: `${ACCOUNTS}/S002`, payload: { active: false } })
    expect(off.json()).toMatchObject({ id: 'S002', active: false, openSessions: 0 })
    expect((await victim.request({ method: 'GET', url: SESSION })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S002', password: 'demo-support-pass' } })).statusCode).toBe(401)
    // The admin-token path refuses an inactive member too.
    expect((await t.app.inject({ method: 'GET', url: SESSION, headers: staffHeaders('S002') })).statusCode).toBe(401)
    expect((await admin.request({ method: 'PATCH', url: `${ACCOUNTS}/S002`, payload: { active: true } })).json()).toMatchObject({ active: true })
  })

  it('lets an admin change a role (effective at once), reset a password and unlock; audits each', async () => {
    const admin = await consoleSignIn(t.app, 'S001')
    const support = await consoleSignIn(t.app, 'S002')
    expect((await support.request({ method: 'GET', url: ACCOUNTS })).statusCode).toBe(403)
    await admin.request({ method: 'PATCH', url: `${ACCOUNTS}/S002`, payload: { role: 'auditor' } })
    expect((await support.request({ method: 'GET', url: `${API_PREFIX}/console/audit` })).statusCode).toBe(200)
    const reset = await admin.request({ method: 'POST', url: `${ACCOUNTS}/S002/password`, payload: { password: 'fresh-password-22' } })
    expect(reset.statusCode, reset.body).toBe(200)
    // A reset ends the member's sessions; the new password works, the old does not.
    expect((await support.request({ method: 'GET', url: SESSION })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'POST', url: SESSION, payload: { staffId: 'S002', password: 'demo-support-pass' } })).statusCode).toBe(401)
    await consoleSignIn(t.app, 'S002', 'fresh-password-22')
    // Too short a password, an unknown role, and demoting oneself are refused.
    expect((await admin.request({ method: 'POST', url: `${ACCOUNTS}/S002/password`, payload: { password: 'short' } })).statusCode).toBe(400)
    expect((await admin.request({ method: 'PATCH', url: `${ACCOUNTS}/S002`, payload: { role: 'root' } })).statusCode).toBe(400)
    expect((await admin.request({ method: 'PATCH', url: `${ACCOUNTS}/S001`, payload: { role: 'support' } })).json()).toMatchObject({ statusCode: 422 })
    const updates = (await t.app.repo.listAudit({ beforeSeq: null, actor: 'staff:S001', action: 'staff.updated', limit: 50 })).map((e) => JSON.parse(e.details) as Record<string, unknown>)
    expect(updates.some((d) => d.passwordReset === true && d.staffId === 'S002')).toBe(true)
    expect(JSON.stringify(updates)).not.toContain('scrypt$')
    expect(await t.app.repo.verifyAuditChain()).toMatchObject({ ok: true })
  })
})
