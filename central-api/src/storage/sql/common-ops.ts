/** Steps several operations share: the audit chain, ledger postings, accounts with their tariff. */
import type { AccountTariffState } from '@gridtill/shared'
import { auditDetailsText, auditHash, GENESIS_HASH } from '../../audit/chain.ts'
import type { LedgerAccountRef, Transfer } from '../../ledger/vend-transfers.ts'
import type { AuditEntryInput } from '../repository.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'
import { toTariffVersion, type AccountRow, type TariffVersionRow } from './rows.ts'
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

const valuesTexts = new Map<string, string>()

/** One multi-row statement for n rows of `columns` (fewer round trips on PostgreSQL); built once per shape. */
export function valuesSql(columns: number, rows: number): string {
  const key = `${columns}x${rows}`
  let text = valuesTexts.get(key)
  if (text === undefined) {
    const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`
    text = Array.from({ length: rows }, () => row).join(', ')
    if (valuesTexts.size < 1000) valuesTexts.set(key, text)
  }
  return text
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

/**
 * The account with the tariff version in force at `at`, in one statement (every vend runs it twice:
 * the price, then the commit's compare-and-set). (tariff_id, effective_from) is unique, so the
 * subquery picks the version tariffVersionAt would.
 */
const ACCOUNT_WITH_VERSION = `SELECT a.id, c.name AS customer_name, a.status, a.tariff_id, t.name AS tariff_name, a.wallet_fen, a.arrears_fen,
  a.energy_bought_in_period_wh, a.period_start, a.fixed_charges_paid_through_month, a.free_basic_issued_month,
  v.id AS version_id, v.effective_from AS version_effective_from, v.definition AS version_definition
  FROM accounts a JOIN customers c ON c.id = a.customer_id JOIN tariffs t ON t.id = a.tariff_id
  LEFT JOIN tariff_versions v ON v.id = (SELECT vv.id FROM tariff_versions vv WHERE vv.tariff_id = a.tariff_id AND vv.effective_from <= ?
    ORDER BY vv.effective_from DESC LIMIT 1)
  WHERE a.id = ?`

type AccountVersionRow = AccountRow & { version_id: number | null; version_effective_from: number | null; version_definition: string | null }

/** The account row (locked for the transaction when `lock`) and the tariff version in force at `at`. */
export function* accountWithTariff(d: Dialect, accountId: string, at: number, lock: boolean): Gen<{ row: AccountRow; version: TariffVersion | null } | null> {
  const r = yield* get<AccountVersionRow>(`${ACCOUNT_WITH_VERSION}${lock ? d.forUpdate('a') : ''}`, [at, accountId])
  if (r === undefined) return null
  const { version_id, version_effective_from, version_definition, ...row } = r
  const version =
    version_id === null || version_effective_from === null || version_definition === null
      ? null
      : toTariffVersion({ id: version_id, tariff_name: row.tariff_name, effective_from: version_effective_from, definition: version_definition })
  return { row, version }
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
