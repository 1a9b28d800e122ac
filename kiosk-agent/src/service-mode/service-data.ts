import type { ServiceView } from '@gridtill/shared'
import type { Journal } from '../journal/journal.ts'
import type { OpsOutbox } from '../outbox/ops-outbox.ts'
import type { Outbox } from '../outbox/outbox.ts'

export type ServiceData = Pick<ServiceView, 'cashbox' | 'outbox' | 'collections' | 'suspectNotes' | 'lastCollection'>

/**
 * What the field-staff screen shows from the journal: the cash box's counts by denomination, the
 * outbox, collections waiting or refused, suspect notes and the last collection. Read on demand,
 * only while the screen is open. A refused collection also stays in the outbox's error text, which
 * older screens and tests read.
 */
export function serviceData(journal: Journal, outbox: Outbox, ops?: OpsOutbox): ServiceData {
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
    collections: collectionsView(journal),
    suspectNotes: journal.suspectNoteCount(),
    lastCollection: last ? { cycleId: last.cycleId, sealNo: last.sealNo, totalFen: last.totalFen } : null,
  }
}

/**
 * Only pending and refused rows, straight from the journal's collections outbox: posted ones pile
 * up over the years and the screen does not need them. The refusal time is `answered_at`, which
 * CollectionStatus does not carry.
 */
function collectionsView(journal: Journal): ServiceView['collections'] {
  const rows = journal.db
    .prepare(
      `SELECT cycle_id, seal_no, state, failed_code, answered_at, closed_at FROM collections_outbox
       WHERE state IN ('pending', 'failed') ORDER BY closed_at, cycle_id`,
    )
    .all() as { cycle_id: string; seal_no: string; state: 'pending' | 'failed'; failed_code: string | null; answered_at: number | null; closed_at: number }[]
  return {
    pending: rows.filter((r) => r.state === 'pending').length,
    failed: rows
      .filter((r) => r.state === 'failed')
      .map((r) => ({ cycleId: r.cycle_id, sealNo: r.seal_no, code: r.failed_code ?? 'ERR_INTERNAL', at: r.answered_at ?? r.closed_at })),
  }
}
