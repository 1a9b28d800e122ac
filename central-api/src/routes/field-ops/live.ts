/**
 * GET /api/v1/console/field/live — a WebSocket that pushes kiosk health and alert and work-order
 * changes to signed-in staff. The upgrade passes through the same staff check as every console
 * route (preValidation), so a browser's session cookie is the credential. On connect the server
 * sends a snapshot; the console may send {"type":"ping"} (→ pong) or {"type":"refresh"} (→ a new
 * snapshot). Anything else gets an error frame and is otherwise ignored. When the session the socket
 * was opened under ends (sign-out, expiry), the socket gets an error frame and is closed (4401).
 */
import type { FastifyPluginAsync } from 'fastify'
import { ErrorCode } from '@gridtill/shared'
import { Errors } from '../../errors.ts'
import type { LiveMessage } from '../../field-ops/views.ts'
import type { StaffRole } from '../../storage/repository.ts'

/** A console that cannot keep up is dropped (it reconnects and gets a fresh snapshot). */
const MAX_BUFFERED_BYTES = 1024 * 1024
const MAX_MESSAGE_BYTES = 1024
const SESSION_RECHECK_MS = 30_000

export type ClientMessage = { type: 'ping' } | { type: 'refresh' }

/** Parses a console → server frame; null for anything that is not exactly one of ClientMessage. */
export function parseClientMessage(raw: string): ClientMessage | null {
  if (raw.length > MAX_MESSAGE_BYTES) return null
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const keys = Object.keys(v)
  if (keys.length !== 1 || keys[0] !== 'type') return null
  const type = (v as { type: unknown }).type
  return type === 'ping' || type === 'refresh' ? { type } : null
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host
  } catch {
    return false
  }
}

export const liveSocket: FastifyPluginAsync<{ roles: readonly StaffRole[] }> = (app, opts) => {
  app.get(
    '/console/field/live',
    {
      websocket: true,
      // A browser always sends Origin on a WebSocket: only our own pages may open this one (the
      // SameSite=Strict cookie already stops other sites; this holds if that is ever relaxed).
      onRequest: (req, _reply, done) => {
        const origin = req.headers.origin
        done(origin === undefined || sameHost(origin, req.headers.host) ? undefined : new Errors.staffForbidden())
      },
      preValidation: app.verifyStaff(opts.roles),
      config: { staffRoles: opts.roles },
      schema: { tags: ['field operations'], summary: 'WebSocket: live kiosk health, alerts and work orders (JSON messages)' },
    },
    (socket, req) => {
      const send = (msg: LiveMessage) => {
        if (socket.readyState !== socket.OPEN) return
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'too slow')
          return
        }
        socket.send(JSON.stringify(msg))
      }
      const stillSignedIn = async (idHash: string): Promise<boolean> => {
        const found = await app.repo.getSession(idHash).catch(() => null)
        const now = app.clock.now()
        return found !== null && found.session.endedAt === null && found.session.idleExpiresAt > now && found.session.absoluteExpiresAt > now && found.staff.active
      }
      const snapshot = async () => {
        const [fleet, alerts] = await Promise.all([app.fieldOps.fleet(), app.fieldOps.openAlerts()])
        send({ type: 'snapshot', fleet, alerts })
      }
      // Subscribed before the snapshot is read, so nothing falls between the two.
      const unsubscribe = app.fieldOps.subscribe(send)
      // A socket outlives the request that opened it: it closes when the session it was opened
      // under ends (sign-out, expiry, staff deactivated), checked on the injected clock.
      const sessionHash = req.staffSession?.idHash
      const checkSession = async (): Promise<boolean> => {
        if (sessionHash === undefined || (await stillSignedIn(sessionHash))) return true
        send({ type: 'error', code: ErrorCode.STAFF_UNAUTHENTICATED, message: 'The session has ended; sign in again' })
        socket.close(4401, 'session ended')
        return false
      }
      const recheck = sessionHash === undefined ? null : setInterval(() => void checkSession(), SESSION_RECHECK_MS).unref()
      const stop = () => {
        unsubscribe()
        if (recheck !== null) clearInterval(recheck)
      }
      socket.on('close', stop)
      socket.on('error', stop)
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        const msg = isBinary ? null : parseClientMessage(data.toString('utf8'))
        if (msg === null) {
          send({ type: 'error', code: ErrorCode.WS_BAD_MESSAGE, message: 'Expected {"type":"ping"} or {"type":"refresh"}' })
          return
        }
        // Every client message is also a moment to notice that the session has ended.
        void checkSession().then((ok) => {
          if (!ok) return
          if (msg.type === 'ping') send({ type: 'pong' })
          else snapshot().catch((err: unknown) => req.log.warn({ err }, 'field-ops live snapshot failed'))
        })
      })
      snapshot().catch((err: unknown) => req.log.warn({ err }, 'field-ops live snapshot failed'))
      req.log.info({ subscribers: app.fieldOps.subscribers }, 'field-ops live socket opened')
    },
  )
  return Promise.resolve()
}
