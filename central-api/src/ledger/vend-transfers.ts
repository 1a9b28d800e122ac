/**
 * The ledger legs of a vend (DESIGN.md, The ledger). Transfer ids derive from the vend id, so a
 * vend can never be credited twice: the second insert hits the primary key and rolls back.
 */
export interface LedgerAccountRef {
  id: string
  kind: 'kiosk_cash' | 'customer_wallet' | 'energy_sales'
  name: string
}

export interface Transfer {
  id: string
  debitAccount: string
  creditAccount: string
  amountFen: number
  vendId: string
  kind: 'vend.cash' | 'vend.energy'
  at: number
}

export const ENERGY_SALES: LedgerAccountRef = { id: 'energy-sales', kind: 'energy_sales', name: 'Energy sales' }

/** The cassette between two collections is one account: the cashier counts it against this. */
export function kioskCashAccount(kioskId: string, cashCycle: number): LedgerAccountRef {
  return { id: `kiosk-cash:${kioskId}:${cashCycle}`, kind: 'kiosk_cash', name: `Kiosk ${kioskId} cash, cycle ${cashCycle}` }
}

export function walletAccount(accountId: string): LedgerAccountRef {
  return { id: `wallet:${accountId}`, kind: 'customer_wallet', name: `Customer wallet ${accountId}` }
}

/**
 * Cash in the kiosk is owed to the customer (debit kiosk cash, credit wallet); the energy bought
 * is then earned (debit wallet, credit energy sales). What stays in the wallet is the carry-over.
 */
export function vendTransfers(v: {
  vendId: string
  kioskId: string
  cashCycle: number
  accountId: string
  amountFen: number
  energyFen: number
  at: number
}): Transfer[] {
  const cash = kioskCashAccount(v.kioskId, v.cashCycle).id
  const wallet = walletAccount(v.accountId).id
  const out: Transfer[] = [
    { id: `${v.vendId}:cash`, debitAccount: cash, creditAccount: wallet, amountFen: v.amountFen, vendId: v.vendId, kind: 'vend.cash', at: v.at },
  ]
  if (v.energyFen > 0) {
    out.push({ id: `${v.vendId}:energy`, debitAccount: wallet, creditAccount: ENERGY_SALES.id, amountFen: v.energyFen, vendId: v.vendId, kind: 'vend.energy', at: v.at })
  }
  return out
}
