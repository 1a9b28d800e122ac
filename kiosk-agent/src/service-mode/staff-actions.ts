import type { Logger } from 'pino'
import type { Journal } from '../journal/journal.ts'
import type { TransactionActor } from '../machines/transaction.machine.ts'

/** Every field-staff action the machine reports goes into the journal, in order (DESIGN.md: every staff action). */
export function journalStaffActions(actor: TransactionActor, journal: Journal, log: Logger): () => void {
  const sub = actor.on('journal.staff', (e) => {
    try {
      journal.recordServiceAction({ staffCardNo: e.staffCardNo, action: e.action, ...(e.detail ? { detail: e.detail } : {}) })
    } catch (err) {
      log.error({ err, action: e.action }, 'staff action not journaled')
    }
    log.info({ staff: `…${e.staffCardNo.slice(-4)}`, action: e.action, detail: e.detail }, 'staff action')
  })
  return () => sub.unsubscribe()
}
