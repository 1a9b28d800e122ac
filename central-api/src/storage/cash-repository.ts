/**
 * Cash handling storage (console issue, cashier reconciliation): collections posted by kiosks,
 * the cashier's count, the second staff member's approval of an over/short, bank deposits and the
 * rows the Z-reports are built from. Implemented once in sql/cash-ops.ts. Every write carries its
 * ledger transfers and its audit row in the same transaction.
 */
import type { CollectionRequest } from '@gridtill/shared'

export type CollectionState = 'awaitingCount' | 'awaitingApproval' | 'reconciled' | 'deposited'
export type SuspectResolution = 'genuine' | 'absent'

export interface DenominationLine {
  valueFen: number
  expectedCount: number
  /** Null until counted. */
  countedCount: number | null
}

export interface SuspectNoteRecord {
  noteId: string
  valueFen: number | null
  at: number
  reason: string
  resolution: SuspectResolution | null
  resolvedBy: string | null
  resolvedAt: number | null
}

export interface CollectionRecord {
  collectionId: string
  cycleId: string
  kioskId: string
  kioskName: string
  cashCycle: number
  sealNo: string
  openedAt: number
  closedAt: number
  staffCardNo: string
  noteCount: number
  expectedFen: number
  /** Vends' cash posted to this cycle's kiosk cash account (what the central credited residents). */
  creditedFen: number
  /**
   * Vends paid while this cycle was open (by the kiosk's clock) that reached the central after the
   * collection, so were posted to a later cycle's account: their notes are in this box.
   */
  lateCreditedFen: number
  receivedAt: number
  state: CollectionState
  countedFen: number | null
  countedBy: string | null
  countedByName: string | null
  countedAt: number | null
  varianceReason: string | null
  approvedBy: string | null
  approvedByName: string | null
  approvedAt: number | null
  reconciledAt: number | null
  depositId: string | null
  denominations: DenominationLine[]
  suspectNotes: SuspectNoteRecord[]
}

export interface CollectionPostInput {
  kioskId: string
  requestHash: string
  body: CollectionRequest
  now: number
}

export type CollectionPostResult = { kind: 'created' | 'duplicate'; collection: CollectionRecord }

export interface CountInput {
  collectionId: string
  staffId: string
  counts: { valueFen: number; count: number }[]
  suspects: { noteId: string; resolution: SuspectResolution }[]
  reason: string | null
  now: number
}

export interface DepositRecord {
  depositId: string
  slipNo: string
  amountFen: number
  createdBy: string
  createdAt: number
  collectionIds: string[]
}

export interface CashStore {
  /** Records a kiosk's collection once (idempotent by cycle id; 422 for another body with it). */
  postCollection(input: CollectionPostInput): Promise<CollectionPostResult>
  getCollection(collectionId: string): Promise<CollectionRecord | null>
  /** Newest first; `states` empty means every state. */
  listCollections(q: {
    states: readonly CollectionState[]
    limit: number
  }): Promise<CollectionRecord[]>
  /** The cashier's count. Balanced → reconciled at once; over/short → awaiting a second staff member. */
  countCollection(input: CountInput): Promise<CollectionRecord>
  /** A different staff member approves the over/short: posts it and reconciles. */
  approveCollection(r: {
    collectionId: string
    staffId: string
    now: number
  }): Promise<CollectionRecord>
  /** Sends the count back for a recount (nothing posted). */
  rejectCount(r: {
    collectionId: string
    staffId: string
    note: string
    now: number
  }): Promise<CollectionRecord>
  /** One bank deposit of several reconciled collections. */
  createDeposit(r: {
    depositId: string
    slipNo: string
    collectionIds: readonly string[]
    staffId: string
    now: number
  }): Promise<DepositRecord>
  listDeposits(limit: number): Promise<DepositRecord[]>
  /** Collections counted in [from, to) (epoch ms), for the Z-reports. */
  collectionsCountedBetween(from: number, to: number): Promise<CollectionRecord[]>
}
