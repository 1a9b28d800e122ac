/**
 * Cash handling over both engines (see cash-repository.ts). Each write is one transaction: the
 * collection's rows, its ledger transfers (ledger/collection-transfers.ts) and its audit row.
 *
 * Cash cycles: a collection closes the kiosk's current central cycle N (its kiosk cash account
 * kiosk-cash:<kiosk>:N) and opens N + 1 in the same transaction, so every vend committed after the
 * collection credits the box now in the kiosk. A vend paid before the box came out but reaching
 * the central after the collection (the kiosk was offline; its vend and collection outboxes are
 * separate) therefore lands in cycle N + 1 although its notes are in bag N. It is not moved: the
 * ledger is append-only and the vend's legs belong to the vend service. Instead the count shows
 * it beside the credited figure (lateCreditedFen: vends paid inside the cycle's window, by the
 * kiosk's clock, posted to another cycle), and the cashier counts against the kiosk's journal
 * (expected), which already includes those notes. Across the two cycles the kiosk cash nets out.
 */
import { uuidv7 } from '@gridtill/shared'
import { fullCounts, countProblem, sumFen, varianceFen } from '../../cash/reconciliation.ts'
import { Errors } from '../../errors.ts'
import {
  CASH_HOUSE_ACCOUNTS,
  collectionTransfers,
  depositTransfers,
  overShortTransfers,
} from '../../ledger/collection-transfers.ts'
import { kioskCashAccount } from '../../ledger/vend-transfers.ts'
import type {
  CollectionPostInput,
  CollectionPostResult,
  CollectionRecord,
  CollectionState,
  CountInput,
  DepositRecord,
  SuspectResolution,
} from '../cash-repository.ts'
import { appendAudit, ensureLedgerAccounts, postTransfers } from './common-ops.ts'
import { all, get, run, type Dialect, type Gen } from './query.ts'

interface CollectionRow {
  id: string
  cycle_id: string
  request_hash: string
  kiosk_id: string
  kiosk_name: string
  cash_cycle: number
  seal_no: string
  opened_at: number
  closed_at: number
  staff_card_no: string
  note_count: number
  expected_fen: number
  received_at: number
  state: CollectionState
  counted_fen: number | null
  counted_by: string | null
  counted_by_name: string | null
  counted_at: number | null
  variance_reason: string | null
  approved_by: string | null
  approved_by_name: string | null
  approved_at: number | null
  reconciled_at: number | null
  deposit_id: string | null
  credited_fen: number
  late_fen: number
}

// Credited: vend cash posted to the cycle's account. Late: vends of this kiosk paid inside the
// cycle's window but posted to another cycle (see the header).
const COLLECTION_SELECT = `SELECT c.id, c.cycle_id, c.request_hash, c.kiosk_id, k.name AS kiosk_name, c.cash_cycle, c.seal_no, c.opened_at,
    c.closed_at, c.staff_card_no, c.note_count, c.expected_fen, c.received_at, c.state, c.counted_fen, c.counted_by, c.counted_at,
    c.variance_reason, c.approved_by, c.approved_at, c.reconciled_at, c.deposit_id, sc.name AS counted_by_name, sa.name AS approved_by_name,
    coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t
              WHERE t.kind = 'vend.cash' AND t.debit_account = 'kiosk-cash:' || c.kiosk_id || ':' || c.cash_cycle), 0) AS credited_fen,
    coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t JOIN vends v ON v.vend_id = t.vend_id
              WHERE t.kind = 'vend.cash' AND v.kiosk_id = c.kiosk_id AND v.paid_at >= c.opened_at AND v.paid_at <= c.closed_at
                AND t.debit_account <> 'kiosk-cash:' || c.kiosk_id || ':' || c.cash_cycle), 0) AS late_fen
  FROM collections c JOIN kiosks k ON k.id = c.kiosk_id
  LEFT JOIN staff sc ON sc.id = c.counted_by LEFT JOIN staff sa ON sa.id = c.approved_by`

function* hydrate(rows: CollectionRow[]): Gen<CollectionRecord[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const marks = ids.map(() => '?').join(', ')
  const denoms = yield* all<{
    collection_id: string
    value_fen: number
    expected_count: number
    counted_count: number | null
  }>(
    `SELECT collection_id, value_fen, expected_count, counted_count FROM collection_denominations WHERE collection_id IN (${marks}) ORDER BY value_fen`,
    ids,
  )
  const suspects = yield* all<{
    collection_id: string
    note_id: string
    value_fen: number | null
    at: number
    reason: string
    resolution: SuspectResolution | null
    resolved_by: string | null
    resolved_at: number | null
  }>(
    `SELECT collection_id, note_id, value_fen, at, reason, resolution, resolved_by, resolved_at FROM collection_suspect_notes
     WHERE collection_id IN (${marks}) ORDER BY at, note_id`,
    ids,
  )
  return rows.map((r) => ({
    collectionId: r.id,
    cycleId: r.cycle_id,
    kioskId: r.kiosk_id,
    kioskName: r.kiosk_name,
    cashCycle: r.cash_cycle,
    sealNo: r.seal_no,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    staffCardNo: r.staff_card_no,
    noteCount: r.note_count,
    expectedFen: r.expected_fen,
    creditedFen: r.credited_fen,
    lateCreditedFen: r.late_fen,
    receivedAt: r.received_at,
    state: r.state,
    countedFen: r.counted_fen,
    countedBy: r.counted_by,
    countedByName: r.counted_by_name,
    countedAt: r.counted_at,
    varianceReason: r.variance_reason,
    approvedBy: r.approved_by,
    approvedByName: r.approved_by_name,
    approvedAt: r.approved_at,
    reconciledAt: r.reconciled_at,
    depositId: r.deposit_id,
    denominations: denoms
      .filter((d) => d.collection_id === r.id)
      .map((d) => ({
        valueFen: d.value_fen,
        expectedCount: d.expected_count,
        countedCount: d.counted_count,
      })),
    suspectNotes: suspects
      .filter((s) => s.collection_id === r.id)
      .map((s) => ({
        noteId: s.note_id,
        valueFen: s.value_fen,
        at: s.at,
        reason: s.reason,
        resolution: s.resolution,
        resolvedBy: s.resolved_by,
        resolvedAt: s.resolved_at,
      })),
  }))
}

export function* getCollection(collectionId: string): Gen<CollectionRecord | null> {
  const rows = yield* all<CollectionRow>(`${COLLECTION_SELECT} WHERE c.id = ?`, [collectionId])
  return (yield* hydrate(rows))[0] ?? null
}

export function* listCollections(q: {
  states: readonly CollectionState[]
  limit: number
}): Gen<CollectionRecord[]> {
  const where =
    q.states.length === 0 ? '' : ` WHERE c.state IN (${q.states.map(() => '?').join(', ')})`
  const rows = yield* all<CollectionRow>(
    `${COLLECTION_SELECT}${where} ORDER BY c.received_at DESC, c.id DESC LIMIT ?`,
    [...q.states, q.limit],
  )
  return yield* hydrate(rows)
}

export function* collectionsCountedBetween(from: number, to: number): Gen<CollectionRecord[]> {
  const rows = yield* all<CollectionRow>(
    `${COLLECTION_SELECT} WHERE c.counted_at >= ? AND c.counted_at < ? ORDER BY c.counted_at, c.id`,
    [from, to],
  )
  return yield* hydrate(rows)
}

function* requireCollection(collectionId: string): Gen<CollectionRecord> {
  const c = yield* getCollection(collectionId)
  if (c === null) throw new Error('collection vanished inside its own transaction')
  return c
}

export function* postCollection(d: Dialect, input: CollectionPostInput): Gen<CollectionPostResult> {
  const { body, now } = input
  const prior = yield* get<{ id: string; request_hash: string; kiosk_id: string }>(
    'SELECT id, request_hash, kiosk_id FROM collections WHERE cycle_id = ?',
    [body.cycleId],
  )
  if (prior !== undefined) {
    if (prior.request_hash !== input.requestHash || prior.kiosk_id !== input.kioskId)
      throw new Errors.idempotencyMismatch()
    return { kind: 'duplicate', collection: yield* requireCollection(prior.id) }
  }
  // Locks the kiosk row: a vend committing meanwhile either lands before (cycle N) or after (N + 1).
  const kiosk = yield* get<{ cash_cycle: number }>(
    `SELECT k.cash_cycle FROM kiosks k WHERE k.id = ?${d.forUpdate('k')}`,
    [input.kioskId],
  )
  if (kiosk === undefined) throw new Errors.authUnknownKiosk()
  const cycle = kiosk.cash_cycle
  const collectionId = uuidv7(now)
  yield* run(
    `INSERT INTO collections (id, cycle_id, request_hash, kiosk_id, cash_cycle, seal_no, opened_at, closed_at, staff_card_no, note_count,
                              expected_fen, received_at, state)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'awaitingCount')`,
    [
      collectionId,
      body.cycleId,
      input.requestHash,
      input.kioskId,
      cycle,
      body.sealNo,
      Date.parse(body.openedAt),
      Date.parse(body.closedAt),
      body.staffCardNo,
      body.noteCount,
      body.totalFen,
      now,
    ],
  )
  for (const c of fullCounts(body.counts)) {
    yield* run(
      'INSERT INTO collection_denominations (collection_id, value_fen, expected_count) VALUES (?, ?, ?)',
      [collectionId, c.valueFen, c.count],
    )
  }
  for (const s of body.suspectNotes) {
    yield* run(
      'INSERT INTO collection_suspect_notes (collection_id, note_id, value_fen, at, reason) VALUES (?, ?, ?, ?, ?)',
      [collectionId, s.noteId, s.valueFen, Date.parse(s.at), s.reason],
    )
  }
  const transfers = collectionTransfers({
    collectionId,
    kioskId: input.kioskId,
    cashCycle: cycle,
    expectedFen: body.totalFen,
    at: now,
  })
  yield* ensureLedgerAccounts(
    [
      kioskCashAccount(input.kioskId, cycle),
      kioskCashAccount(input.kioskId, cycle + 1),
      ...CASH_HOUSE_ACCOUNTS,
    ],
    now,
  )
  yield* postTransfers(transfers)
  yield* run('UPDATE kiosks SET cash_cycle = ? WHERE id = ?', [cycle + 1, input.kioskId])
  yield* appendAudit(d, {
    at: now,
    actor: `kiosk:${input.kioskId}`,
    action: 'collection.received',
    details: {
      collectionId,
      cycleId: body.cycleId,
      sealNo: body.sealNo,
      cashCycle: cycle,
      expectedFen: body.totalFen,
      noteCount: body.noteCount,
      suspectNotes: body.suspectNotes.length,
      staffCardNo: body.staffCardNo,
    },
  })
  return { kind: 'created', collection: yield* requireCollection(collectionId) }
}

function* lockedCollection(
  d: Dialect,
  collectionId: string,
): Gen<{
  id: string
  state: CollectionState
  expected_fen: number
  counted_fen: number | null
  counted_by: string | null
}> {
  const row = yield* get<{
    id: string
    state: CollectionState
    expected_fen: number
    counted_fen: number | null
    counted_by: string | null
  }>(
    `SELECT c.id, c.state, c.expected_fen, c.counted_fen, c.counted_by FROM collections c WHERE c.id = ?${d.forUpdate('c')}`,
    [collectionId],
  )
  if (row === undefined) throw new Errors.notFound('No such collection')
  return row
}

export function* countCollection(d: Dialect, input: CountInput): Gen<CollectionRecord> {
  const row = yield* lockedCollection(d, input.collectionId)
  if (row.state !== 'awaitingCount')
    throw new Errors.cashState(`The collection is ${row.state}, not awaiting a count`)
  const suspectIds = (yield* all<{ note_id: string }>(
    'SELECT note_id FROM collection_suspect_notes WHERE collection_id = ?',
    [row.id],
  )).map((s) => s.note_id)
  const reason = input.reason === null || input.reason.trim() === '' ? null : input.reason.trim()
  const problem = countProblem({
    counts: input.counts,
    suspectNoteIds: suspectIds,
    resolutions: input.suspects,
    expectedFen: row.expected_fen,
    reason,
  })
  if (problem === 'duplicateDenomination')
    throw new Errors.validation('A denomination is listed twice')
  if (problem === 'suspectsUnresolved') throw new Errors.cashSuspectUnresolved()
  if (problem === 'reasonRequired') throw new Errors.cashReasonRequired()
  const counted = fullCounts(input.counts)
  const countedFen = sumFen(counted)
  const variance = varianceFen(countedFen, row.expected_fen)
  for (const c of counted) {
    yield* run(
      'UPDATE collection_denominations SET counted_count = ? WHERE collection_id = ? AND value_fen = ?',
      [c.count, row.id, c.valueFen],
    )
  }
  for (const s of input.suspects) {
    yield* run(
      'UPDATE collection_suspect_notes SET resolution = ?, resolved_by = ?, resolved_at = ? WHERE collection_id = ? AND note_id = ?',
      [s.resolution, input.staffId, input.now, row.id, s.noteId],
    )
  }
  // A balanced count needs nobody else: nothing is posted (cash in transit already holds it).
  const balanced = variance === 0
  yield* run(
    `UPDATE collections SET state = ?, counted_fen = ?, counted_by = ?, counted_at = ?, variance_reason = ?, reconciled_at = ? WHERE id = ?`,
    [
      balanced ? 'reconciled' : 'awaitingApproval',
      countedFen,
      input.staffId,
      input.now,
      balanced ? null : reason,
      balanced ? input.now : null,
      row.id,
    ],
  )
  yield* appendAudit(d, {
    at: input.now,
    actor: `staff:${input.staffId}`,
    action: 'cash.counted',
    details: {
      collectionId: row.id,
      expectedFen: row.expected_fen,
      countedFen,
      varianceFen: variance,
      counts: counted.filter((c) => c.count > 0),
      suspects: input.suspects,
      reason: balanced ? null : reason,
    },
  })
  return yield* requireCollection(row.id)
}

export function* approveCollection(
  d: Dialect,
  r: { collectionId: string; staffId: string; now: number },
): Gen<CollectionRecord> {
  const row = yield* lockedCollection(d, r.collectionId)
  if (row.state !== 'awaitingApproval')
    throw new Errors.cashState(`The collection is ${row.state}, not awaiting approval`)
  // Four eyes: the database refuses it too (CHECK approved_by <> counted_by).
  if (row.counted_by === r.staffId) throw new Errors.staffSameApprover()
  const variance = varianceFen(row.counted_fen ?? 0, row.expected_fen)
  yield* ensureLedgerAccounts(CASH_HOUSE_ACCOUNTS, r.now)
  yield* postTransfers(
    overShortTransfers({ collectionId: row.id, varianceFen: variance, at: r.now }),
  )
  yield* run(
    "UPDATE collections SET state = 'reconciled', approved_by = ?, approved_at = ?, reconciled_at = ? WHERE id = ?",
    [r.staffId, r.now, r.now, row.id],
  )
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'cash.overShortApproved',
    details: {
      collectionId: row.id,
      countedBy: row.counted_by,
      expectedFen: row.expected_fen,
      countedFen: row.counted_fen,
      varianceFen: variance,
    },
  })
  return yield* requireCollection(row.id)
}

export function* rejectCount(
  d: Dialect,
  r: { collectionId: string; staffId: string; note: string; now: number },
): Gen<CollectionRecord> {
  const row = yield* lockedCollection(d, r.collectionId)
  if (row.state !== 'awaitingApproval')
    throw new Errors.cashState(`The collection is ${row.state}, not awaiting approval`)
  if (row.counted_by === r.staffId) throw new Errors.staffSameApprover()
  // The rejected count stays in the audit log; the collection goes back to be counted again.
  yield* run('UPDATE collection_denominations SET counted_count = NULL WHERE collection_id = ?', [
    row.id,
  ])
  yield* run(
    'UPDATE collection_suspect_notes SET resolution = NULL, resolved_by = NULL, resolved_at = NULL WHERE collection_id = ?',
    [row.id],
  )
  yield* run(
    "UPDATE collections SET state = 'awaitingCount', counted_fen = NULL, counted_by = NULL, counted_at = NULL, variance_reason = NULL WHERE id = ?",
    [row.id],
  )
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'cash.countRejected',
    details: {
      collectionId: row.id,
      countedBy: row.counted_by,
      countedFen: row.counted_fen,
      note: r.note,
    },
  })
  return yield* requireCollection(row.id)
}

export function* createDeposit(
  d: Dialect,
  r: {
    depositId: string
    slipNo: string
    collectionIds: readonly string[]
    staffId: string
    now: number
  },
): Gen<DepositRecord> {
  if (new Set(r.collectionIds).size !== r.collectionIds.length)
    throw new Errors.validation('A collection is listed twice')
  if ((yield* get('SELECT id FROM bank_deposits WHERE slip_no = ?', [r.slipNo])) !== undefined)
    throw new Errors.cashDepositSlipReused()
  const marks = r.collectionIds.map(() => '?').join(', ')
  const rows = yield* all<{ id: string; state: CollectionState; counted_fen: number | null }>(
    `SELECT c.id, c.state, c.counted_fen FROM collections c WHERE c.id IN (${marks}) ORDER BY c.id${d.forUpdate('c')}`,
    [...r.collectionIds],
  )
  if (rows.length !== r.collectionIds.length) throw new Errors.notFound('No such collection')
  const notReady = rows.find((c) => c.state !== 'reconciled')
  if (notReady !== undefined)
    throw new Errors.cashState(`Collection ${notReady.id} is ${notReady.state}, not reconciled`)
  const amountFen = rows.reduce((s, c) => s + (c.counted_fen ?? 0), 0)
  if (amountFen === 0) throw new Errors.validation('The deposit would be empty')
  yield* run(
    'INSERT INTO bank_deposits (id, slip_no, amount_fen, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
    [r.depositId, r.slipNo, amountFen, r.staffId, r.now],
  )
  yield* run(`UPDATE collections SET state = 'deposited', deposit_id = ? WHERE id IN (${marks})`, [
    r.depositId,
    ...r.collectionIds,
  ])
  yield* ensureLedgerAccounts(CASH_HOUSE_ACCOUNTS, r.now)
  yield* postTransfers(
    depositTransfers({
      depositId: r.depositId,
      collections: rows.map((c) => ({ collectionId: c.id, countedFen: c.counted_fen ?? 0 })),
      at: r.now,
    }),
  )
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'cash.deposited',
    details: {
      depositId: r.depositId,
      slipNo: r.slipNo,
      amountFen,
      collectionIds: [...r.collectionIds].sort(),
    },
  })
  const dep = (yield* listDepositsWhere('WHERE d.id = ?', [r.depositId], 1))[0]
  if (dep === undefined) throw new Error('deposit vanished inside its own transaction')
  return dep
}

function* listDepositsWhere(
  where: string,
  params: (string | number)[],
  limit: number,
): Gen<DepositRecord[]> {
  const rows = yield* all<{
    id: string
    slip_no: string
    amount_fen: number
    created_by: string
    created_at: number
  }>(
    `SELECT d.id, d.slip_no, d.amount_fen, d.created_by, d.created_at FROM bank_deposits d ${where} ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
    [...params, limit],
  )
  const out: DepositRecord[] = []
  for (const r of rows) {
    const ids = yield* all<{ id: string }>(
      'SELECT id FROM collections WHERE deposit_id = ? ORDER BY id',
      [r.id],
    )
    out.push({
      depositId: r.id,
      slipNo: r.slip_no,
      amountFen: r.amount_fen,
      createdBy: r.created_by,
      createdAt: r.created_at,
      collectionIds: ids.map((i) => i.id),
    })
  }
  return out
}

export function* listDeposits(limit: number): Gen<DepositRecord[]> {
  return yield* listDepositsWhere('', [], limit)
}

/**
 * The ledger check's share (ledger-ops.ts): collections, counts and deposits whose transfers are
 * not what their rows say. Each collection must have moved exactly its expected fen out of kiosk
 * cash, its signed over/short must equal counted − expected once reconciled (and be absent before),
 * and a deposited collection's bank leg must equal what was counted; each deposit must equal the
 * sum of its collections.
 */
export function* collectionLedgerProblems(): Gen<number> {
  const collections = yield* get<{ n: number }>(
    `SELECT count(*) AS n FROM collections c
     WHERE c.expected_fen <> coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t
                                       WHERE t.id = c.id || ':expected' AND t.kind = 'collection.expected'
                                         AND t.credit_account = 'kiosk-cash:' || c.kiosk_id || ':' || c.cash_cycle), 0)
        OR (CASE WHEN c.state IN ('reconciled', 'deposited') THEN c.counted_fen - c.expected_fen ELSE 0 END)
           <> coalesce((SELECT sum(CASE WHEN t.debit_account = 'cash-in-transit' THEN t.amount_fen ELSE -t.amount_fen END) FROM ledger_transfers t
                        WHERE t.id = c.id || ':over-short' AND t.kind = 'reconciliation.overShort'), 0)
        OR (CASE WHEN c.state = 'deposited' THEN c.counted_fen ELSE 0 END)
           <> coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t
                        WHERE t.kind = 'deposit.bank' AND t.id = c.deposit_id || ':' || c.id), 0)`,
  )
  const deposits = yield* get<{ n: number }>(
    `SELECT count(*) AS n FROM bank_deposits d
     WHERE d.amount_fen <> coalesce((SELECT sum(c.counted_fen) FROM collections c WHERE c.deposit_id = d.id), 0)
        OR d.amount_fen <> coalesce((SELECT sum(t.amount_fen) FROM ledger_transfers t WHERE t.kind = 'deposit.bank' AND t.id LIKE d.id || ':%'), 0)`,
  )
  return (collections?.n ?? 0) + (deposits?.n ?? 0)
}
