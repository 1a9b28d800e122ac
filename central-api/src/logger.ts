/**
 * The central's pino logger (STYLE.md, Logging). Card numbers are cut to their last four digits
 * wherever they appear (fields and request URLs); config secrets never reach a line.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
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
