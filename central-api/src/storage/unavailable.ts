/**
 * Whether an error means the database cannot be used right now (down, unreachable, full, busy):
 * the caller should retry later (503), as opposed to a fault in the request or in our code.
 */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'])

export function isStorageUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = 'code' in err && typeof err.code === 'string' ? err.code : ''
  // PostgreSQL SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P (shutdown).
  if (NETWORK.has(code) || /^(08|53|57P)/.test(code) || /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/.test(code)) return true
  return err.message === 'timeout exceeded when trying to connect' || err.message.startsWith('Connection terminated')
}
