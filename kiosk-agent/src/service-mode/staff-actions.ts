import type { Logger } from 'pino'
import { uuidv7, type Clock } from '@gridtill/shared'
import type { Journal } from '../journal/journal.ts'
import type { TransactionActor } from '../machines/transaction.machine.ts'
import { buildServiceEvent } from './service-event.ts'

/**
 * Every field-staff action the machine reports goes into the journal, in order (DESIGN.md: every
 * staff action), with its service event for the central's audit log (a UUIDv7 made now, so a
 * retry is the same event); `journaled` then lets the ops outbox send it.
 */
export function journalStaffActions(
  actor: TransactionActor,
  journal: Journal,
  log: Logger,
  deps: { clock: Clock; journaled?: () => void },
): () => void {
  const sub = actor.on('journal.staff', (e) => {
    const at = deps.clock.now()
    const { request, problem } = buildServiceEvent({ eventId: uuidv7(at), at, staffCardNo: e.staffCardNo, action: e.action, detail: e.detail })
    try {
      journal.recordServiceAction({
        staffCardNo: e.staffCardNo,
        action: e.action,
        ...(e.detail ? { detail: e.detail } : {}),
        event: request,
        unsendable: problem,
      })
    } catch (err) {
      log.error({ err, action: e.action }, 'staff action not journaled')
    }
    if (problem) log.warn({ action: e.action, problem }, 'staff action kept at the kiosk only')
    log.info({ staff: `…${e.staffCardNo.slice(-4)}`, action: e.action, detail: e.detail }, 'staff action')
    deps.journaled?.()
  })
  return () => sub.unsubscribe()
}
