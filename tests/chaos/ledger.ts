/**
 * Reading the books after a chaos run, with the system stopped: the agent's journal and the
 * central's SQLite file, both opened read-only (the central has no per-kiosk notes listing yet).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface AgentBooks {
  credited: { noteId: string; valueFen: number }[]
  suspects: number
  matchedSuspects: number
  vends: { vendId: string; state: string; amountFen: number; notes: string[] }[]
  receipts: number
}

export function readAgentJournal(dataDir: string): AgentBooks {
  const db = new Database(join(dataDir, 'kiosk-k001', 'journal.db'), { readonly: true, fileMustExist: true })
  try {
    const credited = db.prepare('SELECT note_id AS noteId, value_fen AS valueFen FROM notes ORDER BY note_id').all() as AgentBooks['credited']
    const s = db
      .prepare("SELECT SUM(matched_note_id IS NULL) AS open, SUM(matched_note_id IS NOT NULL) AS matched FROM suspect_notes WHERE location = 'stacker'")
      .get() as { open: number | null; matched: number | null }
    const vends = (db.prepare('SELECT vend_id, state, amount_fen, notes_json FROM vends').all() as {
      vend_id: string
      state: string
      amount_fen: number
      notes_json: string
    }[]).map((v) => ({
      vendId: v.vend_id,
      state: v.state,
      amountFen: v.amount_fen,
      notes: (JSON.parse(v.notes_json) as { noteId: string }[]).map((n) => n.noteId),
    }))
    const receipts = (db.prepare("SELECT COUNT(*) AS n FROM receipts WHERE status = 'printed'").get() as { n: number }).n
    return { credited, suspects: s.open ?? 0, matchedSuspects: s.matched ?? 0, vends, receipts }
  } finally {
    db.close()
  }
}

export interface CentralBooks {
  notes: { noteId: string; vendId: string; valueFen: number }[]
  vends: { vendId: string; amountFen: number }[]
}

export function readCentral(dataDir: string): CentralBooks {
  const db = new Database(join(dataDir, 'central', 'central.db'), { readonly: true, fileMustExist: true })
  try {
    return {
      notes: db.prepare('SELECT note_id AS noteId, vend_id AS vendId, value_fen AS valueFen FROM vend_notes').all() as CentralBooks['notes'],
      vends: db.prepare('SELECT vend_id AS vendId, amount_fen AS amountFen FROM vends').all() as CentralBooks['vends'],
    }
  } finally {
    db.close()
  }
}

export async function ledgerCheck(centralUrl: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${centralUrl}/api/v1/ledger/check`, { headers: { 'x-gridtill-admin-token': 'demo-admin' } })
  return { status: res.status, body: await res.json() }
}
