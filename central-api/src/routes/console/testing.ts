/**
 * Test helper: sign in through the real route and carry the cookies and CSRF header as a browser
 * would. Not imported by production code.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { API_PREFIX } from '@gridtill/shared'
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '../../plugins/staff-auth.ts'
import { DEMO_CONSOLE_STAFF } from './demo-staff.ts'

export interface ConsoleSession {
  staffId: string
  cookie: string
  csrf: string
  /** Injects with the session's cookies (and the CSRF header unless `csrf: false`). */
  request(o: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse>
}

export function demoPassword(staffId: string): string {
  const s = DEMO_CONSOLE_STAFF.find((x) => x.id === staffId)
  if (s === undefined) throw new Error(`no demo staff ${staffId}`)
  return s.password
}

export async function consoleSignIn(app: FastifyInstance, staffId: string, password = demoPassword(staffId)): Promise<ConsoleSession> {
  const res = await app.inject({ method: 'POST', url: `${API_PREFIX}/console/session`, payload: { staffId, password } })
  if (res.statusCode !== 200) throw new Error(`sign-in of ${staffId} failed: ${res.statusCode} ${res.body}`)
  const jar = new Map(res.cookies.map((c) => [c.name, c.value]))
  const token = jar.get(SESSION_COOKIE)
  const csrf = jar.get(CSRF_COOKIE)
  if (token === undefined || csrf === undefined) throw new Error('sign-in set no cookies')
  const cookie = `${SESSION_COOKIE}=${token}; ${CSRF_COOKIE}=${csrf}`
  return {
    staffId,
    cookie,
    csrf,
    request: (o) => {
      const { csrf: withCsrf = true, headers, ...rest } = o
      return app.inject({ ...rest, headers: { cookie, ...(withCsrf ? { [CSRF_HEADER]: csrf } : {}), ...(headers as Record<string, string> | undefined) } } as InjectOptions)
    },
  }
}
