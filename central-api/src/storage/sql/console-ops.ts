/**
 * The console's storage operations (console-repository.ts), written once for both engines. Each
 * staff action appends its audit row inside the transaction that makes the change.
 */
import { Errors } from '../../errors.ts'
import { walletAccount } from '../../ledger/vend-transfers.ts'
import type {
  AuditEntry,
  CustomerDetail,
  CustomerSummary,
  NewCustomer,
  NewMeter,
  PaymentRecord,
  SessionEndReason,
  StaffCredentials,
  StaffListItem,
  StaffSessionRecord,
  TariffVersionSummary,
} from '../console-repository.ts'
import type { MeterProfile, StaffRecord, StaffRole } from '../repository.ts'
import { appendAudit, ensureLedgerAccounts } from './common-ops.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'

const n = (v: number | string): number => Number(v)
const nn = (v: number | string | null): number | null => (v === null ? null : Number(v))

interface StaffRow {
  id: string
  name: string
  role: StaffRole
  active: number
  password_hash: string | null
  failed_signins: number
  locked_until: number | null
  created_at: number
}
const STAFF_SELECT = 'SELECT id, name, role, active, password_hash, failed_signins, locked_until, created_at FROM staff'
const toStaff = (r: StaffRow): StaffRecord => ({ id: r.id, name: r.name, role: r.role, active: n(r.active) === 1 })

// ── sign-in and sessions ─────────────────────────────────────────────────────────────────────

export function* getStaffCredentials(staffId: string): Gen<StaffCredentials | null> {
  const r = yield* get<StaffRow>(`${STAFF_SELECT} WHERE id = ?`, [staffId])
  if (r === undefined) return null
  return { staff: toStaff(r), passwordHash: r.password_hash, failedSignins: n(r.failed_signins), lockedUntil: nn(r.locked_until) }
}

export function* recordFailedSignIn(d: Dialect, r: { staffId: string; lockAfter: number; lockMs: number; now: number }): Gen<{ failedSignins: number; lockedUntil: number | null }> {
  const row = yield* get<StaffRow>(`${STAFF_SELECT} WHERE id = ?${d.forUpdate('staff')}`, [r.staffId])
  if (row === undefined) return { failedSignins: 0, lockedUntil: null }
  const failed = n(row.failed_signins) + 1
  // The counter starts again once a lock-out is served, so every lockAfter failures lock again.
  const locks = failed >= r.lockAfter
  const lockedUntil = locks ? r.now + r.lockMs : nn(row.locked_until)
  yield* run('UPDATE staff SET failed_signins = ?, locked_until = ? WHERE id = ?', [locks ? 0 : failed, lockedUntil, r.staffId])
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'staff.signInFailed', details: { failedSignins: failed } })
  if (locks) yield* appendAudit(d, { at: r.now, actor: 'system', action: 'staff.locked', details: { staffId: r.staffId, until: lockedUntil } })
  return { failedSignins: locks ? 0 : failed, lockedUntil: locks ? lockedUntil : null }
}

export function* openSession(d: Dialect, s: Omit<StaffSessionRecord, 'endedAt' | 'endReason'>): Gen<void> {
  yield* run(
    `INSERT INTO staff_sessions (id_hash, staff_id, csrf_token, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [s.idHash, s.staffId, s.csrfToken, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt],
  )
  yield* run('UPDATE staff SET failed_signins = 0, locked_until = NULL WHERE id = ?', [s.staffId])
  // The audit row names the session by a prefix of its hash: enough to follow it, useless to steal.
  yield* appendAudit(d, { at: s.createdAt, actor: `staff:${s.staffId}`, action: 'staff.signedIn', details: { session: s.idHash.slice(0, 12) } })
}

interface SessionRow {
  id_hash: string
  staff_id: string
  csrf_token: string
  created_at: number
  last_seen_at: number
  idle_expires_at: number
  absolute_expires_at: number
  ended_at: number | null
  end_reason: SessionEndReason | null
}

const toSession = (r: SessionRow): StaffSessionRecord => ({
  idHash: r.id_hash,
  staffId: r.staff_id,
  csrfToken: r.csrf_token,
  createdAt: n(r.created_at),
  lastSeenAt: n(r.last_seen_at),
  idleExpiresAt: n(r.idle_expires_at),
  absoluteExpiresAt: n(r.absolute_expires_at),
  endedAt: nn(r.ended_at),
  endReason: r.end_reason,
})

export function* getSession(idHash: string): Gen<{ session: StaffSessionRecord; staff: StaffRecord } | null> {
  const r = yield* get<SessionRow & { name: string; role: StaffRole; active: number }>(
    `SELECT s.id_hash, s.staff_id, s.csrf_token, s.created_at, s.last_seen_at, s.idle_expires_at, s.absolute_expires_at, s.ended_at, s.end_reason,
            t.name, t.role, t.active
       FROM staff_sessions s JOIN staff t ON t.id = s.staff_id WHERE s.id_hash = ?`,
    [idHash],
  )
  if (r === undefined) return null
  return { session: toSession(r), staff: { id: r.staff_id, name: r.name, role: r.role, active: n(r.active) === 1 } }
}

export function* touchSession(idHash: string, now: number, idleExpiresAt: number): Gen<void> {
  yield* run('UPDATE staff_sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id_hash = ? AND ended_at IS NULL', [now, idleExpiresAt, idHash])
}

export function* endSession(d: Dialect, r: { idHash: string; reason: SessionEndReason; actor: string; now: number }): Gen<boolean> {
  const row = yield* get<{ staff_id: string }>('UPDATE staff_sessions SET ended_at = ?, end_reason = ? WHERE id_hash = ? AND ended_at IS NULL RETURNING staff_id', [
    r.now,
    r.reason,
    r.idHash,
  ])
  if (row === undefined) return false
  yield* appendAudit(d, {
    at: r.now,
    actor: r.actor,
    action: r.reason === 'signedOut' ? 'staff.signedOut' : 'staff.sessionRevoked',
    details: { staffId: row.staff_id, session: r.idHash.slice(0, 12), reason: r.reason },
  })
  return true
}

function* endSessionsOf(staffId: string, reason: SessionEndReason, now: number): Gen<number> {
  return yield* run('UPDATE staff_sessions SET ended_at = ?, end_reason = ? WHERE staff_id = ? AND ended_at IS NULL', [now, reason, staffId])
}

// ── staff management ─────────────────────────────────────────────────────────────────────────

export function* listStaff(now: number): Gen<StaffListItem[]> {
  const rows = yield* all<StaffRow & { open_sessions: number }>(
    `SELECT s.id, s.name, s.role, s.active, s.password_hash, s.failed_signins, s.locked_until, s.created_at,
            (SELECT count(*) FROM staff_sessions x WHERE x.staff_id = s.id AND x.ended_at IS NULL AND x.idle_expires_at > ? AND x.absolute_expires_at > ?) AS open_sessions
       FROM staff s ORDER BY s.id`,
    [now, now],
  )
  return rows.map((r) => ({
    ...toStaff(r),
    hasPassword: r.password_hash !== null,
    failedSignins: n(r.failed_signins),
    lockedUntil: nn(r.locked_until),
    createdAt: n(r.created_at),
    openSessions: n(r.open_sessions),
  }))
}

export function* createStaff(d: Dialect, r: { id: string; name: string; role: StaffRole; passwordHash: string; staffId: string; now: number }): Gen<StaffRecord> {
  if ((yield* get('SELECT id FROM staff WHERE id = ?', [r.id])) !== undefined) throw new Errors.consoleConflict(`Staff ${r.id} already exists`)
  yield* run('INSERT INTO staff (id, name, role, active, created_at, password_hash, password_changed_at) VALUES (?, ?, ?, 1, ?, ?, ?)', [
    r.id,
    r.name,
    r.role,
    r.now,
    r.passwordHash,
    r.now,
  ])
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'staff.created', details: { staffId: r.id, name: r.name, role: r.role } })
  return { id: r.id, name: r.name, role: r.role, active: true }
}

export function* updateStaff(
  d: Dialect,
  r: { id: string; name?: string; role?: StaffRole; active?: boolean; passwordHash?: string; unlock?: boolean; staffId: string; now: number },
): Gen<StaffRecord> {
  const row = yield* get<StaffRow>(`${STAFF_SELECT} WHERE id = ?${d.forUpdate('staff')}`, [r.id])
  if (row === undefined) throw new Errors.notFound('No such staff member')
  const before = toStaff(row)
  // An admin cannot lock themselves out of the console by accident.
  if (r.id === r.staffId && (r.active === false || (r.role !== undefined && r.role !== 'admin'))) {
    throw new Errors.consoleUnprocessable('You cannot deactivate yourself or give up your own admin role')
  }
  const sets: string[] = []
  const params: SqlValue[] = []
  const changes: Record<string, unknown> = {}
  if (r.name !== undefined && r.name !== before.name) {
    sets.push('name = ?')
    params.push(r.name)
    changes.name = { from: before.name, to: r.name }
  }
  if (r.role !== undefined && r.role !== before.role) {
    sets.push('role = ?')
    params.push(r.role)
    changes.role = { from: before.role, to: r.role }
  }
  if (r.active !== undefined && r.active !== before.active) {
    sets.push('active = ?')
    params.push(r.active ? 1 : 0)
    changes.active = { from: before.active, to: r.active }
  }
  if (r.passwordHash !== undefined) {
    sets.push('password_hash = ?', 'password_changed_at = ?', 'failed_signins = 0', 'locked_until = NULL')
    params.push(r.passwordHash, r.now)
    changes.passwordReset = true // never the hash itself
  } else if (r.unlock === true && (row.locked_until !== null || n(row.failed_signins) > 0)) {
    sets.push('failed_signins = 0', 'locked_until = NULL')
    changes.unlocked = true
  }
  if (sets.length === 0) return before
  params.push(r.id)
  yield* run(`UPDATE staff SET ${sets.join(', ')} WHERE id = ?`, params)
  // A deactivated member or a reset password ends every open session at once; a role change
  // needs no revocation because each request reads the role afresh.
  let ended = 0
  if (r.active === false) ended = yield* endSessionsOf(r.id, 'deactivated', r.now)
  else if (r.passwordHash !== undefined) ended = yield* endSessionsOf(r.id, 'passwordReset', r.now)
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'staff.updated', details: { staffId: r.id, ...changes, sessionsEnded: ended } })
  return { id: r.id, name: r.name ?? before.name, role: r.role ?? before.role, active: r.active ?? before.active }
}

export function* ensureDemoStaff(staff: readonly { id: string; name: string; role: StaffRole; passwordHash: string }[], now: number): Gen<number> {
  let changed = 0
  for (const s of staff) {
    const row = yield* get<{ password_hash: string | null }>('SELECT password_hash FROM staff WHERE id = ?', [s.id])
    if (row === undefined) {
      yield* run('INSERT INTO staff (id, name, role, active, created_at, password_hash, password_changed_at) VALUES (?, ?, ?, 1, ?, ?, ?)', [
        s.id,
        s.name,
        s.role,
        now,
        s.passwordHash,
        now,
      ])
      changed++
    } else if (row.password_hash === null) {
      yield* run('UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE id = ?', [s.passwordHash, now, s.id])
      changed++
    }
  }
  // Not audited: this is demo set-up (fixed, documented credentials), like the seed it completes,
  // and the audit log's first entries are the seed's (other tests count on their positions).
  return changed
}

// ── audit log ────────────────────────────────────────────────────────────────────────────────

export function* listAudit(q: { beforeSeq: number | null; actor: string | null; action: string | null; limit: number }): Gen<AuditEntry[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (q.beforeSeq !== null) {
    where.push('seq < ?')
    params.push(q.beforeSeq)
  }
  if (q.actor !== null) {
    where.push('actor = ?')
    params.push(q.actor)
  }
  if (q.action !== null) {
    // A prefix ('staff.') finds a whole family of actions.
    where.push('action LIKE ?')
    params.push(`${q.action.replace(/[%_\\]/g, '')}%`)
  }
  params.push(q.limit)
  const rows = yield* all<{ seq: number; at: number; actor: string; action: string; details: string; prev_hash: string; hash: string }>(
    `SELECT seq, at, actor, action, details, prev_hash, hash FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`,
    params,
  )
  return rows.map((r) => ({ seq: n(r.seq), at: n(r.at), actor: r.actor, action: r.action, details: r.details, prevHash: r.prev_hash, hash: r.hash }))
}

// ── customers ────────────────────────────────────────────────────────────────────────────────

export function* searchCustomers(q: { text: string; limit: number }): Gen<CustomerSummary[]> {
  const text = q.text.trim()
  const like = `%${text.toLowerCase().replace(/[%_\\]/g, '')}%`
  const rows = yield* all<{ id: string; name: string; phone: string | null }>(
    text === ''
      ? 'SELECT c.id, c.name, c.phone FROM customers c ORDER BY c.id LIMIT ?'
      : `SELECT c.id, c.name, c.phone FROM customers c
          WHERE lower(c.id) LIKE ? OR lower(c.name) LIKE ? OR c.phone LIKE ?
             OR c.id IN (SELECT a.customer_id FROM accounts a WHERE lower(a.id) LIKE ?)
             OR c.id IN (SELECT a.customer_id FROM accounts a JOIN meters m ON m.account_id = a.id WHERE m.meter_no LIKE ?)
             OR c.id IN (SELECT a.customer_id FROM accounts a JOIN cards k ON k.account_id = a.id WHERE k.card_no LIKE ?)
          ORDER BY c.id LIMIT ?`,
    text === '' ? [q.limit] : [like, like, like, like, like, like, q.limit],
  )
  if (rows.length === 0) return []
  const marks = rows.map(() => '?').join(', ')
  const links = yield* all<{ customer_id: string; account_id: string; meter_no: string | null }>(
    `SELECT a.customer_id, a.id AS account_id, m.meter_no FROM accounts a LEFT JOIN meters m ON m.account_id = a.id AND m.removed_at IS NULL
      WHERE a.customer_id IN (${marks}) ORDER BY a.id, m.meter_no`,
    rows.map((r) => r.id),
  )
  return rows.map((r) => {
    const mine = links.filter((l) => l.customer_id === r.id)
    return {
      customerId: r.id,
      name: r.name,
      phone: r.phone,
      accountIds: [...new Set(mine.map((l) => l.account_id))],
      meterNos: mine.flatMap((l) => (l.meter_no === null ? [] : [l.meter_no])),
    }
  })
}

export function* getCustomer(customerId: string): Gen<CustomerDetail | null> {
  const c = yield* get<{ id: string; name: string; phone: string | null; created_at: number }>('SELECT id, name, phone, created_at FROM customers WHERE id = ?', [customerId])
  if (c === undefined) return null
  const accounts = yield* all<{ id: string; status: 'open' | 'closed'; wallet_fen: number; arrears_fen: number; tariff_name: string }>(
    'SELECT a.id, a.status, a.wallet_fen, a.arrears_fen, t.name AS tariff_name FROM accounts a JOIN tariffs t ON t.id = a.tariff_id WHERE a.customer_id = ? ORDER BY a.id',
    [customerId],
  )
  const meters = yield* all<{ meter_no: string; account_id: string; building: string; unit_name: string; profile: MeterProfile; last_credit_wh: number | null; removed_at: number | null }>(
    `SELECT m.meter_no, m.account_id, b.name AS building, u.name AS unit_name, m.profile, m.last_credit_wh, m.removed_at
       FROM meters m JOIN units u ON u.id = m.unit_id JOIN buildings b ON b.id = u.building_id JOIN accounts a ON a.id = m.account_id
      WHERE a.customer_id = ? ORDER BY m.removed_at IS NOT NULL, m.meter_no`,
    [customerId],
  )
  const cards = yield* all<{ card_no: string; account_id: string; blocked: number; blocked_at: number | null; blocked_reason: string | null; replaced_by: string | null }>(
    `SELECT k.card_no, k.account_id, k.blocked, k.blocked_at, k.blocked_reason, k.replaced_by FROM cards k JOIN accounts a ON a.id = k.account_id
      WHERE a.customer_id = ? ORDER BY k.blocked, k.card_no`,
    [customerId],
  )
  const swaps = yield* all<{ old_meter_no: string; new_meter_no: string; carried_credit_wh: number; reason: string; staff_id: string; at: number }>(
    `SELECT s.old_meter_no, s.new_meter_no, s.carried_credit_wh, s.reason, s.staff_id, s.at FROM meter_swaps s JOIN accounts a ON a.id = s.account_id
      WHERE a.customer_id = ? ORDER BY s.at DESC`,
    [customerId],
  )
  return {
    customerId: c.id,
    name: c.name,
    phone: c.phone,
    createdAt: n(c.created_at),
    accounts: accounts.map((a) => ({ accountId: a.id, status: a.status, walletFen: n(a.wallet_fen), arrearsFen: n(a.arrears_fen), tariffName: a.tariff_name })),
    meters: meters.map((m) => ({
      meterNo: m.meter_no,
      accountId: m.account_id,
      building: m.building,
      unitName: m.unit_name,
      profile: m.profile,
      lastCreditWh: nn(m.last_credit_wh),
      removedAt: nn(m.removed_at),
    })),
    cards: cards.map((k) => ({
      cardNo: k.card_no,
      accountId: k.account_id,
      blocked: n(k.blocked) === 1,
      blockedAt: nn(k.blocked_at),
      blockedReason: k.blocked_reason,
      replacedBy: k.replaced_by,
    })),
    swaps: swaps.map((s) => ({ oldMeterNo: s.old_meter_no, newMeterNo: s.new_meter_no, carriedCreditWh: n(s.carried_credit_wh), reason: s.reason, staffId: s.staff_id, at: n(s.at) })),
  }
}

function* tariffIdByName(name: string): Gen<number> {
  const t = yield* get<{ id: number }>('SELECT t.id FROM tariffs t WHERE t.name = ? AND EXISTS (SELECT 1 FROM tariff_versions v WHERE v.tariff_id = t.id)', [name])
  if (t === undefined) throw new Errors.consoleUnprocessable(`Unknown tariff: ${name}`)
  return n(t.id)
}

function* insertCustomer(d: Dialect, c: NewCustomer & { staffId: string; now: number }): Gen<void> {
  if ((yield* get('SELECT id FROM customers WHERE id = ?', [c.customerId])) !== undefined) throw new Errors.consoleConflict(`Customer ${c.customerId} already exists`)
  if ((yield* get('SELECT id FROM accounts WHERE id = ?', [c.accountId])) !== undefined) throw new Errors.consoleConflict(`Account ${c.accountId} already exists`)
  const tariffId = yield* tariffIdByName(c.tariffName)
  yield* run('INSERT INTO customers (id, name, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [c.customerId, c.name, c.phone, c.now, c.now])
  yield* run('INSERT INTO accounts (id, customer_id, tariff_id, created_at) VALUES (?, ?, ?, ?)', [c.accountId, c.customerId, tariffId, c.now])
  yield* ensureLedgerAccounts([walletAccount(c.accountId)], c.now)
  yield* appendAudit(d, {
    at: c.now,
    actor: `staff:${c.staffId}`,
    action: 'customer.created',
    details: { customerId: c.customerId, accountId: c.accountId, tariffName: c.tariffName },
  })
}

export function* createCustomer(d: Dialect, c: NewCustomer & { staffId: string; now: number }): Gen<void> {
  yield* insertCustomer(d, c)
}

export function* updateCustomer(d: Dialect, r: { customerId: string; name?: string; phone?: string | null; tariffName?: string; staffId: string; now: number }): Gen<void> {
  const c = yield* get<{ name: string; phone: string | null }>(`SELECT name, phone FROM customers WHERE id = ?${d.forUpdate('customers')}`, [r.customerId])
  if (c === undefined) throw new Errors.notFound('No such customer')
  const changes: Record<string, unknown> = {}
  if (r.name !== undefined && r.name !== c.name) {
    yield* run('UPDATE customers SET name = ?, updated_at = ? WHERE id = ?', [r.name, r.now, r.customerId])
    changes.name = true // personal data stays out of the audit text
  }
  if (r.phone !== undefined && r.phone !== c.phone) {
    yield* run('UPDATE customers SET phone = ?, updated_at = ? WHERE id = ?', [r.phone, r.now, r.customerId])
    changes.phone = true
  }
  if (r.tariffName !== undefined) {
    const tariffId = yield* tariffIdByName(r.tariffName)
    const changed = yield* run('UPDATE accounts SET tariff_id = ? WHERE customer_id = ? AND tariff_id <> ?', [tariffId, r.customerId, tariffId])
    if (changed > 0) changes.tariffName = r.tariffName
  }
  if (Object.keys(changes).length === 0) return
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'customer.updated', details: { customerId: r.customerId, ...changes } })
}

function* insertMeter(d: Dialect, m: NewMeter & { vendingKeyId: string; staffId: string; now: number }, action = 'meter.created'): Gen<void> {
  if ((yield* get('SELECT meter_no FROM meters WHERE meter_no = ?', [m.meterNo])) !== undefined) throw new Errors.consoleConflict(`Meter ${m.meterNo} already exists`)
  if ((yield* get('SELECT id FROM accounts WHERE id = ?', [m.accountId])) === undefined) throw new Errors.consoleUnprocessable(`Unknown account: ${m.accountId}`)
  if ((yield* get('SELECT id FROM vending_keys WHERE id = ?', [m.vendingKeyId])) === undefined) {
    throw new Errors.consoleUnprocessable(`No vending key for SGC ${m.sgc} KRN ${m.krn}`)
  }
  const b = yield* get<{ id: number }>('SELECT id FROM buildings WHERE name = ? ORDER BY id LIMIT 1', [m.building])
  if (b === undefined) throw new Errors.consoleUnprocessable(`Unknown building: ${m.building}`)
  yield* run('INSERT INTO units (building_id, name) VALUES (?, ?) ON CONFLICT (building_id, name) DO NOTHING', [b.id, m.unitName])
  const u = yield* get<{ id: number }>('SELECT id FROM units WHERE building_id = ? AND name = ?', [b.id, m.unitName])
  if (u === undefined) throw new Error('unit vanished')
  yield* run(
    `INSERT INTO meters (meter_no, unit_id, account_id, vending_key_id, iin, sgc, ti, krn, kt, ea, dkga, base_date, ken, profile)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [m.meterNo, u.id, m.accountId, m.vendingKeyId, m.iin, m.sgc, m.ti, m.krn, m.kt, m.ea, m.dkga, m.baseDate, m.ken, m.profile],
  )
  yield* appendAudit(d, {
    at: m.now,
    actor: `staff:${m.staffId}`,
    action,
    details: { meterNo: m.meterNo, accountId: m.accountId, building: m.building, unitName: m.unitName, sgc: m.sgc, krn: m.krn, ea: m.ea },
  })
}

export function* createMeter(d: Dialect, m: NewMeter & { vendingKeyId: string; staffId: string; now: number }): Gen<void> {
  yield* insertMeter(d, m)
}

export function* importRow(
  d: Dialect,
  r: { customer: NewCustomer; meter: (NewMeter & { vendingKeyId: string }) | null; line: number; staffId: string; now: number },
): Gen<{ customerCreated: boolean; meterCreated: boolean }> {
  const existing = yield* get<{ name: string; account_id: string | null }>(
    'SELECT c.name, (SELECT a.id FROM accounts a WHERE a.customer_id = c.id AND a.id = ?) AS account_id FROM customers c WHERE c.id = ?',
    [r.customer.accountId, r.customer.customerId],
  )
  let customerCreated = false
  if (existing === undefined) {
    yield* insertCustomer(d, { ...r.customer, staffId: r.staffId, now: r.now })
    customerCreated = true
  } else if (existing.account_id === null) {
    // A second row for a known customer may only add a meter to that customer's account.
    throw new Errors.consoleConflict(`Customer ${r.customer.customerId} exists with another account`)
  } else if (existing.name !== r.customer.name) {
    throw new Errors.consoleConflict(`Customer ${r.customer.customerId} exists under another name`)
  }
  if (r.meter !== null) yield* insertMeter(d, { ...r.meter, staffId: r.staffId, now: r.now }, 'meter.imported')
  if (!customerCreated && r.meter === null) throw new Errors.consoleConflict(`Customer ${r.customer.customerId} already exists`)
  return { customerCreated, meterCreated: r.meter !== null }
}

// ── cards and meters ─────────────────────────────────────────────────────────────────────────

export function* blockCard(d: Dialect, r: { cardNo: string; reason: string; staffId: string; now: number }): Gen<{ accountId: string }> {
  const card = yield* get<{ account_id: string | null; blocked: number; kind: string }>(`SELECT account_id, blocked, kind FROM cards WHERE card_no = ?${d.forUpdate('cards')}`, [r.cardNo])
  if (card === undefined || card.kind !== 'resident' || card.account_id === null) throw new Errors.notFound('No such resident card')
  if (n(card.blocked) === 1) throw new Errors.consoleConflict('The card is already blocked')
  yield* run('UPDATE cards SET blocked = 1, blocked_at = ?, blocked_reason = ? WHERE card_no = ?', [r.now, r.reason, r.cardNo])
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'card.blocked', details: { cardNo: r.cardNo, accountId: card.account_id, reason: r.reason } })
  return { accountId: card.account_id }
}

export function* replaceCard(d: Dialect, r: { cardNo: string; newCardNo: string; reason: string; staffId: string; now: number }): Gen<void> {
  if ((yield* get('SELECT card_no FROM cards WHERE card_no = ?', [r.newCardNo])) !== undefined) throw new Errors.consoleConflict(`Card ${r.newCardNo} already exists`)
  const card = yield* get<{ account_id: string | null; blocked: number; kind: string; replaced_by: string | null }>(
    `SELECT account_id, blocked, kind, replaced_by FROM cards WHERE card_no = ?${d.forUpdate('cards')}`,
    [r.cardNo],
  )
  if (card === undefined || card.kind !== 'resident' || card.account_id === null) throw new Errors.notFound('No such resident card')
  if (card.replaced_by !== null) throw new Errors.consoleConflict(`The card was already replaced by ${card.replaced_by}`)
  // The new card has no UID until it is first read at a kiosk's card reader.
  yield* run("INSERT INTO cards (card_no, kind, account_id) VALUES (?, 'resident', ?)", [r.newCardNo, card.account_id])
  yield* run('UPDATE cards SET blocked = 1, blocked_at = COALESCE(blocked_at, ?), blocked_reason = COALESCE(blocked_reason, ?), replaced_by = ? WHERE card_no = ?', [
    r.now,
    r.reason,
    r.newCardNo,
    r.cardNo,
  ])
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'card.replaced',
    details: { cardNo: r.cardNo, newCardNo: r.newCardNo, accountId: card.account_id, reason: r.reason },
  })
}

export function* swapMeter(
  d: Dialect,
  r: {
    swapId: string
    oldMeterNo: string
    newMeter: Omit<NewMeter, 'accountId' | 'building' | 'unitName' | 'profile'> & { vendingKeyId: string }
    reason: string
    staffId: string
    now: number
  },
): Gen<{ carriedCreditWh: number; accountId: string }> {
  const old = yield* get<{ account_id: string; building: string; unit_name: string; profile: MeterProfile; last_credit_wh: number | null; removed_at: number | null }>(
    `SELECT m.account_id, b.name AS building, u.name AS unit_name, m.profile, m.last_credit_wh, m.removed_at
       FROM meters m JOIN units u ON u.id = m.unit_id JOIN buildings b ON b.id = u.building_id WHERE m.meter_no = ?${d.forUpdate('m')}`,
    [r.oldMeterNo],
  )
  if (old === undefined) throw new Errors.notFound('No such meter')
  if (old.removed_at !== null) throw new Errors.consoleConflict('The meter was already swapped out')
  yield* insertMeter(d, { ...r.newMeter, accountId: old.account_id, building: old.building, unitName: old.unit_name, profile: old.profile, staffId: r.staffId, now: r.now }, 'meter.installed')
  // The account (wallet, arrears, tariff state) stays as it is: it belongs to the account, not the
  // meter. What the old meter still held (its last reported credit) plus the energy of tokens it
  // never received is owed to the resident on the new meter: recorded here for the credit token.
  const undelivered = yield* all<{ id: string; vend_id: string; energy_wh: number }>(
    `SELECT x.id, x.vend_id, v.energy_wh FROM deliveries x JOIN vends v ON v.vend_id = x.vend_id WHERE x.meter_no = ? AND x.state IN ('pending', 'sent')${d.forUpdate('x')}`,
    [r.oldMeterNo],
  )
  const carried = Math.max(0, nn(old.last_credit_wh) ?? 0) + undelivered.reduce((sum, u) => sum + n(u.energy_wh), 0)
  yield* run('UPDATE meters SET removed_at = ? WHERE meter_no = ?', [r.now, r.oldMeterNo])
  // Tokens for the removed meter can never be keyed into the new one (they are encrypted for the
  // old meter's key): their delivery stops, and their energy is in the carried credit above.
  yield* run(
    "UPDATE deliveries SET state = 'cancelled', reason = 'METER_SWAPPED', updated_at = ? WHERE meter_no = ? AND state IN ('pending', 'sent')",
    [r.now, r.oldMeterNo],
  )
  yield* run('INSERT INTO meter_swaps (id, account_id, old_meter_no, new_meter_no, carried_credit_wh, reason, staff_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    r.swapId,
    old.account_id,
    r.oldMeterNo,
    r.newMeter.meterNo,
    carried,
    r.reason,
    r.staffId,
    r.now,
  ])
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'meter.swapped',
    details: {
      swapId: r.swapId,
      accountId: old.account_id,
      oldMeterNo: r.oldMeterNo,
      newMeterNo: r.newMeter.meterNo,
      carriedCreditWh: carried,
      cancelledVends: undelivered.map((u) => u.vend_id),
      reason: r.reason,
    },
  })
  return { carriedCreditWh: carried, accountId: old.account_id }
}

export function* paymentHistory(accountId: string, limit: number): Gen<PaymentRecord[]> {
  const vends = yield* all<{ vend_id: string; paid_at: number; amount_fen: number; kiosk_id: string; receipt_no: string; reversed: number }>(
    `SELECT v.vend_id, v.paid_at, v.amount_fen, v.kiosk_id, v.receipt_no, (SELECT count(*) FROM vend_reversals r WHERE r.vend_id = v.vend_id) AS reversed
       FROM vends v WHERE v.account_id = ? ORDER BY v.paid_at DESC, v.vend_id DESC LIMIT ?`,
    [accountId, limit],
  )
  const requests = yield* all<{ id: string; kind: string; state: string; amount_fen: number; requested_at: number; decided_at: number | null }>(
    'SELECT id, kind, state, amount_fen, requested_at, decided_at FROM staff_requests WHERE account_id = ? ORDER BY requested_at DESC LIMIT ?',
    [accountId, limit],
  )
  const out: PaymentRecord[] = [
    ...vends.map((v) => ({
      kind: 'vend' as const,
      id: v.vend_id,
      at: n(v.paid_at),
      amountFen: n(v.amount_fen),
      kioskId: v.kiosk_id,
      receiptNo: v.receipt_no,
      state: n(v.reversed) > 0 ? 'reversed' : 'completed',
    })),
    ...requests.map((q) => ({
      kind: q.kind === 'wallet.refund' ? ('refund' as const) : ('reversal' as const),
      id: q.id,
      at: nn(q.decided_at) ?? n(q.requested_at),
      amountFen: n(q.amount_fen),
      kioskId: null,
      receiptNo: null,
      state: q.state,
    })),
  ]
  return out.sort((a, b) => b.at - a.at).slice(0, limit)
}

export function* requeueDelivery(d: Dialect, r: { vendId: string; staffId: string; now: number }): Gen<boolean> {
  const row = yield* get<{ id: string; state: string; meter_no: string; removed_at: number | null }>(
    `SELECT x.id, x.state, x.meter_no, m.removed_at FROM deliveries x JOIN meters m ON m.meter_no = x.meter_no
      WHERE x.vend_id = ? ORDER BY x.created_at DESC, x.id DESC LIMIT 1`,
    [r.vendId],
  )
  if (row === undefined) throw new Errors.notFound('This vend has no token delivery')
  if (row.state === 'cancelled') throw new Errors.consoleConflict('The token was voided; it cannot be sent again')
  if (row.state === 'accepted') throw new Errors.consoleConflict('The meter has already accepted this token')
  if (row.removed_at !== null) throw new Errors.consoleConflict('The meter has been swapped out')
  yield* run("UPDATE deliveries SET state = 'pending', reason = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ?", [r.now, r.now, row.id])
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'delivery.requeued', details: { vendId: r.vendId, deliveryId: row.id, meterNo: row.meter_no, was: row.state } })
  return true
}

export function* listTariffVersions(): Gen<TariffVersionSummary[]> {
  const rows = yield* all<{ id: number; tariff_name: string; effective_from: number; created_at: number; definition: string; accounts: number }>(
    `SELECT v.id, t.name AS tariff_name, v.effective_from, v.created_at, v.definition, (SELECT count(*) FROM accounts a WHERE a.tariff_id = t.id) AS accounts
       FROM tariff_versions v JOIN tariffs t ON t.id = v.tariff_id ORDER BY t.name, v.effective_from DESC`,
  )
  return rows.map((r) => ({
    versionId: n(r.id),
    tariffName: r.tariff_name,
    effectiveFrom: n(r.effective_from),
    createdAt: n(r.created_at),
    definition: r.definition,
    accounts: n(r.accounts),
  }))
}
