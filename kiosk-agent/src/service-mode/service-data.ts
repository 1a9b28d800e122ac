import type { ServiceView } from '@gridtill/shared'
import type { Journal } from '../journal/journal.ts'
import type { OpsOutbox } from '../outbox/ops-outbox.ts'
import type { Outbox } from '../outbox/outbox.ts'

/**
 * What the field-staff screen shows from the journal: the cash box's counts by denomination, the
 * outbox, suspect notes and the last collection. Read on demand, only while the screen is open.
 * A collection the central refused is shown as the outbox's error until ServiceView has a place
 * of its own for collections (it is another engineer's type).
 */
export function serviceData(journal: Journal, outbox: Outbox, ops?: OpsOutbox): Pick<ServiceView, 'cashbox' | 'outbox' | 'suspectNotes' | 'lastCollection'> {
  const box = journal.cashbox()
  const o = outbox.stats()
  const last = journal.lastClosedCycle()
  const refused = journal.collectionStatus().filter((c) => c.state === 'failed')
  const refusedText =
    refused.length > 0
      ? `collection refused (${refused.length}): seal ${refused.map((c) => `${c.sealNo} ${c.failedCode ?? ''}`.trim()).join(', ')}`
      : null
  const pendingOps = ops?.pendingCount() ?? 0
  return {
    cashbox: { cycleId: box.cycleId, countsByValueFen: box.countsByValueFen, totalFen: box.totalFen, noteCount: box.noteCount },
    outbox: {
      depth: o.depth + pendingOps,
      oldestAgeMs: o.oldestAgeMs,
      lastSyncAt: o.lastSyncAt,
      lastError: [refusedText, o.lastError, ops?.lastError ?? null].filter((x): x is string => !!x).join(' · ') || null,
    },
    suspectNotes: journal.suspectNoteCount(),
    lastCollection: last ? { cycleId: last.cycleId, sealNo: last.sealNo, totalFen: last.totalFen } : null,
  }
}
