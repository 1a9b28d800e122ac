/** Steps several operations share: the audit chain, ledger postings, accounts with their tariff. */
import type { AccountTariffState } from '@gridtill/shared'
import { auditDetailsText, auditHash, GENESIS_HASH } from '../../audit/chain.ts'
import type { LedgerAccountRef, Transfer } from '../../ledger/vend-transfers.ts'
import type { AuditEntryInput } from '../repository.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'
import { ACCOUNT_SELECT, toTariffVersion, type AccountRow, type TariffVersionRow } from './rows.ts'
import type { TariffVersion } from '../repository.ts'

/** Appends to the hash chain; runs inside the transaction whose event it records. */
export function* appendAudit(d: Dialect, entry: AuditEntryInput): Gen<void> {
  const lock = d.lock('audit_log')
  if (lock !== null) yield* get(lock)
  const prev = (yield* get<{ hash: string }>('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1'))?.hash ?? GENESIS_HASH
  const fields = { at: entry.at, actor: entry.actor, action: entry.action, details: auditDetailsText(entry.details) }
  yield* run('INSERT INTO audit_log (at, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)', [
    fields.at,
    fields.actor,
    fields.action,
    fields.details,
    prev,
    auditHash(prev, fields),
  ])
}

/** One multi-row statement for n rows of `columns` (fewer round trips on PostgreSQL). */
function valuesSql(columns: number, rows: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
  return Array.from({ length: rows }, () => row).join(', ')
}

export function* ensureLedgerAccounts(refs: readonly LedgerAccountRef[], now: number): Gen<void> {
  if (refs.length === 0) return
  const params: SqlValue[] = []
  for (const a of refs) params.push(a.id, a.kind, a.name, now)
  yield* run(`INSERT INTO ledger_accounts (id, kind, name, created_at) VALUES ${valuesSql(4, refs.length)} ON CONFLICT (id) DO NOTHING`, params)
}

export function* postTransfers(transfers: readonly Transfer[]): Gen<void> {
  if (transfers.length === 0) return
  const params: SqlValue[] = []
  for (const t of transfers) params.push(t.id, t.debitAccount, t.creditAccount, t.amountFen, t.vendId, t.requestId, t.kind, t.at)
  yield* run(
    `INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_fen, vend_id, request_id, kind, at) VALUES ${valuesSql(8, transfers.length)}`,
    params,
  )
}

export function* tariffVersionAt(tariffId: number, at: number): Gen<TariffVersion | null> {
  const row = yield* get<TariffVersionRow>(
    `SELECT v.id, t.name AS tariff_name, v.effective_from, v.definition FROM tariff_versions v JOIN tariffs t ON t.id = v.tariff_id
     WHERE v.tariff_id = ? AND v.effective_from <= ? ORDER BY v.effective_from DESC LIMIT 1`,
    [tariffId, at],
  )
  return row === undefined ? null : toTariffVersion(row)
}

/** The account row (locked for the transaction when `lock`) and the tariff version in force at `at`. */
export function* accountWithTariff(d: Dialect, accountId: string, at: number, lock: boolean): Gen<{ row: AccountRow; version: TariffVersion | null } | null> {
  const row = yield* get<AccountRow>(`${ACCOUNT_SELECT} WHERE a.id = ?${lock ? d.forUpdate('a') : ''}`, [accountId])
  if (row === undefined) return null
  return { row, version: yield* tariffVersionAt(row.tariff_id, at) }
}

export function* writeTariffState(accountId: string, s: AccountTariffState): Gen<void> {
  yield* run(
    `UPDATE accounts SET wallet_fen = ?, arrears_fen = ?, energy_bought_in_period_wh = ?, period_start = ?,
       fixed_charges_paid_through_month = ?, free_basic_issued_month = ? WHERE id = ?`,
    [s.walletFen, s.arrearsFen, s.energyBoughtInPeriodWh, s.periodStart, s.fixedChargesPaidThroughMonth, s.freeBasicIssuedMonth, accountId],
  )
}

export function* transfersOfVend(vendId: string): Gen<Transfer[]> {
  const rows = yield* all<{ id: string; debit_account: string; credit_account: string; amount_fen: number; vend_id: string | null; request_id: string | null; kind: Transfer['kind']; at: number }>(
    'SELECT id, debit_account, credit_account, amount_fen, vend_id, request_id, kind, at FROM ledger_transfers WHERE vend_id = ? ORDER BY id',
    [vendId],
  )
  return rows.map((r) => ({ id: r.id, debitAccount: r.debit_account, creditAccount: r.credit_account, amountFen: r.amount_fen, vendId: r.vend_id, requestId: r.request_id, kind: r.kind, at: r.at }))
}
