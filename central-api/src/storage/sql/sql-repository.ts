/**
 * The Repository, written once for both engines (see query.ts). Reads run outside transactions;
 * each write is one transaction (on SQLite one savepoint of a group commit).
 */
import type { TariffDefinition } from '@gridtill/shared'
import { auditHash, GENESIS_HASH } from '../../audit/chain.ts'
import { kioskCashAccount } from '../../ledger/vend-transfers.ts'
import type { EncryptedVendingKey } from '../../security-module/index.ts'
import type {
  AccountView,
  AuditEntryInput,
  CardRecord,
  DeliveryRecord,
  KioskRecord,
  LedgerCheck,
  MeterRecord,
  PendingEnrollment,
  ReadingRecord,
  Repository,
  SeedPlan,
  StaffRecord,
  StaffRequestRecord,
  VendClaimRequest,
  VendClaimResult,
  VendCommitRequest,
  VendCommitResult,
  VendRecord,
} from '../repository.ts'
import { accountWithTariff, appendAudit, ensureLedgerAccounts } from './common-ops.ts'
import { ledgerCheck } from './ledger-ops.ts'
import { all, get, run, type SqlEngine } from './query.ts'
import { KIOSK_SELECT, METER_SELECT, tariffStateOf, toDelivery, toKiosk, toMeter, toVend, type DeliveryRow, type KioskRow, type MeterRow, type VendRow } from './rows.ts'
import { seed } from './seed-ops.ts'
import * as staff from './staff-ops.ts'
import { claimVend, commitVend, releaseVendClaim, VEND_SELECT } from './vend-ops.ts'

/** Expired nonces are swept every this many inserts (their timestamps are outside the window anyway). */
const NONCE_SWEEP_EVERY = 500
// Hot statements as constants: one string each, so the engines' statement caches hit at once.
const METER_BY_NO = `${METER_SELECT} WHERE m.meter_no = ?`
const KIOSK_BY_ID = `${KIOSK_SELECT} WHERE k.id = ?`
const VEND_BY_ID = `${VEND_SELECT} WHERE vend_id = ?`

export class SqlRepository implements Repository {
  readonly engine: 'sqlite' | 'postgres'
  private nonceInserts = 0

  constructor(private readonly db: SqlEngine) {
    this.engine = db.dialect.name
  }

  private get d() {
    return this.db.dialect
  }

  close(): Promise<void> {
    return this.db.close()
  }

  ping(): Promise<boolean> {
    return this.db.ping()
  }

  settled(): Promise<void> {
    return this.db.settled()
  }

  storageStats(): { commits: number; writes: number } | null {
    return this.db.stats === undefined ? null : { commits: this.db.stats.commits, writes: this.db.stats.writes }
  }

  isEmpty(): Promise<boolean> {
    return this.db.read(function* () {
      return (yield* get<{ n: number }>('SELECT count(*) AS n FROM sites'))?.n === 0
    })
  }

  seed(plan: SeedPlan, options: { onlyIfEmpty?: boolean } = {}): Promise<boolean> {
    return this.db.write(() => seed(this.d, plan, options.onlyIfEmpty === true))
  }

  // ── kiosks ────────────────────────────────────────────────────────────────────────────────

  getKiosk(id: string): Promise<KioskRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<KioskRow>(KIOSK_BY_ID, [id])
      return r === undefined ? null : toKiosk(r)
    })
  }

  pendingEnrollments(): Promise<PendingEnrollment[]> {
    return this.db.read(function* () {
      const rows = yield* all<{ id: string; h: string }>(
        'SELECT id, enrollment_code_hash AS h FROM kiosks WHERE enrollment_code_hash IS NOT NULL AND enrolled_at IS NULL AND revoked = 0',
      )
      return rows.map((r) => ({ kioskId: r.id, codeHash: r.h }))
    })
  }

  completeEnrollment(kioskId: string, codeHash: string, publicKey: string, now: number): Promise<boolean> {
    const d = this.d
    return this.db.write(function* () {
      const changed = yield* run(
        'UPDATE kiosks SET public_key = ?, enrolled_at = ?, enrollment_code_hash = NULL WHERE id = ? AND enrollment_code_hash = ? AND enrolled_at IS NULL AND revoked = 0',
        [publicKey, now, kioskId, codeHash],
      )
      if (changed !== 1) return false
      const k = yield* get<KioskRow>(`${KIOSK_SELECT} WHERE k.id = ?`, [kioskId])
      if (k !== undefined) yield* ensureLedgerAccounts([kioskCashAccount(kioskId, k.cash_cycle)], now)
      yield* appendAudit(d, { at: now, actor: `kiosk:${kioskId}`, action: 'kiosk.enrolled', details: { kioskId } })
      return true
    })
  }

  useNonce(kioskId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    const sweep = ++this.nonceInserts % NONCE_SWEEP_EVERY === 1
    return this.db.write(
      function* () {
        if (sweep) yield* run('DELETE FROM kiosk_nonces WHERE expires_at < ?', [now])
        return (yield* run('INSERT INTO kiosk_nonces (kiosk_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [kioskId, nonce, expiresAt])) === 1
      },
      { deferCommit: true, autocommit: true },
    )
  }

  countEnrolledKiosks(): Promise<number> {
    return this.db.read(function* () {
      return (yield* get<{ n: number }>('SELECT count(*) AS n FROM kiosks WHERE enrolled_at IS NOT NULL AND revoked = 0'))?.n ?? 0
    })
  }

  revokeKiosk(kioskId: string, actor: string, now: number): Promise<boolean> {
    const d = this.d
    return this.db.write(function* () {
      if ((yield* run('UPDATE kiosks SET revoked = 1, enrollment_code_hash = NULL WHERE id = ? AND revoked = 0', [kioskId])) !== 1) return false
      yield* appendAudit(d, { at: now, actor, action: 'kiosk.revoked', details: { kioskId } })
      return true
    })
  }

  // ── customers, cards, meters, tariffs ────────────────────────────────────────────────────

  findCard(cardNo: string): Promise<CardRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<{
        card_no: string
        kind: 'resident' | 'staff'
        account_id: string | null
        staff_name: string | null
        staff_role: 'field' | 'cashier' | 'admin' | null
        blocked: number
      }>('SELECT card_no, kind, account_id, staff_name, staff_role, blocked FROM cards WHERE card_no = ?', [cardNo])
      if (r === undefined) return null
      const blocked = r.blocked === 1
      if (r.kind === 'resident' && r.account_id !== null) return { kind: 'resident', cardNo: r.card_no, accountId: r.account_id, blocked }
      if (r.kind === 'staff' && r.staff_name !== null && r.staff_role !== null) {
        return { kind: 'staff', cardNo: r.card_no, staffName: r.staff_name, staffRole: r.staff_role, blocked }
      }
      return null
    })
  }

  findMeter(meterNo: string): Promise<MeterRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<MeterRow>(METER_BY_NO, [meterNo])
      return r === undefined ? null : toMeter(r)
    })
  }

  listMeters(): Promise<MeterRecord[]> {
    return this.db.read(function* () {
      return (yield* all<MeterRow>(`${METER_SELECT} ORDER BY m.meter_no`)).map(toMeter)
    })
  }

  getAccount(accountId: string, at: number): Promise<AccountView | null> {
    const d = this.d
    return this.db.read(function* () {
      const a = yield* accountWithTariff(d, accountId, at, false)
      if (a === null) return null
      const meters = yield* all<{ meter_no: string; unit_name: string; last_credit_wh: number | null }>(
        'SELECT m.meter_no, u.name AS unit_name, m.last_credit_wh FROM meters m JOIN units u ON u.id = m.unit_id WHERE m.account_id = ? ORDER BY m.meter_no',
        [accountId],
      )
      return {
        accountId: a.row.id,
        customerName: a.row.customer_name,
        status: a.row.status,
        walletFen: a.row.wallet_fen,
        arrearsFen: a.row.arrears_fen,
        tariff: a.version,
        tariffState: a.version === null ? null : tariffStateOf(a.row, a.version.definition, at),
        meters: meters.map((m) => ({ meterNo: m.meter_no, unitName: m.unit_name, lastCreditWh: m.last_credit_wh })),
      }
    })
  }

  getMeterAccount(meterNo: string, at: number): Promise<{ meter: MeterRecord; account: Omit<AccountView, 'meters'> } | null> {
    const d = this.d
    return this.db.read(function* () {
      const m = yield* get<MeterRow>(METER_BY_NO, [meterNo])
      if (m === undefined) return null
      const a = yield* accountWithTariff(d, m.account_id, at, false)
      if (a === null) return null
      return {
        meter: toMeter(m),
        account: {
          accountId: a.row.id,
          customerName: a.row.customer_name,
          status: a.row.status,
          walletFen: a.row.wallet_fen,
          arrearsFen: a.row.arrears_fen,
          tariff: a.version,
          tariffState: a.version === null ? null : tariffStateOf(a.row, a.version.definition, at),
        },
      }
    })
  }

  putTariffVersion(v: { tariffName: string; effectiveFrom: number; definition: TariffDefinition; actor: string; now: number }): Promise<number> {
    const d = this.d
    return this.db.write(
      function* () {
        yield* run('INSERT INTO tariffs (name) VALUES (?) ON CONFLICT (name) DO NOTHING', [v.tariffName])
        const t = yield* get<{ id: number }>('SELECT id FROM tariffs WHERE name = ?', [v.tariffName])
        if (t === undefined) throw new Error(`tariff ${v.tariffName} vanished`)
        const row = yield* get<{ id: number }>('INSERT INTO tariff_versions (tariff_id, effective_from, definition, created_at) VALUES (?, ?, ?, ?) RETURNING id', [
          t.id,
          v.effectiveFrom,
          JSON.stringify(v.definition),
          v.now,
        ])
        if (row === undefined) throw new Error('tariff version insert returned no id')
        yield* appendAudit(d, { at: v.now, actor: v.actor, action: 'tariff.versionAdded', details: { tariffName: v.tariffName, effectiveFrom: v.effectiveFrom, versionId: row.id } })
        return row.id
      },
      { retryOnUniqueViolation: true },
    )
  }

  // ── vending keys ─────────────────────────────────────────────────────────────────────────

  getVendingKey(keyId: string): Promise<EncryptedVendingKey | undefined> {
    return this.db.read(function* () {
      const r = yield* get<{ id: string; iv: string; ciphertext: string; tag: string }>('SELECT id, iv, ciphertext, tag FROM vending_keys WHERE id = ?', [keyId])
      return r === undefined ? undefined : { keyId: r.id, iv: r.iv, ciphertext: r.ciphertext, tag: r.tag }
    })
  }

  putVendingKey(record: EncryptedVendingKey, now: number): Promise<void> {
    return this.db.write(function* () {
      yield* run(
        `INSERT INTO vending_keys (id, iv, ciphertext, tag, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at`,
        [record.keyId, record.iv, record.ciphertext, record.tag, now],
      )
    })
  }

  deleteVendingKey(keyId: string): Promise<void> {
    return this.db.write(function* () {
      yield* run('DELETE FROM vending_keys WHERE id = ?', [keyId])
    })
  }

  listVendingKeys(): Promise<string[]> {
    return this.db.read(function* () {
      return (yield* all<{ id: string }>('SELECT id FROM vending_keys ORDER BY id')).map((r) => r.id)
    })
  }

  // ── vends ─────────────────────────────────────────────────────────────────────────────────

  getVend(vendId: string): Promise<VendRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<VendRow>(VEND_BY_ID, [vendId])
      return r === undefined ? null : toVend(r)
    })
  }

  claimVend(req: VendClaimRequest): Promise<VendClaimResult> {
    return this.db.write(() => claimVend(this.d, req), { deferCommit: true, autocommit: true })
  }

  releaseVendClaim(vendId: string, owner: string): Promise<void> {
    return this.db.write(() => releaseVendClaim(vendId, owner), { deferCommit: true, asyncCommit: true })
  }

  commitVend(req: VendCommitRequest): Promise<VendCommitResult> {
    return this.db.write(() => commitVend(this.d, req), { retryOnUniqueViolation: true })
  }

  appendAudit(entry: AuditEntryInput): Promise<void> {
    return this.db.write(() => appendAudit(this.d, entry))
  }

  verifyAuditChain(): Promise<{ ok: boolean; entries: number; brokenAt: number | null }> {
    return this.db.read(function* () {
      let prev = GENESIS_HASH
      let entries = 0
      const rows = yield* all<{ seq: number; at: number; actor: string; action: string; details: string; prev_hash: string; hash: string }>(
        'SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log ORDER BY seq',
      )
      for (const r of rows) {
        entries++
        if (r.prev_hash !== prev || auditHash(prev, r) !== r.hash) return { ok: false, entries, brokenAt: r.seq }
        prev = r.hash
      }
      return { ok: true, entries, brokenAt: null }
    })
  }

  // ── staff ────────────────────────────────────────────────────────────────────────────────

  findStaff(staffId: string): Promise<StaffRecord | null> {
    return this.db.read(() => staff.findStaff(staffId))
  }

  requestReversal(r: { requestId: string; vendId: string; reason: string; staffId: string; now: number }): Promise<StaffRequestRecord> {
    return this.db.write(() => staff.requestReversal(this.d, r), { retryOnUniqueViolation: true })
  }

  requestRefund(r: { requestId: string; accountId: string; amountFen: number; reason: string; staffId: string; now: number }): Promise<StaffRequestRecord> {
    return this.db.write(() => staff.requestRefund(this.d, r))
  }

  approveRequest(r: { requestId: string; staffId: string; now: number }): Promise<StaffRequestRecord> {
    return this.db.write(() => staff.approveRequest(this.d, r))
  }

  rejectRequest(r: { requestId: string; staffId: string; note: string; now: number }): Promise<StaffRequestRecord> {
    return this.db.write(() => staff.rejectRequest(this.d, r))
  }

  getStaffRequest(requestId: string): Promise<StaffRequestRecord | null> {
    return this.db.read(() => staff.getStaffRequest(requestId))
  }

  // ── deliveries ───────────────────────────────────────────────────────────────────────────

  claimDueDeliveries(now: number, limit: number, backoffMs: (attempts: number) => number): Promise<DeliveryRecord[]> {
    const d = this.d
    return this.db.write(function* () {
      const due = yield* all<{ id: string; attempts: number }>(
        `SELECT id, attempts FROM deliveries WHERE state IN ('pending', 'sent') AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?${d.forUpdateSkipLocked}`,
        [now, limit],
      )
      const out: DeliveryRecord[] = []
      for (const row of due) {
        const attempts = row.attempts + 1
        // The attempt is recorded before the publish: a crash costs one extra publish, never a lost one.
        const r = yield* get<DeliveryRow>(
          "UPDATE deliveries SET state = 'sent', attempts = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? RETURNING *",
          [attempts, now + backoffMs(attempts), now, row.id],
        )
        if (r !== undefined) out.push(toDelivery(r))
      }
      return out
    })
  }

  nextDueAt(): Promise<number | null> {
    return this.db.read(function* () {
      return (yield* get<{ t: number | null }>("SELECT min(next_attempt_at) AS t FROM deliveries WHERE state IN ('pending', 'sent')"))?.t ?? null
    })
  }

  settleDelivery(
    id: string,
    meterNo: string,
    outcome: { state: 'accepted' | 'rejected'; reason: string | null; creditWh: number | null },
    now: number,
  ): Promise<{ kind: 'settled' | 'duplicate' | 'voided'; delivery: DeliveryRecord | null }> {
    const d = this.d
    return this.db.write(function* () {
      // The state guard makes the first answer the only answer: a duplicate ack changes nothing.
      const changed = yield* get<DeliveryRow>(
        "UPDATE deliveries SET state = ?, reason = ?, acked_at = ?, updated_at = ? WHERE id = ? AND meter_no = ? AND state IN ('pending', 'sent') RETURNING *",
        [outcome.state, outcome.reason, now, now, id, meterNo],
      )
      if (changed !== undefined && outcome.creditWh !== null) {
        yield* run('UPDATE meters SET last_credit_wh = ?, last_seen_at = ? WHERE meter_no = ?', [outcome.creditWh, now, meterNo])
      }
      if (changed !== undefined) return { kind: 'settled' as const, delivery: toDelivery(changed) }
      const current = yield* get<DeliveryRow>('SELECT * FROM deliveries WHERE id = ? AND meter_no = ?', [id, meterNo])
      if (current?.state === 'cancelled' && outcome.state === 'accepted') {
        // A reversed vend's token reached the meter anyway (keyed in from the receipt): energy
        // was given for money returned. Recorded for the back office to recover.
        yield* appendAudit(d, { at: now, actor: `meter:${meterNo}`, action: 'delivery.voidedTokenAccepted', details: { deliveryId: id, vendId: current.vend_id } })
        return { kind: 'voided' as const, delivery: toDelivery(current) }
      }
      return { kind: 'duplicate' as const, delivery: current === undefined ? null : toDelivery(current) }
    })
  }

  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<DeliveryRow>('SELECT * FROM deliveries WHERE id = ?', [id])
      return r === undefined ? null : toDelivery(r)
    })
  }

  deliveryForVend(vendId: string): Promise<DeliveryRecord | null> {
    return this.db.read(function* () {
      const r = yield* get<DeliveryRow>('SELECT * FROM deliveries WHERE vend_id = ? ORDER BY created_at DESC, id DESC LIMIT 1', [vendId])
      return r === undefined ? null : toDelivery(r)
    })
  }

  listDeliveries(meterNo: string, limit: number): Promise<DeliveryRecord[]> {
    return this.db.read(function* () {
      return (yield* all<DeliveryRow>('SELECT * FROM deliveries WHERE meter_no = ? ORDER BY created_at DESC, id DESC LIMIT ?', [meterNo, limit])).map(toDelivery)
    })
  }

  outboxDepth(): Promise<number> {
    return this.db.read(function* () {
      return (yield* get<{ n: number }>("SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'sent')"))?.n ?? 0
    })
  }

  // ── readings ─────────────────────────────────────────────────────────────────────────────

  insertReading(r: ReadingRecord): Promise<boolean> {
    return this.db.write(function* () {
      if ((yield* get('SELECT meter_no FROM meters WHERE meter_no = ?', [r.meterNo])) === undefined) return false
      const inserted =
        (yield* run(
          `INSERT INTO readings (meter_no, at, energy_wh, credit_wh, power_w, relay, tamper) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (meter_no, at) DO NOTHING`,
          [r.meterNo, r.at, r.energyWh, r.creditWh, r.powerW, r.relay, r.tamper ? 1 : 0],
        )) === 1
      if (inserted) {
        // Only a newer reading moves the meter's last known credit (readings can arrive out of order).
        yield* run('UPDATE meters SET last_credit_wh = ?, last_seen_at = ? WHERE meter_no = ? AND (last_seen_at IS NULL OR last_seen_at <= ?)', [r.creditWh, r.at, r.meterNo, r.at])
      }
      return inserted
    })
  }

  latestReadings(meterNo: string, limit: number): Promise<ReadingRecord[]> {
    return this.db.read(function* () {
      const rows = yield* all<{ meter_no: string; at: number; energy_wh: number; credit_wh: number; power_w: number; relay: 'closed' | 'open'; tamper: number }>(
        'SELECT * FROM readings WHERE meter_no = ? ORDER BY at DESC LIMIT ?',
        [meterNo, limit],
      )
      return rows.map((r) => ({ meterNo: r.meter_no, at: r.at, energyWh: r.energy_wh, creditWh: r.credit_wh, powerW: r.power_w, relay: r.relay, tamper: r.tamper === 1 }))
    })
  }

  setMeterOnline(meterNo: string, online: boolean): Promise<boolean> {
    return this.db.write(function* () {
      return (yield* run('UPDATE meters SET online = ? WHERE meter_no = ?', [online ? 1 : 0, meterNo])) === 1
    })
  }

  // ── ledger ───────────────────────────────────────────────────────────────────────────────

  ledgerCheck(): Promise<LedgerCheck> {
    // One snapshot for every query, or vends committing meanwhile would look like mismatches.
    return this.db.readSnapshot(ledgerCheck)
  }
}

