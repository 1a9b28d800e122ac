/**
 * The vend's storage steps: claim (the in-flight guard every instance sees), release, and the one
 * transaction that records a vend: the vend and its notes, the ledger legs, the account's new
 * tariff state, the TID, the receipt number, the delivery outbox row, the audit row, and the end
 * of the claim.
 */
import { uuidv7 } from '@gridtill/shared'
import { Errors } from '../../errors.ts'
import { arrearsAccount, HOUSE_ACCOUNTS, kioskCashAccount, vendTransfers, walletAccount } from '../../ledger/vend-transfers.ts'
import { formatReceiptNo } from '../../vending/receipt-no.ts'
import { buildVendResponse } from '../../vending/vend-response.ts'
import type { DeliveryRecord, VendClaimRequest, VendClaimResult, VendCommitRequest, VendCommitResult } from '../repository.ts'
import { accountWithTariff, appendAudit, ensureLedgerAccounts, postTransfers, writeTariffState } from './common-ops.ts'
import { get, run, type Dialect, type Gen } from './query.ts'
import { KIOSK_SELECT, METER_SELECT, sameTariffState, tariffStateOf, toKiosk, toVend, type KioskRow, type MeterRow, type VendRow } from './rows.ts'

export const VEND_SELECT = 'SELECT vend_id, request_hash, kiosk_id, meter_no, response_json, created_at FROM vends'

/**
 * PostgreSQL in one statement (one round trip, its own commit; a claim needs no transaction):
 * the finished vend if there is one, else the claim taken (new or expired), else the live claim.
 */
const CLAIM_POSTGRES = `WITH done AS (SELECT vend_id, request_hash, kiosk_id, meter_no, response_json, created_at FROM vends WHERE vend_id = ?),
  taken AS (
    INSERT INTO vend_claims (vend_id, request_hash, kiosk_id, owner, claimed_at, expires_at)
    SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM done)
    ON CONFLICT (vend_id) DO UPDATE SET request_hash = excluded.request_hash, kiosk_id = excluded.kiosk_id, owner = excluded.owner,
      claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
    WHERE vend_claims.expires_at < excluded.claimed_at
    RETURNING owner)
  SELECT d.vend_id, d.request_hash, d.kiosk_id, d.meter_no, d.response_json, d.created_at,
         (SELECT owner FROM taken) AS taken_by, (SELECT request_hash FROM vend_claims WHERE vend_id = ?) AS held_hash
  FROM (SELECT 1) one LEFT JOIN done d ON true`

export function* claimVend(d: Dialect, req: VendClaimRequest): Gen<VendClaimResult> {
  if (d.name === 'postgres') {
    const r = yield* get<VendRow & { vend_id: string | null; taken_by: string | null; held_hash: string | null }>(CLAIM_POSTGRES, [
      req.vendId,
      req.vendId,
      req.requestHash,
      req.kioskId,
      req.owner,
      req.now,
      req.now + req.leaseMs,
      req.vendId,
    ])
    if (r?.vend_id !== null && r?.vend_id !== undefined) return { kind: 'completed', vend: toVend(r) }
    if (r?.taken_by !== null && r?.taken_by !== undefined) return { kind: 'claimed' }
    // A claim committed after this statement began is not in its snapshot: assume the same request.
    return { kind: 'inFlight', requestHash: r?.held_hash ?? req.requestHash }
  }
  const done = yield* get<VendRow>(`${VEND_SELECT} WHERE vend_id = ?`, [req.vendId])
  if (done !== undefined) return { kind: 'completed', vend: toVend(done) }
  // A new claim, or the takeover of one whose lease ran out (its instance died mid-vend).
  const taken = yield* get<{ owner: string }>(
    `INSERT INTO vend_claims (vend_id, request_hash, kiosk_id, owner, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (vend_id) DO UPDATE SET request_hash = excluded.request_hash, kiosk_id = excluded.kiosk_id, owner = excluded.owner,
       claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
     WHERE vend_claims.expires_at < excluded.claimed_at
     RETURNING owner`,
    [req.vendId, req.requestHash, req.kioskId, req.owner, req.now, req.now + req.leaseMs],
  )
  if (taken !== undefined) return { kind: 'claimed' }
  const held = yield* get<{ request_hash: string }>('SELECT request_hash FROM vend_claims WHERE vend_id = ?', [req.vendId])
  return { kind: 'inFlight', requestHash: held?.request_hash ?? req.requestHash }
}

export function* releaseVendClaim(vendId: string, owner: string): Gen<void> {
  yield* run('DELETE FROM vend_claims WHERE vend_id = ? AND owner = ?', [vendId, owner])
}

export function* commitVend(d: Dialect, req: VendCommitRequest): Gen<VendCommitResult> {
  // 1. Exactly once: a vend id is answered from storage forever after.
  const existing = yield* get<VendRow>(`${VEND_SELECT} WHERE vend_id = ?`, [req.vendId])
  if (existing !== undefined) {
    if (existing.request_hash === req.requestHash) return { kind: 'replayed', vend: toVend(existing) }
    throw new Errors.vendIdReused()
  }
  // 2. Compare-and-set against what the token was minted for, holding the account and the meter
  //    (always in that order) until commit.
  const at = Math.min(req.paidAt, req.now)
  const acct = yield* accountWithTariff(d, req.expected.accountId, at, true)
  const meter = yield* get<MeterRow>(`${METER_SELECT} WHERE m.meter_no = ?${d.forUpdate('m')}`, [req.meterNo])
  if (
    acct === null ||
    meter === undefined ||
    meter.account_id !== acct.row.id ||
    acct.row.status !== 'open' ||
    meter.last_tid !== req.expected.lastTid ||
    acct.version?.versionId !== req.expected.tariffVersionId ||
    !sameTariffState(tariffStateOf(acct.row, acct.version.definition, at), req.expected.state)
  ) {
    return { kind: 'stale' }
  }
  const kioskRow = yield* get<KioskRow>(`${KIOSK_SELECT} WHERE k.id = ?`, [req.kioskId])
  if (kioskRow === undefined) throw new Errors.authUnknownKiosk()
  const kiosk = toKiosk(kioskRow)
  const { outcome, tid, tokens } = req
  const b = outcome.breakdown

  const seq = (yield* get<{ last_seq: number }>(
    `INSERT INTO receipt_counters (kiosk_id, day, last_seq) VALUES (?, ?, 1)
     ON CONFLICT (kiosk_id, day) DO UPDATE SET last_seq = receipt_counters.last_seq + 1 RETURNING last_seq`,
    [req.kioskId, req.businessDay],
  ))?.last_seq
  if (seq === undefined) throw new Error('receipt counter did not return a sequence')
  const receiptNo = formatReceiptNo(req.kioskId, req.businessDay, seq)
  const response = buildVendResponse({
    vendId: req.vendId,
    receiptNo,
    meterNo: meter.meter_no,
    customerName: req.customerName,
    amountFen: req.amountFen,
    outcome,
    tokens,
    tariffName: req.tariffName,
    createdAt: req.now,
  })

  yield* run(
    `INSERT INTO vends (vend_id, request_hash, kiosk_id, meter_no, account_id, card_no, tariff_version_id, amount_fen, wallet_used_fen,
                        energy_fen, vat_fen, fixed_charges_fen, debt_recovered_fen, moved_to_arrears_fen, carried_over_fen, energy_wh,
                        free_basic_wh, units01, tid, state_before, state_after, status, receipt_no, response_json, paid_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?)`,
    [
      req.vendId,
      req.requestHash,
      req.kioskId,
      meter.meter_no,
      acct.row.id,
      req.cardNo,
      req.expected.tariffVersionId,
      req.amountFen,
      b.walletUsedFen,
      b.energyFen,
      b.vatFen,
      b.fixedChargesFen,
      b.debtRecoveredFen,
      outcome.fixedCharges.movedToArrearsFen,
      b.carriedOverFen,
      outcome.energyWh,
      outcome.freeBasicWh,
      outcome.units01,
      tid,
      JSON.stringify(req.expected.state),
      JSON.stringify(outcome.newState),
      receiptNo,
      JSON.stringify(response),
      req.paidAt,
      req.now,
    ],
  )
  // 3. A banknote is credited once, ever: its primary key says so, in the insert itself (no read
  //    first; a concurrent vend with the same note waits for the first one's commit, then stops
  //    here). Throwing rolls back everything this vend wrote so far.
  for (const n of req.notes) {
    const inserted = yield* run('INSERT INTO vend_notes (note_id, vend_id, value_fen) VALUES (?, ?, ?) ON CONFLICT (note_id) DO NOTHING', [n.noteId, req.vendId, n.valueFen])
    if (inserted !== 1) throw new Errors.vendNoteReused(n.noteId)
  }

  const transfers = vendTransfers({
    vendId: req.vendId,
    kioskId: kiosk.id,
    cashCycle: kiosk.cashCycle,
    accountId: acct.row.id,
    amountFen: req.amountFen,
    breakdown: b,
    movedToArrearsFen: outcome.fixedCharges.movedToArrearsFen,
    at: req.now,
  })
  const refs = [kioskCashAccount(kiosk.id, kiosk.cashCycle), walletAccount(acct.row.id), arrearsAccount(acct.row.id), ...HOUSE_ACCOUNTS]
  const used = new Set(transfers.flatMap((t) => [t.debitAccount, t.creditAccount]))
  yield* ensureLedgerAccounts(
    refs.filter((r) => used.has(r.id)),
    req.now,
  )
  yield* postTransfers(transfers)

  // The account's wallet and arrears move with their ledger accounts (the ledger check proves it).
  yield* writeTariffState(acct.row.id, outcome.newState)
  if (tid !== null) yield* run('UPDATE meters SET last_tid = ? WHERE meter_no = ?', [tid, meter.meter_no])

  let delivery: DeliveryRecord | null = null
  if (tokens.length > 0) {
    // The first publish attempt is recorded here, as a claim would (attempts 1, the next attempt
    // one backoff away), so the meter link publishes the committed row at once with no write of its
    // own; if it never gets to (a crash), the row falls due then and the outbox poll sends it.
    const id = uuidv7(req.now)
    const nextAttemptAt = req.deliveryRetryAt
    yield* run(
      `INSERT INTO deliveries (id, vend_id, meter_no, tokens_json, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 1, ?, ?, ?)`,
      [id, req.vendId, meter.meter_no, JSON.stringify(tokens), nextAttemptAt, req.now, req.now],
    )
    delivery = { id, vendId: req.vendId, meterNo: meter.meter_no, tokens: [...tokens], state: 'pending', reason: null, attempts: 1, nextAttemptAt, createdAt: req.now, updatedAt: req.now, ackedAt: null }
  }
  const deliveryId = delivery?.id ?? null
  yield* run('DELETE FROM vend_claims WHERE vend_id = ?', [req.vendId])

  yield* appendAudit(d, {
    at: req.now,
    actor: `kiosk:${kiosk.id}`,
    action: 'vend.committed',
    details: {
      vendId: req.vendId,
      receiptNo,
      meterNo: meter.meter_no,
      accountId: acct.row.id,
      amountFen: req.amountFen,
      energyWh: outcome.energyWh,
      vatFen: b.vatFen,
      fixedChargesFen: b.fixedChargesFen,
      debtRecoveredFen: b.debtRecoveredFen,
      carriedOverFen: b.carriedOverFen,
      tid,
      notes: req.notes.length,
    },
  })
  return {
    kind: 'created',
    deliveryId,
    delivery,
    vend: { vendId: req.vendId, requestHash: req.requestHash, kioskId: req.kioskId, meterNo: meter.meter_no, response, createdAt: req.now },
  }
}
