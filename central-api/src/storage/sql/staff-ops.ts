/**
 * Reversals and refunds, each asked for by one staff member and carried out when a second one
 * approves (four eyes). Approval runs in one transaction: the balancing transfers, the account,
 * the voided token's delivery, the request's state and the audit row.
 */
import type { AccountTariffState } from '@gridtill/shared'
import { Errors } from '../../errors.ts'
import { REFUNDS_PAYABLE, refundTransfers, reversalTransfers } from '../../ledger/vend-transfers.ts'
import type { StaffRecord, StaffRequestRecord, StaffRole } from '../repository.ts'
import { appendAudit, ensureLedgerAccounts, postTransfers, transfersOfVend, writeTariffState } from './common-ops.ts'
import { get, run, type Dialect, type Gen } from './query.ts'
import { ACCOUNT_SELECT, sameTariffState, toStaffRequest, type AccountRow, type StaffRequestRow } from './rows.ts'

const REQUEST_SELECT =
  'SELECT id, kind, state, vend_id, account_id, amount_fen, reason, requested_by, requested_at, decided_by, decided_at, decision_note FROM staff_requests'

export function* findStaff(staffId: string): Gen<StaffRecord | null> {
  const r = yield* get<{ id: string; name: string; role: StaffRole; active: number }>('SELECT id, name, role, active FROM staff WHERE id = ?', [staffId])
  return r === undefined ? null : { id: r.id, name: r.name, role: r.role, active: r.active === 1 }
}

export function* getStaffRequest(requestId: string): Gen<StaffRequestRecord | null> {
  const r = yield* get<StaffRequestRow>(`${REQUEST_SELECT} WHERE id = ?`, [requestId])
  return r === undefined ? null : toStaffRequest(r)
}

interface VendForReversal {
  vend_id: string
  account_id: string
  amount_fen: number
  state_before: string | null
  state_after: string | null
}

function* reversibleVend(vendId: string): Gen<VendForReversal> {
  const vend = yield* get<VendForReversal>('SELECT vend_id, account_id, amount_fen, state_before, state_after FROM vends WHERE vend_id = ?', [vendId])
  if (vend === undefined) throw new Errors.notFound('No such vend')
  if ((yield* get('SELECT vend_id FROM vend_reversals WHERE vend_id = ?', [vendId])) !== undefined) throw new Errors.reversalAlreadyDone()
  return vend
}

/**
 * The vend's latest delivery. With `lock` (approval) the row is held until commit, so a meter's
 * acknowledgement (a guarded UPDATE of the same row) either committed before and is seen here, or
 * waits and then finds the delivery cancelled: a reversal and an acceptance never both succeed.
 * PostgreSQL re-reads a row it had to wait for, so the state checked is the committed one.
 */
function* latestDelivery(d: Dialect, vendId: string, lock: boolean): Gen<{ id: string; state: string } | undefined> {
  const delivery = yield* get<{ id: string; state: string; reason: string | null }>(
    `SELECT id, state, reason FROM deliveries WHERE vend_id = ? ORDER BY created_at DESC, id DESC LIMIT 1${lock ? d.forUpdate('deliveries') : ''}`,
    [vendId],
  )
  if (delivery?.state === 'accepted') throw new Errors.reversalTokenAccepted()
  // A swap cancelled the token and carried its energy to the new meter (console-ops swapMeter).
  if (delivery?.state === 'cancelled' && delivery.reason === 'METER_SWAPPED') throw new Errors.reversalMeterSwapped()
  return delivery
}

export function* requestReversal(d: Dialect, r: { requestId: string; vendId: string; reason: string; staffId: string; now: number }): Gen<StaffRequestRecord> {
  const vend = yield* reversibleVend(r.vendId)
  yield* latestDelivery(d, r.vendId, false)
  const open = yield* get('SELECT id FROM staff_requests WHERE vend_id = ? AND kind = ? AND state = ?', [r.vendId, 'vend.reversal', 'requested'])
  if (open !== undefined) throw new Errors.requestOpen()
  yield* run(
    `INSERT INTO staff_requests (id, kind, vend_id, account_id, amount_fen, reason, state, requested_by, requested_at)
     VALUES (?, 'vend.reversal', ?, ?, ?, ?, 'requested', ?, ?)`,
    [r.requestId, r.vendId, vend.account_id, vend.amount_fen, r.reason, r.staffId, r.now],
  )
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'reversal.requested', details: { requestId: r.requestId, vendId: r.vendId, reason: r.reason } })
  return requireRequest(yield* getStaffRequest(r.requestId))
}

export function* requestRefund(
  d: Dialect,
  r: { requestId: string; accountId: string; amountFen: number; reason: string; staffId: string; now: number },
): Gen<StaffRequestRecord> {
  const account = yield* get<{ wallet_fen: number }>('SELECT wallet_fen FROM accounts WHERE id = ?', [r.accountId])
  if (account === undefined) throw new Errors.notFound('No such account')
  if (r.amountFen > account.wallet_fen) throw new Errors.refundExceedsWallet(account.wallet_fen)
  yield* run(
    `INSERT INTO staff_requests (id, kind, account_id, amount_fen, reason, state, requested_by, requested_at)
     VALUES (?, 'wallet.refund', ?, ?, ?, 'requested', ?, ?)`,
    [r.requestId, r.accountId, r.amountFen, r.reason, r.staffId, r.now],
  )
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'refund.requested',
    details: { requestId: r.requestId, accountId: r.accountId, amountFen: r.amountFen, reason: r.reason },
  })
  return requireRequest(yield* getStaffRequest(r.requestId))
}

function* pendingRequest(d: Dialect, requestId: string, staffId: string): Gen<StaffRequestRecord> {
  const row = yield* get<StaffRequestRow>(`${REQUEST_SELECT} WHERE id = ?${d.forUpdate('staff_requests')}`, [requestId])
  if (row === undefined) throw new Errors.notFound('No such request')
  if (row.state !== 'requested') throw new Errors.requestNotPending(row.state)
  // Four eyes: the database refuses it too (CHECK decided_by <> requested_by).
  if (row.requested_by === staffId) throw new Errors.staffSameApprover()
  return toStaffRequest(row)
}

export function* approveRequest(d: Dialect, r: { requestId: string; staffId: string; now: number }): Gen<StaffRequestRecord> {
  const req = yield* pendingRequest(d, r.requestId, r.staffId)
  const details = req.kind === 'vend.reversal' ? yield* reverseVend(d, req, r.now) : yield* refundWallet(d, req, r.now)
  yield* run("UPDATE staff_requests SET state = 'approved', decided_by = ?, decided_at = ? WHERE id = ?", [r.staffId, r.now, r.requestId])
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: req.kind === 'vend.reversal' ? 'vend.reversed' : 'wallet.refunded',
    details: { requestId: req.id, requestedBy: req.requestedBy, reason: req.reason, ...details },
  })
  return requireRequest(yield* getStaffRequest(r.requestId))
}

export function* rejectRequest(d: Dialect, r: { requestId: string; staffId: string; note: string; now: number }): Gen<StaffRequestRecord> {
  const req = yield* pendingRequest(d, r.requestId, r.staffId)
  yield* run("UPDATE staff_requests SET state = 'rejected', decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ?", [r.staffId, r.now, r.note, r.requestId])
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'request.rejected', details: { requestId: req.id, kind: req.kind, note: r.note } })
  return requireRequest(yield* getStaffRequest(r.requestId))
}

/** The vend's legs posted back, its token void (delivery cancelled), the account as it was before it. */
function* reverseVend(d: Dialect, req: StaffRequestRecord, now: number): Gen<Record<string, unknown>> {
  const vendId = req.vendId ?? ''
  // The account first, as a vend locks it: the two then never wait on each other in a circle.
  const account = yield* get<AccountRow>(`${ACCOUNT_SELECT} WHERE a.id = ?${d.forUpdate('a')}`, [req.accountId])
  if (account === undefined) throw new Errors.notFound('No such account')
  const vend = yield* reversibleVend(vendId)
  // Re-checked under the delivery's row lock, in this transaction (see latestDelivery).
  const delivery = yield* latestDelivery(d, vendId, true)
  // Restoring the state before the vend is exact only while nothing has changed the account since.
  const after = vend.state_after === null ? null : (JSON.parse(vend.state_after) as AccountTariffState)
  const before = vend.state_before === null ? null : (JSON.parse(vend.state_before) as AccountTariffState)
  if (after === null || before === null || account.period_start === null || !sameTariffState(stateColumns(account), after)) {
    throw new Errors.reversalNotLatest()
  }
  const transfers = reversalTransfers({ requestId: req.id, vendId, legs: yield* transfersOfVend(vendId), at: now })
  yield* ensureLedgerAccounts([REFUNDS_PAYABLE], now)
  yield* postTransfers(transfers)
  yield* writeTariffState(req.accountId, before)
  let cancelled = false
  if (delivery !== undefined && (delivery.state === 'pending' || delivery.state === 'sent')) {
    yield* run("UPDATE deliveries SET state = 'cancelled', reason = 'VOIDED', updated_at = ? WHERE id = ?", [now, delivery.id])
    cancelled = true
  }
  yield* run('INSERT INTO vend_reversals (vend_id, request_id, reversed_at) VALUES (?, ?, ?)', [vendId, req.id, now])
  return { vendId, accountId: req.accountId, amountFen: vend.amount_fen, deliveryCancelled: cancelled, transfers: transfers.length }
}

function* refundWallet(d: Dialect, req: StaffRequestRecord, now: number): Gen<Record<string, unknown>> {
  const account = yield* get<{ wallet_fen: number }>(`SELECT a.wallet_fen FROM accounts a WHERE a.id = ?${d.forUpdate('a')}`, [req.accountId])
  if (account === undefined) throw new Errors.notFound('No such account')
  // The wallet may have been spent since the request: refund only what is there.
  if (req.amountFen > account.wallet_fen) throw new Errors.refundExceedsWallet(account.wallet_fen)
  yield* ensureLedgerAccounts([REFUNDS_PAYABLE], now)
  yield* postTransfers(refundTransfers({ requestId: req.id, accountId: req.accountId, amountFen: req.amountFen, at: now }))
  yield* run('UPDATE accounts SET wallet_fen = wallet_fen - ? WHERE id = ?', [req.amountFen, req.accountId])
  return { accountId: req.accountId, amountFen: req.amountFen, walletAfterFen: account.wallet_fen - req.amountFen }
}

function stateColumns(a: AccountRow): AccountTariffState {
  return {
    walletFen: a.wallet_fen,
    arrearsFen: a.arrears_fen,
    energyBoughtInPeriodWh: a.energy_bought_in_period_wh,
    periodStart: a.period_start ?? '',
    fixedChargesPaidThroughMonth: a.fixed_charges_paid_through_month ?? '',
    freeBasicIssuedMonth: a.free_basic_issued_month,
  }
}

function requireRequest(r: StaffRequestRecord | null): StaffRequestRecord {
  if (r === null) throw new Error('staff request vanished inside its own transaction')
  return r
}
