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
import { accountWithTariff, appendAudit, ensureLedgerAccounts, valuesSql } from './common-ops.ts'
import { ledgerCheck } from './ledger-ops.ts'
import type { AnalyticsHistoryPlan, CommonMeterRecord, DailyEnergy, EstateMeter, HourlyEnergy, MeterAnalyticsState, RollupWrite, UsageAlertInput, UsageAlertRecord } from '../analytics-repository.ts'
import * as analytics from './analytics-ops.ts'
import * as fieldOps from './field-ops-ops.ts'
import type { AlertChanges, AlertRecord, KioskHealthRecord, KioskHistory, RecordHeartbeat, RecordServiceEvent, ServiceEventOutcome, WorkOrderRecord, WorkOrderState } from '../field-ops-repository.ts'
import * as history from './history-ops.ts'
import type { HistoryVendRecord, MeterRegisterSamples } from '../history-repository.ts'
import { all, get, run, type SqlEngine } from './query.ts'
import { KIOSK_SELECT, METER_SELECT, tariffStateOf, toDelivery, toKiosk, toMeter, toVend, type DeliveryRow, type KioskRow, type MeterRow, type VendRow } from './rows.ts'
import { seed } from './seed-ops.ts'
import * as staff from './staff-ops.ts'
import * as cash from './cash-ops.ts'
import * as consoleOps from './console-ops.ts'
import type * as C from '../console-repository.ts'
import type { CollectionPostInput, CollectionPostResult, CollectionRecord, CollectionState, CountInput, DepositRecord } from '../cash-repository.ts'
import * as meterControl from './meter-control-ops.ts'
import { backoffDelay, type Backoff, type MeterAlertRecord, type MeterCommandBatch, type MeterCommandFilter, type MeterCommandInsertOutcome, type MeterCommandRecord, type MeterStatusFilter, type MeterStatusRecord } from '../meter-control-repository.ts'
import { claimVend, commitVend, releaseVendClaim, VEND_SELECT } from './vend-ops.ts'

/** Expired nonces are swept every this many inserts (their timestamps are outside the window anyway). */
const NONCE_SWEEP_EVERY = 500
/** Multi-row inserts of at most this many nonces: few statement shapes for the statement caches. */
const NONCE_ROWS_PER_STATEMENT = 32
// Hot statements as constants: one string each, so the engines' statement caches hit at once.
const METER_BY_NO = `${METER_SELECT} WHERE m.meter_no = ?`
// A meter swapped out (console, meter_swaps) is never sold to again.
const METER_IN_SERVICE_BY_NO = `${METER_SELECT} WHERE m.meter_no = ? AND m.removed_at IS NULL`
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

  /**
   * Spent nonces already decided in memory (the SQLite worker repository's ProcessGuards): a turn's
   * nonces in one write, written so a restart inside the signature window still refuses a replay.
   * A row already present (memory swept it, the database not yet) is left as it is.
   */
  recordSpentNonces(rows: readonly (readonly [kioskId: string, nonce: string, expiresAt: number])[], now: number): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    const inserts = this.nonceInserts
    this.nonceInserts += rows.length
    const sweep = Math.floor(inserts / NONCE_SWEEP_EVERY) !== Math.floor(this.nonceInserts / NONCE_SWEEP_EVERY)
    return this.db.write(
      function* () {
        if (sweep) yield* run('DELETE FROM kiosk_nonces WHERE expires_at < ?', [now])
        for (let i = 0; i < rows.length; i += NONCE_ROWS_PER_STATEMENT) {
          const chunk = rows.slice(i, i + NONCE_ROWS_PER_STATEMENT)
          yield* run(`INSERT INTO kiosk_nonces (kiosk_id, nonce, expires_at) VALUES ${valuesSql(3, chunk.length)} ON CONFLICT DO NOTHING`, chunk.flat())
        }
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
        'SELECT m.meter_no, u.name AS unit_name, m.last_credit_wh FROM meters m JOIN units u ON u.id = m.unit_id WHERE m.account_id = ? AND m.removed_at IS NULL ORDER BY m.meter_no',
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
      const m = yield* get<MeterRow>(METER_IN_SERVICE_BY_NO, [meterNo])
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

  claimDueDeliveries(now: number, limit: number, backoffMs: Backoff): Promise<DeliveryRecord[]> {
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
          [attempts, now + backoffDelay(backoffMs, attempts), now, row.id],
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

  // ── history (history-repository.ts) ──────────────────────────────────────────────────────

  recentVendsForAccount(accountId: string, limit: number): Promise<HistoryVendRecord[]> {
    return this.db.read(() => history.recentVendsForAccount(accountId, limit))
  }

  energyRegisterSamples(meterNos: readonly string[], instants: readonly number[]): Promise<MeterRegisterSamples[]> {
    return this.db.read(() => history.energyRegisterSamples(meterNos, instants))
  }

  // ── field operations (field-ops-repository.ts) ──────────────────────────────────────────

  recordHeartbeat(r: RecordHeartbeat): Promise<AlertChanges> {
    return this.db.write(() => fieldOps.recordHeartbeat(r), { retryOnUniqueViolation: true })
  }

  sweepOfflineKiosks(now: number, offlineAfterMs: number, newAlertId: () => string): Promise<AlertChanges> {
    return this.db.write(() => fieldOps.sweepOfflineKiosks(now, offlineAfterMs, newAlertId), { retryOnUniqueViolation: true })
  }

  recordServiceEvent(r: RecordServiceEvent): Promise<ServiceEventOutcome> {
    return this.db.write(() => fieldOps.recordServiceEvent(this.d, r), { retryOnUniqueViolation: true })
  }

  fleetHealth(): Promise<KioskHealthRecord[]> {
    return this.db.read(fieldOps.fleetHealth)
  }

  kioskHealth(kioskId: string): Promise<KioskHealthRecord | null> {
    return this.db.read(() => fieldOps.kioskHealth(kioskId))
  }

  listAlerts(q: { openOnly: boolean; kioskId: string | null; limit: number }): Promise<AlertRecord[]> {
    return this.db.read(() => fieldOps.listAlerts(q))
  }

  getAlert(alertId: string): Promise<AlertRecord | null> {
    return this.db.read(() => fieldOps.getAlert(alertId))
  }

  acknowledgeAlert(r: { alertId: string; staffId: string; now: number }): Promise<AlertRecord> {
    return this.db.write(() => fieldOps.acknowledgeAlert(this.d, r))
  }

  createWorkOrder(r: { workOrderId: string; alertId: string; staffId: string; assignee: string | null; note: string | null; now: number }): Promise<WorkOrderRecord> {
    return this.db.write(() => fieldOps.createWorkOrder(this.d, r), { retryOnUniqueViolation: true })
  }

  assignWorkOrder(r: { workOrderId: string; staffId: string; assignee: string; now: number }): Promise<WorkOrderRecord> {
    return this.db.write(() => fieldOps.assignWorkOrder(this.d, r))
  }

  addWorkOrderNote(r: { workOrderId: string; staffId: string; note: string; now: number }): Promise<WorkOrderRecord> {
    return this.db.write(() => fieldOps.addWorkOrderNote(this.d, r))
  }

  closeWorkOrder(r: { workOrderId: string; staffId: string; note: string; now: number }): Promise<WorkOrderRecord> {
    return this.db.write(() => fieldOps.closeWorkOrder(this.d, r))
  }

  getWorkOrder(workOrderId: string): Promise<WorkOrderRecord | null> {
    return this.db.read(() => fieldOps.getWorkOrder(workOrderId))
  }

  listWorkOrders(q: { state: WorkOrderState | null; kioskId: string | null; limit: number }): Promise<WorkOrderRecord[]> {
    return this.db.read(() => fieldOps.listWorkOrders(q))
  }

  listFieldStaff(): Promise<{ id: string; name: string; role: string }[]> {
    return this.db.read(fieldOps.listFieldStaff)
  }

  kioskHistory(kioskId: string, limit: number): Promise<KioskHistory> {
    return this.db.read(() => fieldOps.kioskHistory(kioskId, limit))
  }

  // ── meter control (meter-control-ops.ts) ────────────────────────────────────────────────

  createMeterCommands(batch: MeterCommandBatch): Promise<MeterCommandInsertOutcome[]> {
    return this.db.write(() => meterControl.createMeterCommands(this.d, batch))
  }
  claimDueCommands(now: number, limit: number, backoffMs: Backoff): Promise<MeterCommandRecord[]> {
    return this.db.write(() => meterControl.claimDueCommands(this.d, now, limit, backoffMs))
  }
  nextCommandDueAt(): Promise<number | null> {
    return this.db.read(() => meterControl.nextCommandDueAt())
  }
  settleMeterCommand(commandId: string, meterNo: string, outcome: { state: 'done' | 'refused'; reason: string | null }, now: number): Promise<{ kind: 'settled' | 'duplicate' | 'unknown'; command: MeterCommandRecord | null }> {
    return this.db.write(() => meterControl.settleMeterCommand(commandId, meterNo, outcome, now))
  }
  makeDueNowForMeter(meterNo: string, now: number): Promise<number> {
    return this.db.write(() => meterControl.makeDueNowForMeter(meterNo, now))
  }
  getMeterCommand(commandId: string): Promise<MeterCommandRecord | null> {
    return this.db.read(() => meterControl.getMeterCommand(commandId))
  }
  listMeterCommands(filter: MeterCommandFilter): Promise<MeterCommandRecord[]> {
    return this.db.read(() => meterControl.listMeterCommands(filter))
  }
  ingestReading(r: ReadingRecord): Promise<boolean> {
    return this.db.write(() => meterControl.ingestReading(r))
  }
  readingsSince(meterNo: string, since: number, limit: number): Promise<ReadingRecord[]> {
    return this.db.read(() => meterControl.readingsSince(meterNo, since, limit))
  }
  recordMeterStatus(meterNo: string, online: boolean, at: number): Promise<{ known: boolean; madeDue: number }> {
    return this.db.write(() => meterControl.recordMeterStatus(meterNo, online, at))
  }
  recordMeterEvent(meterNo: string, change: { relay?: 'closed' | 'open'; tamper?: boolean }, at: number): Promise<boolean> {
    return this.db.write(() => meterControl.recordMeterEvent(meterNo, change, at))
  }
  getMeterStatus(meterNo: string): Promise<MeterStatusRecord | null> {
    return this.db.read(() => meterControl.getMeterStatus(meterNo))
  }
  listMeterStatus(q: { filter?: MeterStatusFilter; after?: string; limit: number }): Promise<MeterStatusRecord[]> {
    return this.db.read(() => meterControl.listMeterStatus(q))
  }
  openMeterAlert(a: { id: string; meterNo: string; kind: 'lowCredit'; daysLeft: number | null; avgDailyWh: number | null; creditWh: number | null; now: number }): Promise<MeterAlertRecord | null> {
    return this.db.write(() => meterControl.openMeterAlert(a))
  }
  clearMeterAlert(meterNo: string, kind: 'lowCredit', now: number): Promise<MeterAlertRecord | null> {
    return this.db.write(() => meterControl.clearMeterAlert(meterNo, kind, now))
  }
  markMeterAlertNotified(alertId: string): Promise<void> {
    return this.db.write(() => meterControl.markMeterAlertNotified(alertId))
  }
  listMeterAlerts(q: { state?: 'open' | 'cleared'; meterNo?: string; limit: number }): Promise<MeterAlertRecord[]> {
    return this.db.read(() => meterControl.listMeterAlerts(q))
  }

  // ── cash handling (cash-repository.ts) ──────────────────────────────────────────────────

  postCollection(input: CollectionPostInput): Promise<CollectionPostResult> {
    return this.db.write(() => cash.postCollection(this.d, input), { retryOnUniqueViolation: true })
  }
  getCollection(collectionId: string): Promise<CollectionRecord | null> {
    return this.db.read(() => cash.getCollection(collectionId))
  }
  listCollections(q: { states: readonly CollectionState[]; limit: number }): Promise<CollectionRecord[]> {
    return this.db.read(() => cash.listCollections(q))
  }
  countCollection(input: CountInput): Promise<CollectionRecord> {
    return this.db.write(() => cash.countCollection(this.d, input))
  }
  approveCollection(r: { collectionId: string; staffId: string; now: number }): Promise<CollectionRecord> {
    return this.db.write(() => cash.approveCollection(this.d, r))
  }
  rejectCount(r: { collectionId: string; staffId: string; note: string; now: number }): Promise<CollectionRecord> {
    return this.db.write(() => cash.rejectCount(this.d, r))
  }
  createDeposit(r: { depositId: string; slipNo: string; collectionIds: readonly string[]; staffId: string; now: number }): Promise<DepositRecord> {
    return this.db.write(() => cash.createDeposit(this.d, r), { retryOnUniqueViolation: true })
  }
  listDeposits(limit: number): Promise<DepositRecord[]> {
    return this.db.read(() => cash.listDeposits(limit))
  }
  collectionsCountedBetween(from: number, to: number): Promise<CollectionRecord[]> {
    return this.db.read(() => cash.collectionsCountedBetween(from, to))
  }

  // ── usage analytics (analytics-ops.ts) ──────────────────────────────────────────────────

  analyticsEstate(): Promise<EstateMeter[]> {
    return this.db.read(analytics.analyticsEstate)
  }

  commonMeters(): Promise<CommonMeterRecord[]> {
    return this.db.read(analytics.commonMeters)
  }

  analyticsStates(): Promise<MeterAnalyticsState[]> {
    return this.db.read(analytics.analyticsStates)
  }

  readingsForRollup(meterNo: string, fromMs: number): Promise<ReadingRecord[]> {
    return this.db.read(() => analytics.readingsForRollup(meterNo, fromMs))
  }

  writeRollup(w: RollupWrite, now: number): Promise<void> {
    return this.db.write(() => analytics.writeRollup(w, now))
  }

  hourlyEnergy(meterNos: readonly string[] | null, fromMs: number, toMs: number): Promise<HourlyEnergy[]> {
    return this.db.read(() => analytics.hourlyEnergy(meterNos, fromMs, toMs))
  }

  dailyEnergy(meterNos: readonly string[] | null, fromDay: string, toDay: string): Promise<DailyEnergy[]> {
    return this.db.read(() => analytics.dailyEnergy(meterNos, fromDay, toDay))
  }

  dailyRange(): Promise<{ first: string; last: string } | null> {
    return this.db.read(analytics.dailyRange)
  }

  importAnalyticsHistory(plan: AnalyticsHistoryPlan): Promise<void> {
    return this.db.write(() => analytics.importAnalyticsHistory(plan))
  }

  upsertUsageAlerts(alerts: readonly UsageAlertInput[], now: number): Promise<void> {
    return this.db.write(() => analytics.upsertUsageAlerts(alerts, now))
  }

  listUsageAlerts(q: { state: 'open' | 'acknowledged' | 'all'; limit: number }): Promise<UsageAlertRecord[]> {
    return this.db.read(() => analytics.listUsageAlerts(q))
  }

  acknowledgeUsageAlert(a: { id: string; staffId: string; note: string; now: number }): Promise<UsageAlertRecord | null> {
    return this.db.write(() => analytics.acknowledgeUsageAlert(this.d, a))
  }

  // ── console (issue 9): sign-in, staff, customers, cards, meters, tariffs; see console-ops.ts ──

  getStaffCredentials(staffId: string): Promise<C.StaffCredentials | null> {
    return this.db.read(() => consoleOps.getStaffCredentials(staffId))
  }
  recordFailedSignIn(r: { staffId: string; lockAfter: number; lockMs: number; now: number }): Promise<{ failedSignins: number; lockedUntil: number | null }> {
    return this.db.write(() => consoleOps.recordFailedSignIn(this.d, r))
  }
  openSession(s: Omit<C.StaffSessionRecord, 'endedAt' | 'endReason'>): Promise<void> {
    return this.db.write(() => consoleOps.openSession(this.d, s))
  }
  getSession(idHash: string): Promise<{ session: C.StaffSessionRecord; staff: StaffRecord } | null> {
    return this.db.read(() => consoleOps.getSession(idHash))
  }
  touchSession(idHash: string, now: number, idleExpiresAt: number): Promise<void> {
    return this.db.write(() => consoleOps.touchSession(idHash, now, idleExpiresAt))
  }
  endSession(r: { idHash: string; reason: C.SessionEndReason; actor: string; now: number }): Promise<boolean> {
    return this.db.write(() => consoleOps.endSession(this.d, r))
  }
  listStaff(): Promise<C.StaffListItem[]> {
    return this.db.read(() => consoleOps.listStaff(Date.now()))
  }
  createStaff(r: Parameters<C.ConsoleStore['createStaff']>[0]): Promise<StaffRecord> {
    return this.db.write(() => consoleOps.createStaff(this.d, r))
  }
  updateStaff(r: Parameters<C.ConsoleStore['updateStaff']>[0]): Promise<StaffRecord> {
    return this.db.write(() => consoleOps.updateStaff(this.d, r))
  }
  ensureDemoStaff(staffList: Parameters<C.ConsoleStore['ensureDemoStaff']>[0], now: number): Promise<number> {
    return this.db.write(() => consoleOps.ensureDemoStaff(staffList, now), { retryOnUniqueViolation: true })
  }
  listAudit(q: Parameters<C.ConsoleStore['listAudit']>[0]): Promise<C.AuditEntry[]> {
    return this.db.read(() => consoleOps.listAudit(q))
  }
  searchCustomers(q: { text: string; limit: number }): Promise<C.CustomerSummary[]> {
    return this.db.read(() => consoleOps.searchCustomers(q))
  }
  getCustomer(customerId: string): Promise<C.CustomerDetail | null> {
    return this.db.readSnapshot(() => consoleOps.getCustomer(customerId))
  }
  createCustomer(c: Parameters<C.ConsoleStore['createCustomer']>[0]): Promise<void> {
    return this.db.write(() => consoleOps.createCustomer(this.d, c))
  }
  updateCustomer(r: Parameters<C.ConsoleStore['updateCustomer']>[0]): Promise<void> {
    return this.db.write(() => consoleOps.updateCustomer(this.d, r))
  }
  createMeter(m: Parameters<C.ConsoleStore['createMeter']>[0]): Promise<void> {
    return this.db.write(() => consoleOps.createMeter(this.d, m))
  }
  importRow(r: Parameters<C.ConsoleStore['importRow']>[0]): Promise<{ customerCreated: boolean; meterCreated: boolean }> {
    return this.db.write(() => consoleOps.importRow(this.d, r))
  }
  replaceCard(r: Parameters<C.ConsoleStore['replaceCard']>[0]): Promise<void> {
    return this.db.write(() => consoleOps.replaceCard(this.d, r))
  }
  async blockCard(r: Parameters<C.ConsoleStore['blockCard']>[0]): Promise<void> {
    await this.db.write(() => consoleOps.blockCard(this.d, r))
  }
  swapMeter(r: Parameters<C.ConsoleStore['swapMeter']>[0]): Promise<{ carriedCreditWh: number; accountId: string }> {
    return this.db.write(() => consoleOps.swapMeter(this.d, r))
  }
  paymentHistory(accountId: string, limit: number): Promise<C.PaymentRecord[]> {
    return this.db.readSnapshot(() => consoleOps.paymentHistory(accountId, limit))
  }
  requeueDelivery(r: Parameters<C.ConsoleStore['requeueDelivery']>[0]): Promise<boolean> {
    return this.db.write(() => consoleOps.requeueDelivery(this.d, r))
  }
  listTariffVersions(): Promise<C.TariffVersionSummary[]> {
    return this.db.read(() => consoleOps.listTariffVersions())
  }

  ledgerCheck(): Promise<LedgerCheck> {
    // One snapshot for every query, or vends committing meanwhile would look like mismatches.
    return this.db.readSnapshot(ledgerCheck)
  }
}

