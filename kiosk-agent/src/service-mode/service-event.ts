import { Value } from '@sinclair/typebox/value'
import { ServiceEventRequest, type ServiceAction } from '@gridtill/shared'
import '../central-client/formats.ts'

/**
 * The machine's staff actions (journal.staff) in the central's vocabulary (SERVICE_ACTIONS). Steps
 * of one action (cash box begin → seal → closed) share the contract's action and say their step.
 */
export function contractAction(action: string, detail: Record<string, unknown> | null): { action: ServiceAction; step: string | null } | null {
  switch (action) {
    case 'service.enter':
    case 'service.exit':
    case 'outbox.sync':
      return { action, step: null }
    case 'cashbox.begin':
      return { action: 'cashbox.exchange', step: 'begin' }
    case 'cashbox.seal':
      return { action: 'cashbox.exchange', step: 'seal' }
    case 'cashbox.closed':
      return { action: 'cashbox.exchange', step: 'closed' }
    case 'printer.refilled':
      return { action: 'paper.refill', step: null }
    case 'testPrint':
      return { action: 'printer.test', step: null }
    case 'testNote.start':
      return { action: 'acceptor.testNote', step: 'start' }
    case 'testNote':
      return { action: 'acceptor.testNote', step: 'result' }
    case 'outOfService':
      return detail?.outOfService === false ? { action: 'kiosk.backInService', step: null } : { action: 'kiosk.outOfService', step: null }
    default:
      return null
  }
}

type Scalar = string | number | boolean | null

/** Flattens the detail to the contract's small record: dotted keys, scalars, at most 16, strings cut to 256. */
export function flattenDetails(detail: Record<string, unknown> | null, extra: Record<string, Scalar> = {}): Record<string, Scalar> {
  const out: Record<string, Scalar> = { ...extra }
  const walk = (prefix: string, v: unknown, depth: number) => {
    if (Object.keys(out).length >= 16) return
    const key = prefix.slice(0, 64)
    if (v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = v
    else if (typeof v === 'string') out[key] = v.slice(0, 256)
    else if (typeof v === 'object' && depth < 3 && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x, depth + 1)
    }
  }
  // The card is the event's staffCardNo; never repeat it in free-form details.
  for (const [k, v] of Object.entries(detail ?? {})) if (k !== 'cardNo' && k !== 'staffCardNo') walk(k, v, 0)
  return out
}

/** The body for POST /kiosks/service-events, or why this action cannot be sent. */
export function buildServiceEvent(e: {
  eventId: string
  at: number
  staffCardNo: string
  action: string
  detail: Record<string, unknown> | null
}): { request: ServiceEventRequest | null; problem: string | null } {
  const mapped = contractAction(e.action, e.detail)
  if (!mapped) return { request: null, problem: `action ${e.action} has no service event in the contract` }
  const request: ServiceEventRequest = {
    eventId: e.eventId,
    at: new Date(e.at).toISOString(),
    action: mapped.action,
    staffCardNo: e.staffCardNo,
    details: flattenDetails(e.detail, mapped.step ? { step: mapped.step } : {}),
  }
  if (!Value.Check(ServiceEventRequest, request)) {
    const first = [...Value.Errors(ServiceEventRequest, request)][0]
    return { request: null, problem: `service event invalid at ${first?.path ?? '?'}: ${first?.message ?? ''}` }
  }
  return { request, problem: null }
}
