import { errorKey, type MessageKey } from '../messages/index.ts'

/**
 * The agent's free-text reasons (VendResultView.receiptFailReason, SessionView.cashStoppedReason)
 * may be an error code or a short word; map what we recognise to a sentence, else null.
 */
function normalise(reason: string): string {
  return reason.toLowerCase().replace(/[^a-z0-9]/g, '')
}

export function receiptReasonKey(reason: string | null): MessageKey | null {
  if (!reason) return null
  const r = normalise(reason)
  if (r.includes('paper') && (r.includes('out') || r.includes('empty') || r.includes('nopaper')))
    return 'receipt.reason.paperOut'
  if (r.includes('cover')) return 'receipt.reason.coverOpen'
  if (r.includes('offline') || r.includes('disconnect') || r.includes('unplug'))
    return 'receipt.reason.offline'
  return errorKey(reason) ?? 'receipt.reason.fault'
}

/** kiosk-agent's CashStoppedReason values, word for word. */
const CASH_STOPPED: Record<string, MessageKey> = {
  maximumReached: 'reason.maxReached',
  jammed: 'error.ERR_ACCEPTOR_JAMMED',
  acceptorOffline: 'error.ERR_DEVICE_OFFLINE',
  acceptorFault: 'error.ERR_ACCEPTOR_FAULT',
  stackerFull: 'reason.stackerFull',
  cashboxRemoved: 'reason.cashboxRemoved',
}

/** kiosk-agent's ServiceView.message words (service-mode results), word for word. */
const SERVICE_MESSAGES: Record<string, MessageKey> = {
  'cashbox.closed': 'service.msg.cashboxClosed',
  'cashbox.failed': 'service.msg.cashboxFailed',
  'printer.refilled': 'service.msg.paperRefilled',
  'testPrint.ok': 'service.msg.testPrintOk',
  'testPrint.failed': 'service.msg.testPrintFailed',
}

/**
 * The sentence for a service message ("testPrint.failed:ERR_PRINTER_PAPER_OUT" carries a reason),
 * or null for a word we do not know (then the screen shows it as it came).
 */
export function serviceMessageKey(message: string): { key: MessageKey; reason: MessageKey | null } | null {
  const [word = '', reason] = message.split(':', 2)
  const key = Object.hasOwn(SERVICE_MESSAGES, word) ? SERVICE_MESSAGES[word] : undefined
  if (!key) return null
  return { key, reason: word === 'testPrint.failed' ? receiptReasonKey(reason ?? 'fault') : null }
}

export function cashStoppedKey(reason: string | null): MessageKey | null {
  if (!reason) return null
  const exact = Object.hasOwn(CASH_STOPPED, reason) ? CASH_STOPPED[reason] : undefined
  if (exact) return exact
  const code = errorKey(reason)
  if (code) return code
  const r = normalise(reason)
  if (r.includes('max') || r.includes('limit')) return 'reason.maxReached'
  if (r.includes('jam')) return 'error.ERR_ACCEPTOR_JAMMED'
  if (r.includes('cashbox') || r.includes('stacker') || r.includes('full')) return 'reason.cashbox'
  if (r.includes('offline') || r.includes('disconnect')) return 'error.ERR_DEVICE_OFFLINE'
  if (r.includes('timeout') || r.includes('idle')) return 'reason.timeout'
  if (r.includes('fault')) return 'error.ERR_ACCEPTOR_FAULT'
  return 'collecting.stopped'
}
