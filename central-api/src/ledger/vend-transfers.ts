/**
 * The ledger legs of a vend, a reversal and a refund (DESIGN.md, The ledger). Pure: the engines
 * only insert what these return. Transfer ids derive from the vend or request id, so nothing can
 * be posted twice: a second insert hits the primary key and its transaction rolls back.
 *
 * A row debits one account and credits another. Wallets, VAT, fixed charges and refunds payable
 * are credit-normal (what we owe or earned); kiosk cash and arrears receivable are debit-normal
 * (what we hold or are owed).
 */
import type { VendBreakdown } from '@gridtill/shared'

export type LedgerAccountKind =
  | 'kiosk_cash'
  | 'customer_wallet'
  | 'energy_sales'
  | 'vat_payable'
  | 'fixed_charges'
  | 'arrears_receivable'
  | 'refunds_payable'
  // Cash handling (collections and reconciliation, see collection-transfers.ts when it lands).
  | 'cash_in_transit'
  | 'cash_over_short'
  | 'bank_deposits'

export interface LedgerAccountRef {
  id: string
  kind: LedgerAccountKind
  name: string
}

export type TransferKind =
  | 'vend.cash'
  | 'vend.energy'
  | 'vend.vat'
  | 'vend.fixedCharges'
  | 'vend.debtRecovered'
  | 'vend.arrearsRaised'
  | `reversal.${VendLegKind}`
  | 'reversal.refundOwed'
  | 'refund.wallet'
  | 'collection.expected'
  | 'reconciliation.overShort'
  | 'deposit.bank'

type VendLegKind = 'cash' | 'energy' | 'vat' | 'fixedCharges' | 'debtRecovered' | 'arrearsRaised'

/** The suffix of each leg's transfer id (`<vendId>:cash`, …). */
const LEG_ID: Record<VendLegKind, string> = {
  cash: 'cash',
  energy: 'energy',
  vat: 'vat',
  fixedCharges: 'fixed',
  debtRecovered: 'debt',
  arrearsRaised: 'arrears',
}

export interface Transfer {
  id: string
  debitAccount: string
  creditAccount: string
  amountFen: number
  /** The vend the money belongs to (also for its reversal); null for refunds. */
  vendId: string | null
  /** The staff request that caused it (reversals, refunds). */
  requestId: string | null
  kind: TransferKind
  at: number
}

export const ENERGY_SALES: LedgerAccountRef = { id: 'energy-sales', kind: 'energy_sales', name: 'Energy sales' }
export const VAT_PAYABLE: LedgerAccountRef = { id: 'vat-payable', kind: 'vat_payable', name: 'VAT payable' }
export const FIXED_CHARGES: LedgerAccountRef = { id: 'fixed-charges', kind: 'fixed_charges', name: 'Fixed charges' }
export const REFUNDS_PAYABLE: LedgerAccountRef = { id: 'refunds-payable', kind: 'refunds_payable', name: 'Refunds payable' }
export const HOUSE_ACCOUNTS: readonly LedgerAccountRef[] = [ENERGY_SALES, VAT_PAYABLE, FIXED_CHARGES, REFUNDS_PAYABLE]

/** The cassette between two collections is one account: the cashier counts it against this. */
export function kioskCashAccount(kioskId: string, cashCycle: number): LedgerAccountRef {
  return { id: `kiosk-cash:${kioskId}:${cashCycle}`, kind: 'kiosk_cash', name: `Kiosk ${kioskId} cash, cycle ${cashCycle}` }
}

export function walletAccount(accountId: string): LedgerAccountRef {
  return { id: `wallet:${accountId}`, kind: 'customer_wallet', name: `Customer wallet ${accountId}` }
}

export function arrearsAccount(accountId: string): LedgerAccountRef {
  return { id: `arrears:${accountId}`, kind: 'arrears_receivable', name: `Arrears receivable ${accountId}` }
}

export interface VendLegsInput {
  vendId: string
  kioskId: string
  cashCycle: number
  accountId: string
  amountFen: number
  breakdown: VendBreakdown
  /** Fixed charges the money could not cover, now owed (the engine's fixedCharges.movedToArrearsFen). */
  movedToArrearsFen: number
  at: number
}

/**
 * The cash in the kiosk is the customer's money (kiosk cash → wallet); the vend then spends the
 * wallet on energy, VAT, fixed charges and debt. What stays in the wallet is the carry-over. Fixed
 * charges the money could not cover become arrears (arrears receivable → fixed charges).
 */
export function vendTransfers(v: VendLegsInput): Transfer[] {
  const wallet = walletAccount(v.accountId).id
  const arrears = arrearsAccount(v.accountId).id
  const b = v.breakdown
  const leg = (kind: VendLegKind, debitAccount: string, creditAccount: string, amountFen: number): Transfer => ({
    id: `${v.vendId}:${LEG_ID[kind]}`,
    debitAccount,
    creditAccount,
    amountFen,
    vendId: v.vendId,
    requestId: null,
    kind: `vend.${kind}`,
    at: v.at,
  })
  const legs = [
    leg('cash', kioskCashAccount(v.kioskId, v.cashCycle).id, wallet, v.amountFen),
    leg('energy', wallet, ENERGY_SALES.id, b.energyFen),
    leg('vat', wallet, VAT_PAYABLE.id, b.vatFen),
    leg('fixedCharges', wallet, FIXED_CHARGES.id, b.fixedChargesFen),
    leg('debtRecovered', wallet, arrears, b.debtRecoveredFen),
    leg('arrearsRaised', arrears, FIXED_CHARGES.id, v.movedToArrearsFen),
  ]
  // The ledger has no zero rows: a leg of 0 fen did not happen.
  return legs.filter((t) => t.amountFen > 0)
}

/**
 * A reversal posts every leg of the vend back (debit and credit swapped), which returns the
 * account to where it was. The notes are still in the cassette, so the cash is then owed back to
 * the resident: kiosk cash → refunds payable, paid out by a cashier.
 */
export function reversalTransfers(r: { requestId: string; vendId: string; legs: readonly Transfer[]; at: number }): Transfer[] {
  const out: Transfer[] = []
  for (const t of r.legs) {
    if (!t.kind.startsWith('vend.')) continue
    out.push({
      id: `${r.requestId}:${t.id}`,
      debitAccount: t.creditAccount,
      creditAccount: t.debitAccount,
      amountFen: t.amountFen,
      vendId: r.vendId,
      requestId: r.requestId,
      kind: `reversal.${t.kind.slice('vend.'.length) as VendLegKind}`,
      at: r.at,
    })
    if (t.kind === 'vend.cash') {
      out.push({
        id: `${r.requestId}:refund-owed`,
        debitAccount: t.debitAccount,
        creditAccount: REFUNDS_PAYABLE.id,
        amountFen: t.amountFen,
        vendId: r.vendId,
        requestId: r.requestId,
        kind: 'reversal.refundOwed',
        at: r.at,
      })
    }
  }
  return out
}

/** A refund takes money out of the wallet; a cashier pays it (refunds payable). */
export function refundTransfers(r: { requestId: string; accountId: string; amountFen: number; at: number }): Transfer[] {
  return [
    {
      id: `${r.requestId}:refund`,
      debitAccount: walletAccount(r.accountId).id,
      creditAccount: REFUNDS_PAYABLE.id,
      amountFen: r.amountFen,
      vendId: null,
      requestId: r.requestId,
      kind: 'refund.wallet',
      at: r.at,
    },
  ]
}
