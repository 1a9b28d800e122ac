/**
 * The ledger legs of cash handling (DESIGN.md, The ledger): a collection moves what the kiosk's
 * journal says its box holds out of that cycle's kiosk cash into cash in transit; the count's
 * over/short moves the difference between cash in transit and cash over/short; a bank deposit
 * moves what was counted from cash in transit to the bank. Pure, like vend-transfers.ts: ids derive
 * from the collection or deposit id, so nothing can be posted twice.
 *
 * Cash in transit and the bank are debit-normal (money we hold); cash over/short is a P&L account
 * (a credit is a gain, a debit a loss).
 */
import { kioskCashAccount, type LedgerAccountRef, type Transfer } from './vend-transfers.ts'

export const CASH_IN_TRANSIT: LedgerAccountRef = {
  id: 'cash-in-transit',
  kind: 'cash_in_transit',
  name: 'Cash in transit',
}
export const CASH_OVER_SHORT: LedgerAccountRef = {
  id: 'cash-over-short',
  kind: 'cash_over_short',
  name: 'Cash over/short',
}
export const BANK_DEPOSITS: LedgerAccountRef = {
  id: 'bank-deposits',
  kind: 'bank_deposits',
  name: 'Bank deposits',
}
export const CASH_HOUSE_ACCOUNTS: readonly LedgerAccountRef[] = [
  CASH_IN_TRANSIT,
  CASH_OVER_SHORT,
  BANK_DEPOSITS,
]

const base = { vendId: null, requestId: null } as const

/** The collection leaves the kiosk: expected fen from kiosk cash (this cycle) to cash in transit. */
export function collectionTransfers(c: {
  collectionId: string
  kioskId: string
  cashCycle: number
  expectedFen: number
  at: number
}): Transfer[] {
  if (c.expectedFen === 0) return []
  return [
    {
      ...base,
      id: `${c.collectionId}:expected`,
      debitAccount: CASH_IN_TRANSIT.id,
      creditAccount: kioskCashAccount(c.kioskId, c.cashCycle).id,
      amountFen: c.expectedFen,
      kind: 'collection.expected',
      at: c.at,
    },
  ]
}

/**
 * After the count: cash in transit then holds exactly what was counted. Over (variance > 0) is a
 * gain (transit ← over/short), short a loss (over/short ← transit). No row when it balanced.
 */
export function overShortTransfers(c: {
  collectionId: string
  varianceFen: number
  at: number
}): Transfer[] {
  if (c.varianceFen === 0) return []
  const over = c.varianceFen > 0
  return [
    {
      ...base,
      id: `${c.collectionId}:over-short`,
      debitAccount: over ? CASH_IN_TRANSIT.id : CASH_OVER_SHORT.id,
      creditAccount: over ? CASH_OVER_SHORT.id : CASH_IN_TRANSIT.id,
      amountFen: Math.abs(c.varianceFen),
      kind: 'reconciliation.overShort',
      at: c.at,
    },
  ]
}

/** One leg per collection in the deposit, so each collection's money can be followed to the bank. */
export function depositTransfers(d: {
  depositId: string
  collections: readonly { collectionId: string; countedFen: number }[]
  at: number
}): Transfer[] {
  return d.collections
    .filter((c) => c.countedFen > 0)
    .map((c) => ({
      ...base,
      id: `${d.depositId}:${c.collectionId}`,
      debitAccount: BANK_DEPOSITS.id,
      creditAccount: CASH_IN_TRANSIT.id,
      amountFen: c.countedFen,
      kind: 'deposit.bank' as const,
      at: d.at,
    }))
}
