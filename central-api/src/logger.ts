/**
 * The central's pino logger (STYLE.md, Logging). Card numbers are cut to their last four digits
 * wherever they appear (fields and request URLs); config secrets never reach a line.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { API_PREFIX } from '@gridtill/shared'
import type { Config } from './config.ts'
import { maskCardNo, maskCardUrl } from './privacy.ts'

export function loggerOptions(level: Config['logLevel']): LoggerOptions {
  return {
    level,
    base: { service: 'central-api' },
    redact: {
      paths: ['masterKeyHex', 'config.masterKeyHex', 'adminToken', 'config.adminToken', 'req.headers["x-gridtill-admin-token"]', 'dk', 'vendingKey'],
      censor: '[redacted]',
    },
    formatters: {
      log(obj: Record<string, unknown>) {
        if (typeof obj.cardNo === 'string') return { ...obj, cardNo: maskCardNo(obj.cardNo) }
        return obj
      },
    },
    serializers: {
      req(req: { method?: string; url?: string; id?: string; headers?: Record<string, unknown> }) {
        return { id: req.id, method: req.method, url: maskCardUrl(req.url ?? ''), kioskId: req.headers?.['x-gridtill-kiosk'] }
      },
    },
  }
}

/** To stdout, or to `destination` (benchmarks, tests). */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination)
}

const VENDS_URL = `${API_PREFIX}/vends`

function isVend(request: FastifyRequest): boolean {
  return request.method === 'POST' && request.routeOptions.url === VENDS_URL
}

/**
 * Fastify's per-request lines, one fewer per vend (the hot path: three lines cost the central more
 * CPU than its tariff engine). POST /vends gets no "incoming request" line; its closing line
 * ("request completed" / "request errored") carries that line's facts instead (method, masked URL,
 * kiosk header, via the req serializer) beside status and response time. With the vend's own
 * "vend committed" line (reqId and kioskId bound, the vend's facts) nothing logged before is lost,
 * only the arrival time, which is the closing line's time less its responseTime.
 */
export class CentralLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (isVend(request)) return
    super.incomingRequest(request, reply, metadata)
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isVend(request)) return super.requestCompleted(error, request, reply, metadata)
    if (this.isLogDisabled(request)) return
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
