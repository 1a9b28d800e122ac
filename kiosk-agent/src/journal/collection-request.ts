import { Value } from '@sinclair/typebox/value'
import { CollectionRequest, NOTE_VALUES_FEN, type DenominationCount, type SuspectNote } from '@gridtill/shared'
import '../central-client/formats.ts'

/** A suspect or a stacked test note of the closing cycle, as the journal holds it. */
export interface BoxNoteRow {
  id: string
  valueFen: number | null
  at: number
  reason: 'powerUpWithBill' | 'testNoteStacked'
}

const isNoteValue = (v: number | null): v is (typeof NOTE_VALUES_FEN)[number] => v !== null && (NOTE_VALUES_FEN as readonly number[]).includes(v)

/**
 * The body the central gets for a closed cash box cycle (shared kiosk-ops.ts). Built once, inside
 * the closing transaction, and stored: every retry sends these exact bytes. Stacked test notes go
 * in as suspects ('testNoteStacked'): they are in the bag, but no account paid for them, and the
 * contract has no other place for them.
 */
export function buildCollectionRequest(c: {
  cycleId: string
  sealNo: string
  openedAt: number
  closedAt: number
  staffCardNo: string
  countsByValueFen: Record<string, number>
  boxNotes: BoxNoteRow[]
}): { request: CollectionRequest; problem: string | null } {
  const counts: DenominationCount[] = []
  let totalFen = 0
  let noteCount = 0
  const odd: string[] = []
  for (const [value, count] of Object.entries(c.countsByValueFen).sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const valueFen = Number(value)
    if (!isNoteValue(valueFen)) {
      odd.push(value)
      continue
    }
    counts.push({ valueFen, count })
    totalFen += valueFen * count
    noteCount += count
  }
  const suspectNotes: SuspectNote[] = c.boxNotes.map((n) => ({
    noteId: n.id,
    valueFen: isNoteValue(n.valueFen) ? n.valueFen : null,
    at: new Date(n.at).toISOString(),
    reason: n.reason,
  }))
  const request: CollectionRequest = {
    cycleId: c.cycleId,
    sealNo: c.sealNo,
    openedAt: new Date(c.openedAt).toISOString(),
    closedAt: new Date(c.closedAt).toISOString(),
    staffCardNo: c.staffCardNo,
    noteCount,
    totalFen,
    counts,
    suspectNotes,
  }
  if (odd.length > 0) return { request, problem: `denominations the contract does not know: ${odd.join(', ')} fen` }
  if (!Value.Check(CollectionRequest, request)) {
    const e = [...Value.Errors(CollectionRequest, request)][0]
    return { request, problem: `collection body invalid at ${e?.path ?? '?'}: ${e?.message ?? ''}` }
  }
  return { request, problem: null }
}
