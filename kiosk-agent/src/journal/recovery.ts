import type { Logger } from 'pino'
import { uuidv7, type Clock } from '@gridtill/shared'
import type { Journal, NoteRecord, VendRecord } from './journal.ts'

/**
 * Boot recovery (kiosk-hardware.md §7.7): money the journal says was taken but no vend claims —
 * a crash between the credit and the vend intent, or a note credited after its session's vend
 * was journaled — becomes a vend for the meter that was on screen when the notes went in.
 * Idempotent: a note can be claimed by one vend only (vend_notes primary key), so running this
 * again, on every restart or after each session, never makes a second vend for the same money.
 */
export interface RecoveryResult {
  created: VendRecord[]
  /** Credited notes with no session (or no meter) to credit: money owed, for field staff. */
  unassigned: NoteRecord[]
}

export function recoverUnvendedNotes(
  journal: Journal,
  deps: { clock: Clock; log: Logger; activeSessionId?: string | null },
): RecoveryResult {
  const bySession = new Map<string | null, NoteRecord[]>()
  for (const n of journal.unvendedNotes()) {
    // The session still on screen will journal its own vend.
    if (n.sessionId !== null && n.sessionId === deps.activeSessionId) continue
    const list = bySession.get(n.sessionId) ?? []
    list.push(n)
    bySession.set(n.sessionId, list)
  }
  const created: VendRecord[] = []
  const unassigned: NoteRecord[] = []
  for (const [sessionId, notes] of bySession) {
    const session = sessionId === null ? null : journal.getSession(sessionId)
    if (!session?.meterNo) {
      unassigned.push(...notes)
      deps.log.error(
        { sessionId, noteIds: notes.map((n) => n.noteId), amountFen: notes.reduce((a, n) => a + n.valueFen, 0) },
        'credited notes with no meter to credit: recorded as owed',
      )
      continue
    }
    const paidAt = Math.max(...notes.map((n) => n.creditedAt))
    const vend = journal.createVend({
      vendId: uuidv7(deps.clock.now()),
      sessionId,
      meterNo: session.meterNo,
      cardNo: session.cardNo,
      notes: notes.map((n) => ({ noteId: n.noteId, valueFen: n.valueFen })),
      paidAt,
      origin: 'recovery',
    })
    if (session.state !== 'done') journal.setSessionState(session.sessionId, 'vending')
    deps.log.warn({ vendId: vend.vendId, sessionId, amountFen: vend.amountFen, notes: notes.length }, 'recovered a vend for credited notes')
    created.push(vend)
  }
  return { created, unassigned }
}
