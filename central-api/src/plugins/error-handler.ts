/**
 * One error shape for every failure: { statusCode, code, error, message } (STYLE.md, API).
 * Validation failures are 400 ERR_VALIDATION; 5xx messages are hidden (the log has the detail).
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { ErrorCode, type ErrorBody } from '@gridtill/shared'
import { isStorageUnavailable } from '../storage/unavailable.ts'

function codeFor(err: FastifyError, status: number): string {
  if (typeof err.code === 'string' && err.code.startsWith('ERR_')) return err.code
  // Fastify's own 4xx (empty or malformed JSON, wrong content type, body too large) are bad input.
  if (status === 404) return ErrorCode.NOT_FOUND
  if (status === 429) return ErrorCode.RATE_LIMITED
  return ErrorCode.VALIDATION
}

export const errorHandlerPlugin = fp(
  (app, _opts, done) => {
    app.setErrorHandler((err: FastifyError, req, reply) => {
      if (err.validation) {
        const body: ErrorBody = { statusCode: 400, code: ErrorCode.VALIDATION, error: 'Bad Request', message: err.message }
        return reply.code(400).send(body)
      }
      if (isStorageUnavailable(err)) {
        req.log.error({ err }, 'database unavailable')
        const body: ErrorBody = { statusCode: 503, code: ErrorCode.STORAGE_UNAVAILABLE, error: 'Service Unavailable', message: 'Service Unavailable' }
        return reply.code(503).send(body)
      }
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
      if (status >= 500) {
        req.log.error({ err }, 'request failed')
        // A code we chose (e.g. an expired meter key) may travel; the message never does.
        const code = status !== 500 && typeof err.code === 'string' && err.code.startsWith('ERR_') ? err.code : ErrorCode.INTERNAL
        const error = STATUS_CODES[status] ?? 'Internal Server Error'
        return reply.code(status).send({ statusCode: status, code, error, message: error } satisfies ErrorBody)
      }
      if (status !== 401 && status !== 404) req.log.info({ code: err.code, statusCode: status }, err.message)
      const body: ErrorBody = { statusCode: status, code: codeFor(err, status), error: STATUS_CODES[status] ?? 'Error', message: err.message }
      return reply.code(status).send(body)
    })

    app.setNotFoundHandler((req, reply) => {
      const body: ErrorBody = { statusCode: 404, code: ErrorCode.NOT_FOUND, error: 'Not Found', message: `Route ${req.method}:${req.url.split('?')[0] ?? ''} not found` }
      return reply.code(404).send(body)
    })
    done()
  },
  { name: 'error-handler' },
)
