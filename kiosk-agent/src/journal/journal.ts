import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { sumFen, uuidv7, type Clock, type CollectionReceipt, type ServiceEventRequest, type VendNote, type VendRequest, type VendResponse } from '@gridtill/shared'
import { buildCollectionRequest, type BoxNoteRow } from './collection-request.ts'
import { MIGRATIONS } from './schema.ts'

export class JournalError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export type SessionState = 'identified' | 'collecting' | 'vending' | 'done' | 'abandoned'
export type VendState = 'intent' | 'sent' | 'done' | 'failed'

export interface SessionRecord {
  sessionId: string
  via: 'card' | 'meterNo'
  cardNo: string | null
  accountId: string | null
  meterNo: string | null
  customerNameMasked: string | null
  state: SessionState
  startedAt: number
}

export interface NoteRecord {
  noteId: string
  sessionId: string | null
  valueFen: number
  creditedAt: number
  cycleId: string
}

export interface VendRecord {
  vendId: string
  sessionId: string | null
  meterNo: string
  cardNo: string | null
  amountFen: number
  notes: VendNote[]
  requestJson: string
  state: VendState
  origin: 'session' | 'recovery'
  attempts: number
  lastError: string | null
  failedCode: string | null
  response: VendResponse | null
  createdAt: number
  updatedAt: number
}

export interface CashboxSummary {
  cycleId: string
  openedAt: number
  countsByValueFen: Record<string, number>
  totalFen: number
  noteCount: number
}

export interface ClosedCycle extends CashboxSummary {
  sealNo: string
  closedAt: number
}

/** A row of the kiosk-ops outbox (collections, service events) waiting for the central. */
export interface OpsItem {
  id: string
  /** The exact body to post; null when it cannot be built (the row is marked failed instead). */
  requestJson: string | null
  attempts: number
}

export type OpsState = 'pending' | 'posted' | 'failed'

export interface CollectionStatus {
  cycleId: string
  sealNo: string
  totalFen: number
  state: OpsState
  attempts: number
  lastError: string | null
  failedCode: string | null
}

interface VendRow {
  vend_id: string
  session_id: string | null
  meter_no: string
  card_no: string | null
  amount_fen: number
  notes_json: string
  request_json: string
  state: VendState
  origin: 'session' | 'recovery'
  attempts: number
  last_error: string | null
  failed_code: string | null
  response_json: string | null
  created_at: number
  updated_at: number
}

interface NoteRow {
  note_id: string
  session_id: string | null
  value_fen: number
  credited_at: number
  cycle_id: string
}

const toNote = (r: NoteRow): NoteRecord => ({
  noteId: r.note_id,
  sessionId: r.session_id,
  valueFen: r.value_fen,
  creditedAt: r.credited_at,
  cycleId: r.cycle_id,
})

const toVend = (r: VendRow): VendRecord => ({
  vendId: r.vend_id,
  sessionId: r.session_id,
  meterNo: r.meter_no,
  cardNo: r.card_no,
  amountFen: r.amount_fen,
  notes: JSON.parse(r.notes_json) as VendNote[],
  requestJson: r.request_json,
  state: r.state,
  origin: r.origin,
  attempts: r.attempts,
  lastError: r.last_error,
  failedCode: r.failed_code,
  response: r.response_json === null ? null : (JSON.parse(r.response_json) as VendResponse),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export interface JournalOptions {
  clock: Clock
}

/**
 * The kiosk's journal: one SQLite file, WAL and synchronous=FULL so that a committed row survives
 * a power cut. better-sqlite3 is synchronous, which is the point: the acceptor's credit handler
 * writes the note and returns before the driver acks the device.
 */
export class Journal {
  private constructor(
    readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  static open(file: string, options: JournalOptions): Journal {
    // The journal holds the kiosk's private key and the money log: owner only.
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    const db = new Database(file)
    if (file !== ':memory:') fs.chmodSync(file, 0o600)
    try {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('busy_timeout = 5000')
      Journal.checkDurability(db)
      Journal.migrate(db)
    } catch (err) {
      db.close()
      throw err
    }
    const journal = new Journal(db, options.clock)
    journal.ensureOpenCycle()
    return journal
  }

  /** Refuses a database that could lose a committed note (DESIGN.md, Storage). */
  static checkDurability(db: Database.Database): void {
    const mode = String(db.pragma('journal_mode', { simple: true }))
    const sync = Number(db.pragma('synchronous', { simple: true }))
    if (mode.toLowerCase() !== 'wal') {
      throw new JournalError('ERR_JOURNAL_NOT_DURABLE', `journal_mode is ${mode}, need wal`)
    }
    // 2 = FULL, 3 = EXTRA (also durable)
    if (sync < 2) throw new JournalError('ERR_JOURNAL_NOT_DURABLE', `synchronous is ${sync}, need FULL (2)`)
  }

  private static migrate(db: Database.Database): void {
    const version = Number(db.pragma('user_version', { simple: true }))
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v] ?? '')
        db.pragma(`user_version = ${v + 1}`)
      })()
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private now(): number {
    return this.clock.now()
  }

  // ── meta (identity) ──────────────────────────────────────────────────────────────────────
  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value ?? null
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
  }

  // ── sessions ─────────────────────────────────────────────────────────────────────────────
  /**
   * Records the account shown. The meter can change only while no money is in: the credit for
   * notes goes to the meter that was on screen when they were inserted.
   */
  upsertSession(s: Omit<SessionRecord, 'startedAt'>): void {
    const now = this.now()
    this.db.transaction(() => {
      const existing = this.db.prepare('SELECT meter_no FROM sessions WHERE session_id = ?').get(s.sessionId) as
        | { meter_no: string | null }
        | undefined
      if (!existing) {
        this.db
          .prepare(
            `INSERT INTO sessions (session_id, started_at, via, card_no, account_id, meter_no, customer_masked, state, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(s.sessionId, now, s.via, s.cardNo, s.accountId, s.meterNo, s.customerNameMasked, s.state, now)
        return
      }
      const hasMoney = this.db.prepare('SELECT 1 FROM notes WHERE session_id = ? LIMIT 1').get(s.sessionId) !== undefined
      const meterNo = hasMoney ? existing.meter_no : (s.meterNo ?? existing.meter_no)
      this.db
        .prepare('UPDATE sessions SET meter_no = ?, state = ?, updated_at = ? WHERE session_id = ?')
        .run(meterNo, s.state, now, s.sessionId)
    })()
  }

  setSessionState(sessionId: string, state: SessionState): void {
    this.db.prepare('UPDATE sessions SET state = ?, updated_at = ? WHERE session_id = ?').run(state, this.now(), sessionId)
  }

  getSession(sessionId: string): SessionRecord | null {
    const r = this.db.prepare('SELECT * FROM sessions WHERE session_id = ?').get(sessionId) as
      | {
          session_id: string
          via: 'card' | 'meterNo'
          card_no: string | null
          account_id: string | null
          meter_no: string | null
          customer_masked: string | null
          state: SessionState
          started_at: number
        }
      | undefined
    if (!r) return null
    return {
      sessionId: r.session_id,
      via: r.via,
      cardNo: r.card_no,
      accountId: r.account_id,
      meterNo: r.meter_no,
      customerNameMasked: r.customer_masked,
      state: r.state,
      startedAt: r.started_at,
    }
  }

  // ── notes ────────────────────────────────────────────────────────────────────────────────
  /**
   * The credit event. Idempotent on noteId so a driver that calls twice for one note cannot
   * count it twice. Returns false when the note was already recorded.
   */
  creditNote(n: { noteId: string; sessionId: string | null; valueFen: number }): boolean {
    if (!Number.isSafeInteger(n.valueFen) || n.valueFen <= 0) {
      throw new JournalError('ERR_VALIDATION', `note value must be whole fen > 0, got ${n.valueFen}`)
    }
    const cycleId = this.currentCycleId()
    // Unsettled until the device shows it got past the credit event (see settleNotes).
    const info = this.db
      .prepare('INSERT OR IGNORE INTO notes (note_id, session_id, value_fen, credited_at, cycle_id, settled) VALUES (?, ?, ?, ?, ?, 0)')
      .run(n.noteId, n.sessionId, n.valueFen, this.now(), cycleId)
    return info.changes === 1
  }

  /** The acceptor reported something only possible after it took our ACK: every credit so far is settled. */
  settleNotes(): number {
    return this.db.prepare('UPDATE notes SET settled = 1 WHERE settled = 0').run().changes
  }

  notesForSession(sessionId: string): NoteRecord[] {
    return (this.db.prepare('SELECT * FROM notes WHERE session_id = ? ORDER BY note_id').all(sessionId) as NoteRow[]).map(toNote)
  }

  /** Credited notes that no vend has claimed yet (money taken, nothing sent for it). */
  unvendedNotes(): NoteRecord[] {
    return (
      this.db
        .prepare(
          `SELECT n.* FROM notes n LEFT JOIN vend_notes vn ON vn.note_id = n.note_id
           WHERE vn.note_id IS NULL ORDER BY n.note_id`,
        )
        .all() as NoteRow[]
    ).map(toNote)
  }

  /**
   * A note the acceptor reports at power-up (or as a credit event pending when the driver started).
   * In the stacker while the last credited note is unsettled, it is that note — credited, its ACK
   * lost with the power — and is recorded as matched, never as missing money or a second credit.
   */
  recordSuspectNote(s: { valueFen: number | null; location: string }): { matchedNoteId: string | null } {
    return this.db.transaction(() => {
      const last =
        s.location === 'stacker'
          ? (this.db.prepare('SELECT note_id, value_fen FROM notes WHERE settled = 0 ORDER BY note_id DESC LIMIT 1').get() as
              | { note_id: string; value_fen: number }
              | undefined)
          : undefined
      const matched = last && (s.valueFen === null || s.valueFen === last.value_fen) ? last.note_id : null
      this.db
        .prepare('INSERT INTO suspect_notes (at, value_fen, location, cycle_id, matched_note_id, suspect_id) VALUES (?, ?, ?, ?, ?, ?)')
        .run(this.now(), s.valueFen ?? (matched ? (last?.value_fen ?? null) : null), s.location, this.currentCycleId(), matched, uuidv7(this.now()))
      // Whatever the device held is accounted for now.
      this.db.prepare('UPDATE notes SET settled = 1 WHERE settled = 0').run()
      return { matchedNoteId: matched }
    })()
  }

  /** Suspect notes still to resolve at the cash count (matched ones are credited notes). */
  suspectNoteCount(cycleId: string | null = this.currentCycleId()): number {
    const r = (
      cycleId === null
        ? this.db.prepare('SELECT COUNT(*) AS n FROM suspect_notes WHERE matched_note_id IS NULL AND location = ?').get('stacker')
        : this.db
            .prepare('SELECT COUNT(*) AS n FROM suspect_notes WHERE matched_note_id IS NULL AND location = ? AND cycle_id = ?')
            .get('stacker', cycleId)
    ) as { n: number }
    return r.n
  }

  suspectNotes(): { at: number; valueFen: number | null; location: string; cycleId: string; matchedNoteId: string | null }[] {
    return this.db
      .prepare('SELECT at, value_fen AS valueFen, location, cycle_id AS cycleId, matched_note_id AS matchedNoteId FROM suspect_notes ORDER BY id')
      .all() as { at: number; valueFen: number | null; location: string; cycleId: string; matchedNoteId: string | null }[]
  }

  // ── service mode ─────────────────────────────────────────────────────────────────────────
  /**
   * One field-staff action. With `event` (built by service-mode/service-event.ts, its id a UUIDv7
   * made now) the row also waits to be sent to the central's audit log; `unsendable` says why not.
   */
  recordServiceAction(a: {
    staffCardNo: string
    action: string
    detail?: unknown
    event?: ServiceEventRequest | null
    unsendable?: string | null
  }): void {
    const ev = a.event ?? null
    this.db
      .prepare(
        `INSERT INTO service_actions (at, staff_card, action, detail_json, event_id, staff_card_no, request_json, send_state, last_error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.now(),
        `…${a.staffCardNo.slice(-4)}`,
        a.action,
        a.detail === undefined ? null : JSON.stringify(a.detail),
        ev?.eventId ?? null,
        a.staffCardNo || null,
        ev ? JSON.stringify(ev) : null,
        ev ? 'pending' : 'failed',
        ev ? null : (a.unsendable ?? 'no service event for this action'),
      )
  }

  /** Service events not yet answered by the central, oldest first. */
  pendingServiceEvents(): OpsItem[] {
    return this.db
      .prepare("SELECT event_id AS id, request_json AS requestJson, attempts FROM service_actions WHERE send_state = 'pending' ORDER BY id")
      .all() as OpsItem[]
  }

  markServiceEventAttempt(eventId: string, lastError: string | null): void {
    this.db.prepare('UPDATE service_actions SET attempts = attempts + 1, last_error = ? WHERE event_id = ?').run(lastError, eventId)
  }

  markServiceEvent(eventId: string, state: 'posted' | 'failed', lastError: string | null = null): void {
    this.db
      .prepare("UPDATE service_actions SET send_state = ?, last_error = ? WHERE event_id = ? AND send_state = 'pending'")
      .run(state, lastError, eventId)
  }

  serviceEventStates(): Record<OpsState, number> {
    const rows = this.db.prepare('SELECT send_state AS s, COUNT(*) AS n FROM service_actions WHERE send_state IS NOT NULL GROUP BY send_state').all() as {
      s: OpsState
      n: number
    }[]
    const out: Record<OpsState, number> = { pending: 0, posted: 0, failed: 0 }
    for (const r of rows) out[r.s] = r.n
    return out
  }

  serviceActions(): { at: number; staffCard: string; action: string; detail: unknown }[] {
    return (
      this.db.prepare('SELECT at, staff_card, action, detail_json FROM service_actions ORDER BY id').all() as {
        at: number
        staff_card: string
        action: string
        detail_json: string | null
      }[]
    ).map((r) => ({ at: r.at, staffCard: r.staff_card, action: r.action, detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as unknown) }))
  }

  /** A test note: stacked ones sit in the box (counted at the cash count), but belong to no account. */
  recordTestNote(t: { valueFen: number | null; outcome: 'returned' | 'stacked' | 'rejected'; noteId: string | null; staffCardNo: string }): void {
    this.db
      .prepare('INSERT INTO test_notes (at, value_fen, outcome, note_id, staff_card, cycle_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.now(), t.valueFen, t.outcome, t.noteId, `…${t.staffCardNo.slice(-4)}`, this.currentCycleId())
  }

  testNotes(): { valueFen: number | null; outcome: string; noteId: string | null; cycleId: string }[] {
    return this.db.prepare('SELECT value_fen AS valueFen, outcome, note_id AS noteId, cycle_id AS cycleId FROM test_notes ORDER BY id').all() as {
      valueFen: number | null
      outcome: string
      noteId: string | null
      cycleId: string
    }[]
  }

  /** Closed cycles not yet posted to the central (waiting or being retried). */
  pendingCollections(): { cycleId: string; sealNo: string; totalFen: number; noteCount: number; countsByValueFen: Record<string, number> }[] {
    return (
      this.db.prepare("SELECT cycle_id, seal_no, total_fen, note_count, counts_json FROM collections_outbox WHERE state = 'pending' ORDER BY closed_at").all() as {
        cycle_id: string
        seal_no: string
        total_fen: number
        note_count: number
        counts_json: string
      }[]
    ).map((r) => ({
      cycleId: r.cycle_id,
      sealNo: r.seal_no,
      totalFen: r.total_fen,
      noteCount: r.note_count,
      countsByValueFen: JSON.parse(r.counts_json) as Record<string, number>,
    }))
  }

  /**
   * Collections waiting for the central, oldest first. A row from an older journal gets its body
   * now; without the full staff card (older journals kept only the last four digits) it cannot be
   * sent and is marked failed for field staff to see and the cashier to post by hand.
   */
  collectionsToSend(): OpsItem[] {
    const rows = this.db
      .prepare("SELECT cycle_id, request_json, attempts FROM collections_outbox WHERE state = 'pending' ORDER BY closed_at, cycle_id")
      .all() as { cycle_id: string; request_json: string | null; attempts: number }[]
    const out: OpsItem[] = []
    for (const r of rows) {
      let body = r.request_json
      if (body === null) {
        const built = this.legacyCollectionBody(r.cycle_id)
        if (built.problem !== null) {
          this.markCollectionFailed(r.cycle_id, 'ERR_COLLECTION_INCOMPLETE', built.problem)
          continue
        }
        body = built.body
        this.db.prepare('UPDATE collections_outbox SET request_json = ? WHERE cycle_id = ?').run(body, r.cycle_id)
      }
      out.push({ id: r.cycle_id, requestJson: body, attempts: r.attempts })
    }
    return out
  }

  private legacyCollectionBody(cycleId: string): { body: string; problem: null } | { body: null; problem: string } {
    const r = this.db.prepare('SELECT * FROM collections_outbox WHERE cycle_id = ?').get(cycleId) as
      | { seal_no: string; staff_card_no: string | null; counts_json: string; opened_at: number | null; closed_at: number }
      | undefined
    if (!r) return { body: null, problem: 'no such collection' }
    if (!r.staff_card_no) return { body: null, problem: 'closed before the journal kept the staff card number; post this collection from the console' }
    const { request, problem } = buildCollectionRequest({
      cycleId,
      sealNo: r.seal_no,
      openedAt: r.opened_at ?? r.closed_at,
      closedAt: r.closed_at,
      staffCardNo: r.staff_card_no,
      countsByValueFen: JSON.parse(r.counts_json) as Record<string, number>,
      boxNotes: this.boxNotes(cycleId),
    })
    return problem === null ? { body: JSON.stringify(request), problem: null } : { body: null, problem }
  }

  markCollectionAttempt(cycleId: string, lastError: string | null): void {
    this.db.prepare('UPDATE collections_outbox SET attempts = attempts + 1, last_error = ? WHERE cycle_id = ?').run(lastError, cycleId)
  }

  markCollectionPosted(cycleId: string, receipt: CollectionReceipt): void {
    this.db
      .prepare("UPDATE collections_outbox SET state = 'posted', receipt_json = ?, last_error = NULL, answered_at = ? WHERE cycle_id = ? AND state = 'pending'")
      .run(JSON.stringify(receipt), this.now(), cycleId)
  }

  markCollectionFailed(cycleId: string, code: string, message: string): void {
    this.db
      .prepare("UPDATE collections_outbox SET state = 'failed', failed_code = ?, last_error = ?, answered_at = ? WHERE cycle_id = ? AND state = 'pending'")
      .run(code, message, this.now(), cycleId)
  }

  collectionStatus(cycleId?: string): CollectionStatus[] {
    const rows = (
      cycleId === undefined
        ? this.db.prepare('SELECT * FROM collections_outbox ORDER BY closed_at, cycle_id').all()
        : this.db.prepare('SELECT * FROM collections_outbox WHERE cycle_id = ?').all(cycleId)
    ) as { cycle_id: string; seal_no: string; total_fen: number; state: OpsState; attempts: number; last_error: string | null; failed_code: string | null }[]
    return rows.map((r) => ({
      cycleId: r.cycle_id,
      sealNo: r.seal_no,
      totalFen: r.total_fen,
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      failedCode: r.failed_code,
    }))
  }

  /** Notes in the closing box that no account paid for: open suspects and stacked test notes. */
  private boxNotes(cycleId: string): BoxNoteRow[] {
    // Suspects recorded before suspect ids existed get one now, once.
    for (const r of this.db.prepare('SELECT id, at FROM suspect_notes WHERE suspect_id IS NULL AND cycle_id = ?').all(cycleId) as { id: number; at: number }[]) {
      this.db.prepare('UPDATE suspect_notes SET suspect_id = ? WHERE id = ?').run(uuidv7(r.at), r.id)
    }
    const suspects = this.db
      .prepare(
        `SELECT suspect_id AS id, value_fen AS valueFen, at FROM suspect_notes
         WHERE cycle_id = ? AND location = 'stacker' AND matched_note_id IS NULL ORDER BY id`,
      )
      .all(cycleId) as { id: string; valueFen: number | null; at: number }[]
    const tests = this.db
      .prepare("SELECT note_id AS id, value_fen AS valueFen, at FROM test_notes WHERE cycle_id = ? AND outcome = 'stacked' ORDER BY id")
      .all(cycleId) as { id: string | null; valueFen: number | null; at: number }[]
    return [
      ...suspects.map((s) => ({ ...s, reason: 'powerUpWithBill' as const })),
      ...tests.map((t) => ({ id: t.id ?? uuidv7(t.at), valueFen: t.valueFen, at: t.at, reason: 'testNoteStacked' as const })),
    ]
  }

  // ── vends ────────────────────────────────────────────────────────────────────────────────
  /**
   * The vend intent, journaled before the first send. Claims its notes in the same transaction;
   * a note already claimed by another vend makes this fail (ERR_VEND_NOTE_REUSED).
   */
  createVend(v: {
    vendId: string
    sessionId: string | null
    meterNo: string
    cardNo: string | null
    notes: VendNote[]
    paidAt: number
    origin: 'session' | 'recovery'
  }): VendRecord {
    if (v.notes.length === 0) throw new JournalError('ERR_VALIDATION', 'a vend needs at least one note')
    const amountFen = sumFen(v.notes.map((n) => n.valueFen))
    const request: VendRequest = {
      vendId: v.vendId,
      meterNo: v.meterNo,
      ...(v.cardNo ? { cardNo: v.cardNo } : {}),
      amountFen,
      notes: v.notes.map((n) => ({ noteId: n.noteId, valueFen: n.valueFen })),
      paidAt: new Date(v.paidAt).toISOString(),
    }
    const now = this.now()
    this.db.transaction(() => {
      const claim = this.db.prepare('INSERT INTO vend_notes (note_id, vend_id) VALUES (?, ?)')
      for (const n of v.notes) {
        try {
          claim.run(n.noteId, v.vendId)
        } catch (err) {
          if (isConstraint(err)) throw new JournalError('ERR_VEND_NOTE_REUSED', `note ${n.noteId} already paid for a vend`)
          throw err
        }
      }
      this.db
        .prepare(
          `INSERT INTO vends (vend_id, session_id, meter_no, card_no, amount_fen, notes_json, request_json, state, origin, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?, ?)`,
        )
        .run(v.vendId, v.sessionId, v.meterNo, v.cardNo, amountFen, JSON.stringify(request.notes), JSON.stringify(request), v.origin, now, now)
    })()
    const created = this.getVend(v.vendId)
    if (!created) throw new JournalError('ERR_INTERNAL', 'vend vanished after insert')
    return created
  }

  getVend(vendId: string): VendRecord | null {
    const r = this.db.prepare('SELECT * FROM vends WHERE vend_id = ?').get(vendId) as VendRow | undefined
    return r ? toVend(r) : null
  }

  vendsForSession(sessionId: string): VendRecord[] {
    return (this.db.prepare('SELECT * FROM vends WHERE session_id = ? ORDER BY vend_id').all(sessionId) as VendRow[]).map(toVend)
  }

  undeliveredVends(): VendRecord[] {
    return (this.db.prepare("SELECT * FROM vends WHERE state IN ('intent', 'sent') ORDER BY vend_id").all() as VendRow[]).map(toVend)
  }

  /** Counts an attempt and moves intent → sent: from here the central may hold this id. */
  markVendAttempt(vendId: string, lastError: string | null): void {
    this.db
      .prepare(
        `UPDATE vends SET attempts = attempts + 1, last_error = ?, updated_at = ?,
           state = CASE WHEN state = 'intent' THEN 'sent' ELSE state END
         WHERE vend_id = ? AND state IN ('intent', 'sent')`,
      )
      .run(lastError, this.now(), vendId)
  }

  markVendDone(vendId: string, response: VendResponse): void {
    this.db
      .prepare(
        `UPDATE vends SET state = 'done', response_json = ?, last_error = NULL, updated_at = ?
         WHERE vend_id = ? AND state IN ('intent', 'sent')`,
      )
      .run(JSON.stringify(response), this.now(), vendId)
  }

  /** The central refused the vend for good: the money is recorded as owed for field staff. */
  markVendFailed(vendId: string, code: string, message: string): void {
    this.db
      .prepare(
        `UPDATE vends SET state = 'failed', failed_code = ?, last_error = ?, updated_at = ?
         WHERE vend_id = ? AND state IN ('intent', 'sent')`,
      )
      .run(code, message, this.now(), vendId)
  }

  setVendLastError(vendId: string, lastError: string): void {
    this.db.prepare('UPDATE vends SET last_error = ?, updated_at = ? WHERE vend_id = ?').run(lastError, this.now(), vendId)
  }

  outboxStats(): { depth: number; oldestCreatedAt: number | null; failed: number } {
    const r = this.db
      .prepare("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM vends WHERE state IN ('intent', 'sent')")
      .get() as { n: number; oldest: number | null }
    const f = this.db.prepare("SELECT COUNT(*) AS n FROM vends WHERE state = 'failed'").get() as { n: number }
    return { depth: r.n, oldestCreatedAt: r.oldest, failed: f.n }
  }

  recentVends(limit = 20): VendRecord[] {
    return (this.db.prepare('SELECT * FROM vends ORDER BY vend_id DESC LIMIT ?').all(limit) as VendRow[]).map(toVend)
  }

  /**
   * Vends with no receipt attempt at all: made by recovery, or cut off by a crash between the vend
   * and its print. Every other vend has a receipt row (printed or failed).
   */
  vendsWithoutReceipt(): VendRecord[] {
    return (
      this.db
        .prepare(
          `SELECT v.* FROM vends v
           WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.vend_id = v.vend_id) ORDER BY v.vend_id`,
        )
        .all() as VendRow[]
    ).map(toVend)
  }

  // ── receipts ─────────────────────────────────────────────────────────────────────────────
  recordReceipt(r: { vendId: string | null; kind: 'vend' | 'duplicate' | 'test'; status: 'printed' | 'failed'; reason: string | null }): void {
    this.db
      .prepare('INSERT INTO receipts (vend_id, at, kind, status, reason) VALUES (?, ?, ?, ?, ?)')
      .run(r.vendId, this.now(), r.kind, r.status, r.reason)
  }

  receiptsFor(vendId: string): { at: number; kind: string; status: 'printed' | 'failed'; reason: string | null }[] {
    return this.db.prepare('SELECT at, kind, status, reason FROM receipts WHERE vend_id = ? ORDER BY id').all(vendId) as {
      at: number
      kind: string
      status: 'printed' | 'failed'
      reason: string | null
    }[]
  }

  // ── cash box cycles ──────────────────────────────────────────────────────────────────────
  private ensureOpenCycle(): void {
    const open = this.db.prepare('SELECT cycle_id FROM cashbox_cycles WHERE closed_at IS NULL').get()
    if (!open) {
      const now = this.now()
      this.db.prepare('INSERT INTO cashbox_cycles (cycle_id, opened_at) VALUES (?, ?)').run(uuidv7(now), now)
    }
  }

  currentCycleId(): string {
    const r = this.db.prepare('SELECT cycle_id FROM cashbox_cycles WHERE closed_at IS NULL ORDER BY cycle_id DESC LIMIT 1').get() as
      | { cycle_id: string }
      | undefined
    if (!r) throw new JournalError('ERR_INTERNAL', 'no open cash box cycle')
    return r.cycle_id
  }

  cashbox(cycleId = this.currentCycleId()): CashboxSummary {
    const cycle = this.db.prepare('SELECT opened_at FROM cashbox_cycles WHERE cycle_id = ?').get(cycleId) as
      | { opened_at: number }
      | undefined
    const rows = this.db
      .prepare('SELECT value_fen, COUNT(*) AS n FROM notes WHERE cycle_id = ? GROUP BY value_fen ORDER BY value_fen')
      .all(cycleId) as { value_fen: number; n: number }[]
    const countsByValueFen: Record<string, number> = {}
    let totalFen = 0
    let noteCount = 0
    for (const r of rows) {
      countsByValueFen[String(r.value_fen)] = r.n
      totalFen += r.value_fen * r.n
      noteCount += r.n
    }
    return { cycleId, openedAt: cycle?.opened_at ?? 0, countsByValueFen, totalFen, noteCount }
  }

  /**
   * Closes the cycle of the cash box just taken out (with its seal) and opens the next one. The
   * collection for the central is built and stored in the same transaction: never lost, and every
   * retry posts the same body.
   */
  closeCycle(sealNo: string, staffCardNo = ''): ClosedCycle {
    return this.db.transaction(() => {
      const summary = this.cashbox()
      const now = this.now()
      this.db
        .prepare('UPDATE cashbox_cycles SET closed_at = ?, seal_no = ?, counts_json = ?, total_fen = ? WHERE cycle_id = ?')
        .run(now, sealNo, JSON.stringify(summary.countsByValueFen), summary.totalFen, summary.cycleId)
      const suspects = this.suspectNoteCount(summary.cycleId)
      const tests = (this.db.prepare("SELECT COUNT(*) AS n FROM test_notes WHERE cycle_id = ? AND outcome = 'stacked'").get(summary.cycleId) as { n: number }).n
      const { request, problem } = buildCollectionRequest({
        cycleId: summary.cycleId,
        sealNo,
        openedAt: summary.openedAt,
        closedAt: now,
        staffCardNo,
        countsByValueFen: summary.countsByValueFen,
        boxNotes: this.boxNotes(summary.cycleId),
      })
      this.db
        .prepare(
          `INSERT INTO collections_outbox (cycle_id, seal_no, staff_card, counts_json, total_fen, note_count, suspect_count, test_notes, closed_at,
             state, staff_card_no, opened_at, request_json, failed_code, last_error, answered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          summary.cycleId,
          sealNo,
          `…${staffCardNo.slice(-4)}`,
          JSON.stringify(summary.countsByValueFen),
          summary.totalFen,
          summary.noteCount,
          suspects,
          tests,
          now,
          problem === null ? 'pending' : 'failed',
          staffCardNo || null,
          summary.openedAt,
          JSON.stringify(request),
          problem === null ? null : 'ERR_VALIDATION',
          problem,
          problem === null ? null : now,
        )
      this.db.prepare('INSERT INTO cashbox_cycles (cycle_id, opened_at) VALUES (?, ?)').run(uuidv7(now), now)
      return { ...summary, sealNo, closedAt: now }
    })()
  }

  lastClosedCycle(): ClosedCycle | null {
    const r = this.db
      .prepare('SELECT * FROM cashbox_cycles WHERE closed_at IS NOT NULL ORDER BY closed_at DESC, cycle_id DESC LIMIT 1')
      .get() as
      | { cycle_id: string; opened_at: number; closed_at: number; seal_no: string; counts_json: string; total_fen: number }
      | undefined
    if (!r) return null
    const countsByValueFen = JSON.parse(r.counts_json) as Record<string, number>
    return {
      cycleId: r.cycle_id,
      openedAt: r.opened_at,
      closedAt: r.closed_at,
      sealNo: r.seal_no,
      countsByValueFen,
      totalFen: r.total_fen,
      noteCount: Object.values(countsByValueFen).reduce((a, b) => a + b, 0),
    }
  }

  // ── metrics ──────────────────────────────────────────────────────────────────────────────
  totals(): { notes: number; notesFen: number; vendsByState: Record<VendState, number>; suspectNotes: number } {
    const n = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(value_fen), 0) AS fen FROM notes').get() as { n: number; fen: number }
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM vends GROUP BY state').all() as { state: VendState; n: number }[]
    const vendsByState: Record<VendState, number> = { intent: 0, sent: 0, done: 0, failed: 0 }
    for (const r of rows) vendsByState[r.state] = r.n
    return { notes: n.n, notesFen: n.fen, vendsByState, suspectNotes: this.suspectNoteCount(null) }
  }
}

function isConstraint(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && String(err.code).startsWith('SQLITE_CONSTRAINT')
}
