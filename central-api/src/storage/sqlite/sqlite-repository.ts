/**
 * The SQLite engine of the repository (better-sqlite3). Everything a vend writes happens in one
 * BEGIN IMMEDIATE transaction; the HTTP answer is sent only after it commits.
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { DeliveryState, VendResponse } from '@gridtill/shared'
import type { EncryptedVendingKey } from '../../security-module/index.ts'
import { uuidv7 } from '@gridtill/shared'
import { auditDetailsText, auditHash, GENESIS_HASH } from '../../audit/chain.ts'
import { Errors } from '../../errors.ts'
import { ENERGY_SALES, kioskCashAccount, vendTransfers, walletAccount, type LedgerAccountRef } from '../../ledger/vend-transfers.ts'
import { formatReceiptNo } from '../../vending/receipt-no.ts'
import { buildVendResponse } from '../../vending/vend-response.ts'
import type {
  AccountView,
  AuditEntryInput,
  BaseDate,
  CardRecord,
  DeliveryRecord,
  Dkga,
  Ea,
  KioskRecord,
  LedgerCheck,
  MeterProfile,
  MeterRecord,
  PendingEnrollment,
  ReadingRecord,
  Repository,
  SeedPlan,
  VendCommitRequest,
  VendCommitResult,
  VendRecord,
} from '../repository.ts'
import { openSqlite, type SqliteDb } from './database.ts'
import { migrate } from './migrations.ts'

interface KioskRow {
  id: string
  name: string
  location: string
  site_name: string
  public_key: string | null
  enrolled_at: number | null
  revoked: number
  cash_cycle: number
}
interface MeterRow {
  meter_no: string
  account_id: string
  unit_name: string
  vending_key_id: string
  iin: string
  sgc: string
  ti: string
  krn: number
  kt: number
  ea: string
  dkga: string
  base_date: number
  ken: number
  last_tid: number
  profile: string
  last_credit_wh: number | null
}
interface VendRow {
  vend_id: string
  request_hash: string
  kiosk_id: string
  meter_no: string
  response_json: string
  created_at: number
}
interface DeliveryRow {
  id: string
  vend_id: string
  meter_no: string
  tokens_json: string
  state: DeliveryState
  reason: string | null
  attempts: number
  next_attempt_at: number
  created_at: number
  updated_at: number
  acked_at: number | null
}
interface ReadingRow {
  meter_no: string
  at: number
  energy_wh: number
  credit_wh: number
  power_w: number
  relay: 'closed' | 'open'
  tamper: number
}

const METER_SELECT = `SELECT m.*, u.name AS unit_name FROM meters m JOIN units u ON u.id = m.unit_id`

export class SqliteRepository implements Repository {
  readonly engine = 'sqlite' as const
  private nonceInserts = 0

  private constructor(private readonly db: SqliteDb) {}

  /** Opens (creating if needed), checks the pragmas and migrates. */
  static open(file: string, now: number): SqliteRepository {
    const db = openSqlite(file)
    try {
      migrate(db, now)
    } catch (e) {
      db.close()
      throw e
    }
    return new SqliteRepository(db)
  }

  private readonly cache = new Map<string, unknown>()
  // Statements are prepared once per SQL text; better-sqlite3 statements are reusable.
  private q<P extends unknown[] = unknown[], R = unknown>(sql: string): BetterSqlite3.Statement<P, R> {
    let s = this.cache.get(sql) as BetterSqlite3.Statement<P, R> | undefined
    if (s === undefined) {
      s = this.db.prepare<P, R>(sql)
      this.cache.set(sql, s)
    }
    return s
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close()
    return Promise.resolve()
  }

  ping(): Promise<boolean> {
    try {
      return Promise.resolve(this.db.open && this.q<[], { ok: number }>('SELECT 1 AS ok').get()?.ok === 1)
    } catch {
      return Promise.resolve(false)
    }
  }

  isEmpty(): Promise<boolean> {
    return Promise.resolve(this.q<[], { n: number }>('SELECT count(*) AS n FROM sites').get()?.n === 0)
  }

  seed(plan: SeedPlan): Promise<void> {
    this.db.transaction(() => {
      const siteId = this.q('INSERT INTO sites (name, kind) VALUES (?, ?)').run(plan.site.name, plan.site.kind).lastInsertRowid
      const buildingIds = new Map<string, number | bigint>()
      for (const b of plan.site.buildings) buildingIds.set(b, this.q('INSERT INTO buildings (site_id, name) VALUES (?, ?)').run(siteId, b).lastInsertRowid)
      const unitIds = new Map<string, number | bigint>()
      for (const u of plan.units) {
        const bId = buildingIds.get(u.building)
        if (bId === undefined) throw new Error(`seed: unknown building ${u.building}`)
        unitIds.set(`${u.building}\u0000${u.name}`, this.q('INSERT INTO units (building_id, name) VALUES (?, ?)').run(bId, u.name).lastInsertRowid)
      }
      const tariffId = this.q('INSERT INTO tariffs (name) VALUES (?)').run(plan.tariff.tariffName).lastInsertRowid
      this.q('INSERT INTO tariff_versions (tariff_id, effective_from, price_fen_per_kwh, min_vend_fen, max_vend_fen) VALUES (?, ?, ?, ?, ?)').run(
        tariffId,
        plan.tariff.effectiveFrom,
        plan.tariff.priceFenPerKwh,
        plan.tariff.minVendFen,
        plan.tariff.maxVendFen,
      )
      this.ensureLedgerAccount(ENERGY_SALES, plan.at)
      for (const c of plan.customers) {
        this.q('INSERT INTO customers (id, name, created_at) VALUES (?, ?, ?)').run(c.id, c.name, plan.at)
        this.q('INSERT INTO accounts (id, customer_id, tariff_id, created_at) VALUES (?, ?, ?, ?)').run(c.accountId, c.id, tariffId, plan.at)
        this.ensureLedgerAccount(walletAccount(c.accountId), plan.at)
      }
      for (const m of plan.meters) {
        const unitId = unitIds.get(`${m.building}\u0000${m.unitName}`)
        if (unitId === undefined) throw new Error(`seed: unknown unit ${m.unitName}`)
        this.q(
          `INSERT INTO meters (meter_no, unit_id, account_id, vending_key_id, iin, sgc, ti, krn, kt, ea, dkga, base_date, ken, profile)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(m.meterNo, unitId, m.accountId, m.vendingKeyId, m.iin, m.sgc, m.ti, m.krn, m.kt, m.ea, m.dkga, m.baseDate, m.ken, m.profile)
      }
      for (const c of plan.cards) {
        if (c.kind === 'resident') {
          this.q("INSERT INTO cards (card_no, uid, kind, account_id) VALUES (?, ?, 'resident', ?)").run(c.cardNo, c.uid, c.accountId)
        } else {
          this.q("INSERT INTO cards (card_no, uid, kind, staff_name, staff_role) VALUES (?, ?, 'staff', ?, ?)").run(c.cardNo, c.uid, c.staffName, c.staffRole)
        }
      }
      for (const k of plan.kiosks) {
        this.q('INSERT INTO kiosks (id, name, location, site_id, enrollment_code_hash) VALUES (?, ?, ?, ?, ?)').run(k.id, k.name, k.location, siteId, k.enrollmentCodeHash)
      }
      this.appendAuditSync({ at: plan.at, actor: 'system', action: 'demo.seeded', details: { meters: plan.meters.length, customers: plan.customers.length, kiosks: plan.kiosks.length } })
    }).immediate()
    return Promise.resolve()
  }

  // ── kiosks ────────────────────────────────────────────────────────────────────────────────

  getKiosk(id: string): Promise<KioskRecord | null> {
    return Promise.resolve(this.getKioskSync(id))
  }

  private getKioskSync(id: string): KioskRecord | null {
    const r = this.q<[string], KioskRow>(
      'SELECT k.id, k.name, k.location, s.name AS site_name, k.public_key, k.enrolled_at, k.revoked, k.cash_cycle FROM kiosks k JOIN sites s ON s.id = k.site_id WHERE k.id = ?',
    ).get(id)
    if (r === undefined) return null
    return { id: r.id, name: r.name, location: r.location, siteName: r.site_name, publicKey: r.public_key, enrolledAt: r.enrolled_at, revoked: r.revoked === 1, cashCycle: r.cash_cycle }
  }

  pendingEnrollments(): Promise<PendingEnrollment[]> {
    const rows = this.q<[], { id: string; h: string }>(
      'SELECT id, enrollment_code_hash AS h FROM kiosks WHERE enrollment_code_hash IS NOT NULL AND enrolled_at IS NULL AND revoked = 0',
    ).all()
    return Promise.resolve(rows.map((r) => ({ kioskId: r.id, codeHash: r.h })))
  }

  completeEnrollment(kioskId: string, codeHash: string, publicKey: string, now: number): Promise<boolean> {
    const ok = this.db.transaction(() => {
      const changed = this.q(
        'UPDATE kiosks SET public_key = ?, enrolled_at = ?, enrollment_code_hash = NULL WHERE id = ? AND enrollment_code_hash = ? AND enrolled_at IS NULL AND revoked = 0',
      ).run(publicKey, now, kioskId, codeHash).changes
      if (changed !== 1) return false
      const kiosk = this.getKioskSync(kioskId)
      if (kiosk !== null) this.ensureLedgerAccount(kioskCashAccount(kioskId, kiosk.cashCycle), now)
      this.appendAuditSync({ at: now, actor: `kiosk:${kioskId}`, action: 'kiosk.enrolled', details: { kioskId } })
      return true
    }).immediate()
    return Promise.resolve(ok)
  }

  useNonce(kioskId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    // Expired nonces can go: their timestamps fall outside the window, so they are refused anyway.
    if (++this.nonceInserts % 500 === 1) this.q('DELETE FROM kiosk_nonces WHERE expires_at < ?').run(now)
    const changes = this.q('INSERT INTO kiosk_nonces (kiosk_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(kioskId, nonce, expiresAt).changes
    return Promise.resolve(changes === 1)
  }

  countEnrolledKiosks(): Promise<number> {
    return Promise.resolve(this.q<[], { n: number }>('SELECT count(*) AS n FROM kiosks WHERE enrolled_at IS NOT NULL AND revoked = 0').get()?.n ?? 0)
  }

  revokeKiosk(kioskId: string, actor: string, now: number): Promise<boolean> {
    const ok = this.db.transaction(() => {
      if (this.q('UPDATE kiosks SET revoked = 1, enrollment_code_hash = NULL WHERE id = ? AND revoked = 0').run(kioskId).changes !== 1) return false
      this.appendAuditSync({ at: now, actor, action: 'kiosk.revoked', details: { kioskId } })
      return true
    }).immediate()
    return Promise.resolve(ok)
  }

  // ── customers, cards, meters ─────────────────────────────────────────────────────────────

  findCard(cardNo: string): Promise<CardRecord | null> {
    const r = this.q<
      [string],
      { card_no: string; kind: 'resident' | 'staff'; account_id: string | null; staff_name: string | null; staff_role: 'field' | 'cashier' | 'admin' | null; blocked: number }
    >('SELECT card_no, kind, account_id, staff_name, staff_role, blocked FROM cards WHERE card_no = ?').get(cardNo)
    if (r === undefined) return Promise.resolve(null)
    const blocked = r.blocked === 1
    if (r.kind === 'resident' && r.account_id !== null) return Promise.resolve({ kind: 'resident', cardNo: r.card_no, accountId: r.account_id, blocked })
    if (r.kind === 'staff' && r.staff_name !== null && r.staff_role !== null) {
      return Promise.resolve({ kind: 'staff', cardNo: r.card_no, staffName: r.staff_name, staffRole: r.staff_role, blocked })
    }
    return Promise.resolve(null)
  }

  findMeter(meterNo: string): Promise<MeterRecord | null> {
    return Promise.resolve(this.findMeterSync(meterNo))
  }

  private findMeterSync(meterNo: string): MeterRecord | null {
    const r = this.q<[string], MeterRow>(`${METER_SELECT} WHERE m.meter_no = ?`).get(meterNo)
    return r === undefined ? null : toMeter(r)
  }

  listMeters(): Promise<MeterRecord[]> {
    return Promise.resolve(this.q<[], MeterRow>(`${METER_SELECT} ORDER BY m.meter_no`).all().map(toMeter))
  }

  // ── vending keys (sealed records only; the security module holds the master key) ─────────

  getVendingKey(keyId: string): Promise<EncryptedVendingKey | undefined> {
    const r = this.q<[string], { id: string; iv: string; ciphertext: string; tag: string }>('SELECT id, iv, ciphertext, tag FROM vending_keys WHERE id = ?').get(keyId)
    return Promise.resolve(r === undefined ? undefined : { keyId: r.id, iv: r.iv, ciphertext: r.ciphertext, tag: r.tag })
  }

  putVendingKey(record: EncryptedVendingKey, now: number): Promise<void> {
    this.q(
      'INSERT INTO vending_keys (id, iv, ciphertext, tag, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at',
    ).run(record.keyId, record.iv, record.ciphertext, record.tag, now)
    return Promise.resolve()
  }

  deleteVendingKey(keyId: string): Promise<void> {
    this.q('DELETE FROM vending_keys WHERE id = ?').run(keyId)
    return Promise.resolve()
  }

  listVendingKeys(): Promise<string[]> {
    return Promise.resolve(this.q<[], { id: string }>('SELECT id FROM vending_keys ORDER BY id').all().map((r) => r.id))
  }

  getAccount(accountId: string, at: number): Promise<AccountView | null> {
    return Promise.resolve(this.getAccountSync(accountId, at))
  }

  private getAccountSync(accountId: string, at: number): AccountView | null {
    const a = this.q<
      [string],
      { id: string; name: string; status: 'open' | 'closed'; wallet_fen: number; arrears_fen: number; tariff_id: number; tariff_name: string }
    >(
      `SELECT a.id, c.name, a.status, a.wallet_fen, a.arrears_fen, a.tariff_id, t.name AS tariff_name
       FROM accounts a JOIN customers c ON c.id = a.customer_id JOIN tariffs t ON t.id = a.tariff_id WHERE a.id = ?`,
    ).get(accountId)
    if (a === undefined) return null
    const v = this.q<[number, number], { effective_from: number; price_fen_per_kwh: number; min_vend_fen: number; max_vend_fen: number }>(
      'SELECT effective_from, price_fen_per_kwh, min_vend_fen, max_vend_fen FROM tariff_versions WHERE tariff_id = ? AND effective_from <= ? ORDER BY effective_from DESC LIMIT 1',
    ).get(a.tariff_id, at)
    const meters = this.q<[string], { meter_no: string; unit_name: string; last_credit_wh: number | null }>(
      'SELECT m.meter_no, u.name AS unit_name, m.last_credit_wh FROM meters m JOIN units u ON u.id = m.unit_id WHERE m.account_id = ? ORDER BY m.meter_no',
    ).all(accountId)
    return {
      accountId: a.id,
      customerName: a.name,
      status: a.status,
      walletFen: a.wallet_fen,
      arrearsFen: a.arrears_fen,
      tariff:
        v === undefined
          ? null
          : { tariffName: a.tariff_name, priceFenPerKwh: v.price_fen_per_kwh, minVendFen: v.min_vend_fen, maxVendFen: v.max_vend_fen, effectiveFrom: v.effective_from },
      meters: meters.map((m) => ({ meterNo: m.meter_no, unitName: m.unit_name, lastCreditWh: m.last_credit_wh })),
    }
  }

  // ── vends ─────────────────────────────────────────────────────────────────────────────────

  getVend(vendId: string): Promise<VendRecord | null> {
    return Promise.resolve(this.getVendSync(vendId))
  }

  private getVendSync(vendId: string): VendRecord | null {
    const r = this.q<[string], VendRow>('SELECT vend_id, request_hash, kiosk_id, meter_no, response_json, created_at FROM vends WHERE vend_id = ?').get(vendId)
    if (r === undefined) return null
    return { vendId: r.vend_id, requestHash: r.request_hash, kioskId: r.kiosk_id, meterNo: r.meter_no, response: JSON.parse(r.response_json) as VendResponse, createdAt: r.created_at }
  }

  commitVend(req: VendCommitRequest): Promise<VendCommitResult> {
    try {
      return Promise.resolve(this.db.transaction(() => this.commitVendSync(req)).immediate())
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)))
    }
  }

  private commitVendSync(req: VendCommitRequest): VendCommitResult {
    // 1. Exactly once: a vend id is answered from storage forever after.
    const existing = this.getVendSync(req.vendId)
    if (existing !== null) {
      if (existing.requestHash === req.requestHash) return { kind: 'replayed', vend: existing }
      throw new Errors.vendIdReused()
    }
    // 2. A banknote is credited once, ever.
    for (const n of req.notes) {
      const spent = this.q<[string], { vend_id: string }>('SELECT vend_id FROM vend_notes WHERE note_id = ?').get(n.noteId)
      if (spent !== undefined) throw new Errors.vendNoteReused(n.noteId)
    }
    // 3. Compare-and-set against what the token was minted for.
    const meter = this.findMeterSync(req.meterNo)
    const account = meter === null ? null : this.getAccountSync(meter.accountId, Math.min(req.paidAt, req.now))
    if (
      meter === null ||
      account === null ||
      account.status !== 'open' ||
      account.accountId !== req.expected.accountId ||
      meter.lastTid !== req.expected.lastTid ||
      account.walletFen !== req.expected.walletFen ||
      account.tariff?.effectiveFrom !== req.expected.tariffEffectiveFrom
    ) {
      return { kind: 'stale' }
    }
    const kiosk = this.getKioskSync(req.kioskId)
    if (kiosk === null) throw new Errors.authUnknownKiosk()
    const { computation, tid, tokens } = req

    const seq = this.q<[string, string], { last_seq: number }>(
      'INSERT INTO receipt_counters (kiosk_id, day, last_seq) VALUES (?, ?, 1) ON CONFLICT (kiosk_id, day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq',
    ).get(req.kioskId, req.businessDay)?.last_seq
    if (seq === undefined) throw new Error('receipt counter did not return a sequence')
    const receiptNo = formatReceiptNo(req.kioskId, req.businessDay, seq)
    const response = buildVendResponse({
      vendId: req.vendId,
      receiptNo,
      meterNo: meter.meterNo,
      customerName: req.customerName,
      amountFen: req.amountFen,
      computation,
      tokens,
      tariffName: req.tariffName,
      createdAt: req.now,
    })
    const b = computation.breakdown

    this.q(
      `INSERT INTO vends (vend_id, request_hash, kiosk_id, meter_no, account_id, card_no, amount_fen, wallet_used_fen, energy_fen, carried_over_fen,
                          energy_wh, units01, tid, status, receipt_no, response_json, paid_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?)`,
    ).run(
      req.vendId,
      req.requestHash,
      req.kioskId,
      meter.meterNo,
      account.accountId,
      req.cardNo,
      req.amountFen,
      b.walletUsedFen,
      b.energyFen,
      b.carriedOverFen,
      computation.energyWh,
      computation.units01,
      tid,
      receiptNo,
      JSON.stringify(response),
      req.paidAt,
      req.now,
    )
    const insertNote = this.q('INSERT INTO vend_notes (note_id, vend_id, value_fen) VALUES (?, ?, ?)')
    for (const n of req.notes) insertNote.run(n.noteId, req.vendId, n.valueFen)

    this.ensureLedgerAccount(kioskCashAccount(kiosk.id, kiosk.cashCycle), req.now)
    this.ensureLedgerAccount(walletAccount(account.accountId), req.now)
    this.ensureLedgerAccount(ENERGY_SALES, req.now)
    const insertTransfer = this.q('INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_fen, vend_id, kind, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    const transfers = vendTransfers({
      vendId: req.vendId,
      kioskId: kiosk.id,
      cashCycle: kiosk.cashCycle,
      accountId: account.accountId,
      amountFen: req.amountFen,
      energyFen: b.energyFen,
      at: req.now,
    })
    for (const t of transfers) insertTransfer.run(t.id, t.debitAccount, t.creditAccount, t.amountFen, t.vendId, t.kind, t.at)

    // The cached wallet moves with its ledger account (the ledger check proves they agree).
    this.q('UPDATE accounts SET wallet_fen = ? WHERE id = ?').run(b.carriedOverFen, account.accountId)
    this.q('UPDATE meters SET last_tid = ? WHERE meter_no = ?').run(tid, meter.meterNo)

    const deliveryId = uuidv7(req.now)
    this.q(
      `INSERT INTO deliveries (id, vend_id, meter_no, tokens_json, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    ).run(deliveryId, req.vendId, meter.meterNo, JSON.stringify(tokens), req.now, req.now, req.now)

    this.appendAuditSync({
      at: req.now,
      actor: `kiosk:${kiosk.id}`,
      action: 'vend.committed',
      details: { vendId: req.vendId, receiptNo, meterNo: meter.meterNo, accountId: account.accountId, amountFen: req.amountFen, energyWh: computation.energyWh, tid, notes: req.notes.length },
    })
    return {
      kind: 'created',
      deliveryId,
      vend: { vendId: req.vendId, requestHash: req.requestHash, kioskId: req.kioskId, meterNo: meter.meterNo, response, createdAt: req.now },
    }
  }

  private ensureLedgerAccount(a: LedgerAccountRef, now: number): void {
    this.q('INSERT INTO ledger_accounts (id, kind, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run(a.id, a.kind, a.name, now)
  }

  // ── audit ─────────────────────────────────────────────────────────────────────────────────

  appendAudit(entry: AuditEntryInput): Promise<void> {
    this.db.transaction(() => this.appendAuditSync(entry)).immediate()
    return Promise.resolve()
  }

  private appendAuditSync(entry: AuditEntryInput): void {
    const prev = this.q<[], { hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get()?.hash ?? GENESIS_HASH
    const fields = { at: entry.at, actor: entry.actor, action: entry.action, details: auditDetailsText(entry.details) }
    this.q('INSERT INTO audit_log (at, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)').run(
      fields.at,
      fields.actor,
      fields.action,
      fields.details,
      prev,
      auditHash(prev, fields),
    )
  }

  verifyAuditChain(): Promise<{ ok: boolean; entries: number; brokenAt: number | null }> {
    let prev = GENESIS_HASH
    let entries = 0
    for (const r of this.q<[], { seq: number; at: number; actor: string; action: string; details: string; prev_hash: string; hash: string }>(
      'SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY seq',
    ).iterate()) {
      entries++
      if (r.prev_hash !== prev || auditHash(prev, r) !== r.hash) return Promise.resolve({ ok: false, entries, brokenAt: r.seq })
      prev = r.hash
    }
    return Promise.resolve({ ok: true, entries, brokenAt: null })
  }

  // ── deliveries ───────────────────────────────────────────────────────────────────────────

  dueDeliveries(now: number, limit: number): Promise<DeliveryRecord[]> {
    return Promise.resolve(
      this.q<[number, number], DeliveryRow>(
        "SELECT * FROM deliveries WHERE state IN ('pending', 'sent') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      )
        .all(now, limit)
        .map(toDelivery),
    )
  }

  nextDueAt(): Promise<number | null> {
    return Promise.resolve(this.q<[], { t: number | null }>("SELECT min(next_attempt_at) AS t FROM deliveries WHERE state IN ('pending', 'sent')").get()?.t ?? null)
  }

  markDeliveryAttempt(id: string, now: number, nextAttemptAt: number): Promise<void> {
    this.q(
      "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'sent')",
    ).run(nextAttemptAt, now, id)
    return Promise.resolve()
  }

  settleDelivery(
    id: string,
    meterNo: string,
    outcome: { state: 'accepted' | 'rejected'; reason: string | null; creditWh: number | null },
    now: number,
  ): Promise<DeliveryRecord | null> {
    const settled = this.db.transaction(() => {
      // The state guard makes the first answer the only answer: a duplicate ack changes nothing.
      const changes = this.q(
        "UPDATE deliveries SET state = ?, reason = ?, acked_at = ?, updated_at = ? WHERE id = ? AND meter_no = ? AND state IN ('pending', 'sent')",
      ).run(outcome.state, outcome.reason, now, now, id, meterNo).changes
      if (changes !== 1) return null
      if (outcome.creditWh !== null) this.q('UPDATE meters SET last_credit_wh = ?, last_seen_at = ? WHERE meter_no = ?').run(outcome.creditWh, now, meterNo)
      return this.getDeliverySync(id)
    }).immediate()
    return Promise.resolve(settled)
  }

  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return Promise.resolve(this.getDeliverySync(id))
  }

  private getDeliverySync(id: string): DeliveryRecord | null {
    const r = this.q<[string], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?').get(id)
    return r === undefined ? null : toDelivery(r)
  }

  deliveryForVend(vendId: string): Promise<DeliveryRecord | null> {
    const r = this.q<[string], DeliveryRow>('SELECT * FROM deliveries WHERE vend_id = ? ORDER BY created_at DESC, id DESC LIMIT 1').get(vendId)
    return Promise.resolve(r === undefined ? null : toDelivery(r))
  }

  listDeliveries(meterNo: string, limit: number): Promise<DeliveryRecord[]> {
    return Promise.resolve(
      this.q<[string, number], DeliveryRow>('SELECT * FROM deliveries WHERE meter_no = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(meterNo, limit).map(toDelivery),
    )
  }

  outboxDepth(): Promise<number> {
    return Promise.resolve(this.q<[], { n: number }>("SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sent')").get()?.n ?? 0)
  }

  // ── readings ─────────────────────────────────────────────────────────────────────────────

  insertReading(r: ReadingRecord): Promise<boolean> {
    const inserted = this.db.transaction(() => {
      const changes = this.q(
        `INSERT INTO readings (meter_no, at, energy_wh, credit_wh, power_w, relay, tamper)
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM meters WHERE meter_no = ?)
         ON CONFLICT (meter_no, at) DO NOTHING`,
      ).run(r.meterNo, r.at, r.energyWh, r.creditWh, r.powerW, r.relay, r.tamper ? 1 : 0, r.meterNo).changes
      if (changes === 1) {
        // Only a newer reading moves the meter's last known credit (readings can arrive out of order).
        this.q('UPDATE meters SET last_credit_wh = ?, last_seen_at = ? WHERE meter_no = ? AND (last_seen_at IS NULL OR last_seen_at <= ?)').run(r.creditWh, r.at, r.meterNo, r.at)
      }
      return changes === 1
    })()
    return Promise.resolve(inserted)
  }

  latestReadings(meterNo: string, limit: number): Promise<ReadingRecord[]> {
    return Promise.resolve(
      this.q<[string, number], ReadingRow>('SELECT * FROM readings WHERE meter_no = ? ORDER BY at DESC LIMIT ?')
        .all(meterNo, limit)
        .map((r) => ({ meterNo: r.meter_no, at: r.at, energyWh: r.energy_wh, creditWh: r.credit_wh, powerW: r.power_w, relay: r.relay, tamper: r.tamper === 1 })),
    )
  }

  setMeterOnline(meterNo: string, online: boolean): Promise<boolean> {
    return Promise.resolve(this.q('UPDATE meters SET online = ? WHERE meter_no = ?').run(online ? 1 : 0, meterNo).changes === 1)
  }

  // ── ledger ───────────────────────────────────────────────────────────────────────────────

  ledgerCheck(): Promise<LedgerCheck> {
    const totals = this.q<[], { debits: number; credits: number }>(
      `SELECT (SELECT coalesce(sum(t.amount_fen), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account) AS debits,
              (SELECT coalesce(sum(t.amount_fen), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account) AS credits`,
    ).get()
    const bad = this.q<[], { n: number }>(
      `SELECT count(*) AS n FROM vends v
       WHERE v.amount_fen <> coalesce((SELECT sum(amount_fen) FROM ledger_transfers t WHERE t.vend_id = v.vend_id AND t.kind = 'vend.cash'), 0)
          OR v.energy_fen <> coalesce((SELECT sum(amount_fen) FROM ledger_transfers t WHERE t.vend_id = v.vend_id AND t.kind = 'vend.energy'), 0)`,
    ).get()
    const wallets = this.q<[], { n: number }>(
      `SELECT count(*) AS n FROM accounts a
       WHERE a.wallet_fen <> coalesce((SELECT sum(amount_fen) FROM ledger_transfers WHERE credit_account = 'wallet:' || a.id), 0)
                            - coalesce((SELECT sum(amount_fen) FROM ledger_transfers WHERE debit_account = 'wallet:' || a.id), 0)`,
    ).get()
    const debits = totals?.debits ?? 0
    const credits = totals?.credits ?? 0
    const vendsWithoutTransfer = bad?.n ?? 0
    const walletsMismatched = wallets?.n ?? 0
    return Promise.resolve({ balanced: debits === credits && vendsWithoutTransfer === 0 && walletsMismatched === 0, totalDebitsFen: debits, totalCreditsFen: credits, vendsWithoutTransfer, walletsMismatched })
  }
}

function toMeter(r: MeterRow): MeterRecord {
  return {
    meterNo: r.meter_no,
    accountId: r.account_id,
    unitName: r.unit_name,
    vendingKeyId: r.vending_key_id,
    iin: r.iin,
    sgc: r.sgc,
    ti: r.ti,
    krn: r.krn,
    kt: r.kt,
    ea: r.ea as Ea,
    dkga: r.dkga as Dkga,
    baseDate: r.base_date as BaseDate,
    ken: r.ken,
    lastTid: r.last_tid,
    profile: r.profile as MeterProfile,
    lastCreditWh: r.last_credit_wh,
  }
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    vendId: r.vend_id,
    meterNo: r.meter_no,
    tokens: JSON.parse(r.tokens_json) as string[],
    state: r.state,
    reason: r.reason,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ackedAt: r.acked_at,
  }
}
