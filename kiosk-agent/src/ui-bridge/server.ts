import fs from 'node:fs'
import path from 'node:path'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import fastifyWebsocket from '@fastify/websocket'
import type { Logger } from 'pino'
import { AGENT_WS_PATH, ErrorCode, type ServerMessage } from '@gridtill/shared'
import type { IntentHandler } from './intents.ts'
import type { SnapshotHub } from './snapshot-hub.ts'

export interface HealthReport {
  ready: boolean
  reasons: string[]
  [k: string]: unknown
}

export interface UiBridgeDeps {
  log: Logger
  /** The built kiosk UI (index.html and panel.html). */
  uiDist: string
  hub: SnapshotHub
  handleMessage: IntentHandler
  health: () => HealthReport
  metrics: () => string
  /** Extra routes (the simulator panel's /sim API in simulated mode). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[]
}

/**
 * The agent's HTTP face on localhost: the kiosk screen and the simulator panel (static), the one
 * WebSocket, /health and /metrics. Built without listening so tests can inject or listen on port 0.
 */
export async function buildUiBridge(deps: UiBridgeDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.log.child({ component: 'ui-bridge' })
  const app = Fastify({
    loggerInstance: logger,
    // Screens poll nothing, but the panel and the tests call /sim often; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    // DESIGN.md, Security: no coercion, no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  })

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
    if (status >= 500) deps.log.error({ err }, 'request failed')
    const code = err.validation ? ErrorCode.VALIDATION : status < 500 ? (err.code?.startsWith('ERR_') ? err.code : ErrorCode.VALIDATION) : ErrorCode.INTERNAL
    void reply.status(status).send({
      statusCode: status,
      code,
      error: status >= 500 ? 'Internal Server Error' : 'Bad Request',
      message: status >= 500 ? 'internal error' : err.message,
    })
  })

  await app.register(fastifyWebsocket, {
    // Bigger than the protocol's limit so an oversize intent gets our error rather than a dropped socket.
    options: { maxPayload: 64 * 1024 },
  })

  app.get(AGENT_WS_PATH, { websocket: true }, (socket) => {
    const send = (m: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m))
    }
    send({ type: 'snapshot', view: deps.hub.forNewClient() })
    const off = deps.hub.subscribe((view) => send({ type: 'snapshot', view }))
    socket.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      let reply: ServerMessage | null
      try {
        reply = deps.handleMessage(raw)
      } catch (err) {
        deps.log.error({ err }, 'intent handling failed')
        reply = { type: 'error', intentId: null, code: ErrorCode.INTERNAL, message: 'internal error' }
      }
      if (reply) send(reply)
    })
    socket.on('close', off)
    socket.on('error', off)
  })

  app.get('/health', (_req, reply) => {
    const h = deps.health()
    void reply.status(h.ready ? 200 : 503).send(h)
  })
  app.get('/metrics', (_req, reply) => {
    void reply.type('text/plain; version=0.0.4').send(deps.metrics())
  })

  for (const p of deps.plugins ?? []) await p(app)

  const uiDist = path.resolve(deps.uiDist)
  if (fs.existsSync(path.join(uiDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: uiDist, prefix: '/', index: ['index.html'] })
    // The panel page uses relative asset paths ('./assets/…'), so /panel/ serves the same folder.
    await app.register(fastifyStatic, { root: uiDist, prefix: '/panel/', index: ['panel.html'], decorateReply: false })
    app.get('/panel', (_req, reply) => reply.redirect('/panel/'))
  } else {
    deps.log.warn({ uiDist }, 'kiosk UI not built: serving a placeholder (npm run build)')
    const page = `<!doctype html><meta charset="utf-8"><title>GridTill kiosk</title><p>Kiosk UI not built (${uiDist}). Run <code>npm run build</code>.`
    app.get('/', (_req, reply) => reply.type('text/html').send(page))
    app.get('/panel/', (_req, reply) => reply.type('text/html').send(page))
  }
  return app
}
