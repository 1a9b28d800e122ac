/**
 * What cashbox-crash.spec.ts needs beyond support.ts: one resident's top-up driven to its end, and
 * the two books of cash box cycles read after the run — the agent's journal (cycles, their
 * collections outbox, the notes credited into each) and the central's collections with their
 * per-denomination counts (both files opened read-only) — and a TCP proxy between the kiosk and the
 * central that can swallow the central's answers.
 */
import { readFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { KioskClient, SimPanel } from './support.ts'

/**
 * A resident taps, picks a meter, inserts `notesFen` and confirms; resolves once the receipt is out
 * and the kiosk is back at attract. Returns the fen the kiosk credited (a note can be refused).
 */
export async function topUp(client: KioskClient, panel: SimPanel, cardNo: string, notesFen: readonly number[]): Promise<number> {
  await client.screen('attract', 15_000)
  await panel.tap(cardNo)
  const account = await client.until((v) => v?.screen === 'account' || v?.screen === 'error', 15_000, 'account')
  if (account.screen !== 'account') throw new Error(`top-up for card ${cardNo}: ${account.error?.code ?? account.screen}`)
  if (!account.session?.meterNo) {
    const meterNo = account.session?.account?.meters[0]?.meterNo
    if (meterNo) client.send({ type: 'resident.selectMeter', meterNo })
    await client.until((v) => !!v?.session?.meterNo, 5_000, 'meter chosen')
  }
  client.send({ type: 'resident.insertCash' })
  await client.screen('collecting')
  for (const valueFen of notesFen) {
    const before = client.view?.session?.insertedFen ?? 0
    if (!(await panel.note(valueFen))) continue
    await client.until((v) => (v?.session?.insertedFen ?? 0) > before, 8_000, 'note credited')
  }
  const creditedFen = client.view?.session?.insertedFen ?? 0
  client.send({ type: 'resident.confirm' })
  // 'done' shows while the receipt prints; the machine takes "finish" only once it is out.
  await client.until((v) => v?.screen === 'done' && v.result?.receipt !== 'printing', 20_000, 'receipt out')
  client.send({ type: 'resident.finish' })
  await client.screen('attract')
  return creditedFen
}

export interface KioskCycle {
  cycleId: string
  closed: boolean
  sealNo: string | null
  /** What the journal froze at the close (cashbox_cycles.total_fen); null while open. */
  totalFen: number | null
  /** The notes the journal credited into this cycle, summed now. */
  notesFen: number
  noteCount: number
  countsByValueFen: Record<string, number>
}

export interface KioskCollection {
  cycleId: string
  state: 'pending' | 'posted' | 'failed'
  sealNo: string
  totalFen: number
  noteCount: number
  countsByValueFen: Record<string, number>
  attempts: number
  lastError: string | null
  /** The central's receipt said it already had this cycle: an earlier attempt landed, its answer did not. */
  replayed: boolean
}

export interface KioskCashBooks {
  cycles: KioskCycle[]
  collections: KioskCollection[]
  notes: { noteId: string; valueFen: number; cycleId: string }[]
  openSuspects: number
}

const journalPath = (dataDir: string) => join(dataDir, 'kiosk-k001', 'journal.db')

export function readKioskCashBooks(dataDir: string): KioskCashBooks {
  const db = new Database(journalPath(dataDir), { readonly: true, fileMustExist: true })
  try {
    const notes = db.prepare('SELECT note_id AS noteId, value_fen AS valueFen, cycle_id AS cycleId FROM notes ORDER BY note_id').all() as KioskCashBooks['notes']
    const rows = db.prepare('SELECT cycle_id, closed_at, seal_no, total_fen FROM cashbox_cycles ORDER BY opened_at, cycle_id').all() as {
      cycle_id: string
      closed_at: number | null
      seal_no: string | null
      total_fen: number | null
    }[]
    const cycles = rows.map((r): KioskCycle => {
      const mine = notes.filter((n) => n.cycleId === r.cycle_id)
      const countsByValueFen: Record<string, number> = {}
      for (const n of mine) countsByValueFen[String(n.valueFen)] = (countsByValueFen[String(n.valueFen)] ?? 0) + 1
      return {
        cycleId: r.cycle_id,
        closed: r.closed_at !== null,
        sealNo: r.seal_no,
        totalFen: r.total_fen,
        notesFen: mine.reduce((a, n) => a + n.valueFen, 0),
        noteCount: mine.length,
        countsByValueFen,
      }
    })
    const collections = (
      db
        .prepare('SELECT cycle_id, state, seal_no, total_fen, note_count, counts_json, attempts, last_error, receipt_json FROM collections_outbox ORDER BY closed_at, cycle_id')
        .all() as {
        cycle_id: string
        state: KioskCollection['state']
        seal_no: string
        total_fen: number
        note_count: number
        counts_json: string
        attempts: number
        last_error: string | null
        receipt_json: string | null
      }[]
    ).map(
      (r): KioskCollection => ({
        cycleId: r.cycle_id,
        state: r.state,
        sealNo: r.seal_no,
        totalFen: r.total_fen,
        noteCount: r.note_count,
        countsByValueFen: JSON.parse(r.counts_json) as Record<string, number>,
        attempts: r.attempts,
        lastError: r.last_error,
        replayed: r.receipt_json !== null && (JSON.parse(r.receipt_json) as { duplicate?: boolean }).duplicate === true,
      }),
    )
    const s = db.prepare("SELECT COUNT(*) AS n FROM suspect_notes WHERE location = 'stacker' AND matched_note_id IS NULL").get() as { n: number }
    return { cycles, collections, notes, openSuspects: s.n }
  } finally {
    db.close()
  }
}

/**
 * Where the journal stands on cash box cycles right now (the agent may be dead or alive): how many
 * closed, how many collections wait for the central, and the newest closed cycle's outbox state.
 */
export function kioskCycleState(dataDir: string): { closed: number; pending: number; latest: { cycleId: string; state: string } | null } {
  const db = new Database(journalPath(dataDir), { readonly: true, fileMustExist: true })
  try {
    const closed = (db.prepare('SELECT COUNT(*) AS n FROM cashbox_cycles WHERE closed_at IS NOT NULL').get() as { n: number }).n
    const pending = (db.prepare("SELECT COUNT(*) AS n FROM collections_outbox WHERE state = 'pending'").get() as { n: number }).n
    const latest = db.prepare('SELECT cycle_id AS cycleId, state FROM collections_outbox ORDER BY closed_at DESC, cycle_id DESC LIMIT 1').get() as
      | { cycleId: string; state: string }
      | undefined
    return { closed, pending, latest: latest ?? null }
  } finally {
    db.close()
  }
}

export interface CentralCollection {
  collectionId: string
  cycleId: string
  kioskId: string
  sealNo: string
  noteCount: number
  expectedFen: number
  /** From collection_denominations (expected_count), zero counts left out. */
  countsByValueFen: Record<string, number>
  /** vend.cash the central booked to this collection's kiosk cash cycle (what the console shows as credited). */
  creditedFen: number
}

export function readCentralCollections(dataDir: string): CentralCollection[] {
  const db = new Database(join(dataDir, 'central', 'central.db'), { readonly: true, fileMustExist: true })
  try {
    const rows = db
      .prepare(
        `SELECT c.id, c.cycle_id, c.kiosk_id, c.seal_no, c.note_count, c.expected_fen,
                coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t
                          WHERE t.kind = 'vend.cash' AND t.debit_account = 'kiosk-cash:' || c.kiosk_id || ':' || c.cash_cycle), 0) AS credited_fen
         FROM collections c ORDER BY c.received_at, c.id`,
      )
      .all() as { id: string; cycle_id: string; kiosk_id: string; seal_no: string; note_count: number; expected_fen: number; credited_fen: number }[]
    const denoms = db.prepare('SELECT collection_id, value_fen, expected_count FROM collection_denominations WHERE expected_count > 0').all() as {
      collection_id: string
      value_fen: number
      expected_count: number
    }[]
    return rows.map((r) => {
      const countsByValueFen: Record<string, number> = {}
      for (const d of denoms) if (d.collection_id === r.id) countsByValueFen[String(d.value_fen)] = d.expected_count
      return {
        collectionId: r.id,
        cycleId: r.cycle_id,
        kioskId: r.kiosk_id,
        sealNo: r.seal_no,
        noteCount: r.note_count,
        expectedFen: r.expected_fen,
        countsByValueFen,
        creditedFen: r.credited_fen,
      }
    })
  } finally {
    db.close()
  }
}

/** Whether the central has committed this cycle's collection (read while it runs: WAL lets a reader in). */
export function centralHasCollection(dataDir: string, cycleId: string): boolean {
  const db = new Database(join(dataDir, 'central', 'central.db'), { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT 1 FROM collections WHERE cycle_id = ?').get(cycleId) !== undefined
  } finally {
    db.close()
  }
}

/** Counts with zero entries dropped, so {"1000": 0} and {} compare equal. */
export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))
}

/**
 * How often the central logged a collection as new and as a replay (central at LOG_LEVEL info). A
 * replay whose answer went to a dead kiosk shows here and nowhere in the journal.
 */
export function centralCollectionLog(dataDir: string): { received: number; replayed: number } {
  const text = readFileSync(join(dataDir, 'logs', 'central.log'), 'utf8')
  const count = (msg: string) => text.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length
  return { received: count('collection received'), replayed: count('collection replayed') }
}

/**
 * The kiosk's road to the central. While `swallowAnswers` is on, requests still reach the central
 * (which commits them) but its answers are dropped: the kiosk's "central has it, I never heard" —
 * what a power cut right after the central committed leaves behind. Listens in 5000–5999.
 */
export class CentralProxy {
  swallowAnswers = false
  port = 0
  private readonly sockets = new Set<Socket>()
  private readonly server: Server

  constructor(private readonly centralPort: number) {
    this.server = createServer((client) => this.connect(client))
  }

  private connect(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.centralPort })
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', () => (client.destroy(), upstream.destroy()))
    }
    // A side that hangs up sends FIN, as a killed process's kernel does: what it wrote is still
    // delivered (a frozen central reads the dead kiosk's request when it wakes), never reset away.
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    client.on('data', (b: Buffer) => upstream.write(b))
    upstream.on('data', (b: Buffer) => {
      if (!this.swallowAnswers) client.write(b)
    })
  }

  async start(): Promise<this> {
    for (let attempt = 0; ; attempt++) {
      const port = 5000 + Math.floor(Math.random() * 1000)
      try {
        await new Promise<void>((resolve, reject) => {
          this.server.once('error', reject)
          this.server.listen(port, '127.0.0.1', () => (this.server.off('error', reject), resolve()))
        })
        this.port = port
        return this
      } catch (err) {
        if (attempt >= 20) throw err
      }
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
