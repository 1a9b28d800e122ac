import type { ServiceView } from '@gridtill/shared'
import type { Journal } from '../journal/journal.ts'
import type { Outbox } from '../outbox/outbox.ts'

/**
 * What the field-staff screen shows from the journal: the cash box's counts by denomination, the
 * outbox, suspect notes and the last collection. Read on demand, only while the screen is open.
 */
export function serviceData(journal: Journal, outbox: Outbox): Pick<ServiceView, 'cashbox' | 'outbox' | 'suspectNotes' | 'lastCollection'> {
  const box = journal.cashbox()
  const o = outbox.stats()
  const last = journal.lastClosedCycle()
  return {
    cashbox: { cycleId: box.cycleId, countsByValueFen: box.countsByValueFen, totalFen: box.totalFen, noteCount: box.noteCount },
    outbox: { depth: o.depth, oldestAgeMs: o.oldestAgeMs, lastSyncAt: o.lastSyncAt, lastError: o.lastError },
    suspectNotes: journal.suspectNoteCount(),
    lastCollection: last ? { cycleId: last.cycleId, sealNo: last.sealNo, totalFen: last.totalFen } : null,
  }
}
