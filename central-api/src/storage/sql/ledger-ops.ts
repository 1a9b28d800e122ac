/**
 * The ledger check (DESIGN.md, The ledger): debits equal credits, every vend's legs match its
 * breakdown, every token was paid for, reversals mirror their vends, refunds have their transfer,
 * and the balances cached on accounts equal the ledger's.
 */
import type { LedgerCheck } from '../repository.ts'
import { collectionLedgerProblems } from './cash-ops.ts'
import { get, type Gen } from './query.ts'

type Count = { n: number }

// Per vend, the sum of each kind of leg.
const LEGS_BY_VEND = `SELECT vend_id,
    sum(CASE WHEN kind = 'vend.cash' THEN amount_fen ELSE 0 END) AS cash,
    sum(CASE WHEN kind = 'vend.energy' THEN amount_fen ELSE 0 END) AS energy,
    sum(CASE WHEN kind = 'vend.vat' THEN amount_fen ELSE 0 END) AS vat,
    sum(CASE WHEN kind = 'vend.fixedCharges' THEN amount_fen ELSE 0 END) AS fixed,
    sum(CASE WHEN kind = 'vend.debtRecovered' THEN amount_fen ELSE 0 END) AS debt,
    sum(CASE WHEN kind = 'vend.arrearsRaised' THEN amount_fen ELSE 0 END) AS arrears,
    sum(CASE WHEN kind LIKE 'vend.%' THEN amount_fen ELSE 0 END) AS forward,
    sum(CASE WHEN kind LIKE 'reversal.%' AND kind <> 'reversal.refundOwed' THEN amount_fen ELSE 0 END) AS back,
    sum(CASE WHEN kind = 'reversal.refundOwed' THEN amount_fen ELSE 0 END) AS owed
  FROM ledger_transfers WHERE vend_id IS NOT NULL GROUP BY vend_id`

/** Debit minus credit of the ledger account `<prefix><account id>`. */
const balance = (prefix: string) => `coalesce((SELECT sum(amount_fen) FROM ledger_transfers WHERE debit_account = '${prefix}' || a.id), 0)
  - coalesce((SELECT sum(amount_fen) FROM ledger_transfers WHERE credit_account = '${prefix}' || a.id), 0)`

export function* ledgerCheck(): Gen<LedgerCheck> {
  const totals = yield* get<{ debits: number; credits: number; transfers: number }>(
    `SELECT (SELECT coalesce(sum(t.amount_fen), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account) AS debits,
            (SELECT coalesce(sum(t.amount_fen), 0) FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account) AS credits,
            (SELECT count(*) FROM ledger_transfers) AS transfers`,
  )
  const vends = (yield* get<Count>('SELECT count(*) AS n FROM vends'))?.n ?? 0
  const withoutCash = yield* get<Count>(
    `SELECT count(*) AS n FROM vends v LEFT JOIN (${LEGS_BY_VEND}) l ON l.vend_id = v.vend_id WHERE coalesce(l.cash, 0) <> v.amount_fen`,
  )
  const unbalanced = yield* get<Count>(
    `SELECT count(*) AS n FROM vends v LEFT JOIN (${LEGS_BY_VEND}) l ON l.vend_id = v.vend_id
     WHERE coalesce(l.energy, 0) <> v.energy_fen OR coalesce(l.vat, 0) <> v.vat_fen OR coalesce(l.fixed, 0) <> v.fixed_charges_fen
        OR coalesce(l.debt, 0) <> v.debt_recovered_fen OR coalesce(l.arrears, 0) <> v.moved_to_arrears_fen
        OR v.amount_fen + v.wallet_used_fen <> v.energy_fen + v.vat_fen + v.fixed_charges_fen + v.debt_recovered_fen + v.carried_over_fen`,
  )
  const tokens = yield* get<Count>(
    `SELECT count(*) AS n FROM deliveries d
     WHERE NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.vend_id = d.vend_id AND t.kind = 'vend.cash')`,
  )
  const reversals = yield* get<Count>(
    `SELECT count(*) AS n FROM (${LEGS_BY_VEND}) l LEFT JOIN vend_reversals r ON r.vend_id = l.vend_id
     WHERE (r.vend_id IS NULL AND (l.back <> 0 OR l.owed <> 0)) OR (r.vend_id IS NOT NULL AND (l.back <> l.forward OR l.owed <> l.cash))`,
  )
  const refunds = yield* get<Count>(
    `SELECT count(*) AS n FROM staff_requests s WHERE s.kind = 'wallet.refund' AND s.state = 'approved'
       AND s.amount_fen <> coalesce((SELECT sum(amount_fen) FROM ledger_transfers t WHERE t.request_id = s.id AND t.kind = 'refund.wallet'), 0)`,
  )
  // Wallets are credit-normal (the ledger's balance is minus debit-minus-credit); arrears debit-normal.
  const wallets = yield* get<Count>(`SELECT count(*) AS n FROM accounts a WHERE a.wallet_fen <> -(${balance('wallet:')})`)
  const arrears = yield* get<Count>(`SELECT count(*) AS n FROM accounts a WHERE a.arrears_fen <> ${balance('arrears:')}`)
  const collectionsUnbalanced = yield* collectionLedgerProblems()

  const result = {
    totalDebitsFen: totals?.debits ?? 0,
    totalCreditsFen: totals?.credits ?? 0,
    transfers: totals?.transfers ?? 0,
    vends,
    vendsWithoutTransfer: withoutCash?.n ?? 0,
    vendsUnbalanced: unbalanced?.n ?? 0,
    tokensWithoutTransfer: tokens?.n ?? 0,
    reversalsUnbalanced: reversals?.n ?? 0,
    refundsUnbalanced: refunds?.n ?? 0,
    walletsMismatched: wallets?.n ?? 0,
    arrearsMismatched: arrears?.n ?? 0,
    collectionsUnbalanced,
  }
  const balanced =
    result.totalDebitsFen === result.totalCreditsFen &&
    result.vendsWithoutTransfer + result.vendsUnbalanced + result.tokensWithoutTransfer + result.reversalsUnbalanced + result.refundsUnbalanced === 0 &&
    result.walletsMismatched + result.arrearsMismatched + result.collectionsUnbalanced === 0
  return { balanced, ...result }
}
