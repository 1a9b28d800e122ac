/** The cash API's answers as the page uses them (routes/cash/index.ts is the source of truth). */
export type CollectionState = 'awaitingCount' | 'awaitingApproval' | 'reconciled' | 'deposited'
export type Resolution = 'genuine' | 'absent'

export interface CollectionView {
  collectionId: string
  cycleId: string
  kioskId: string
  kioskName: string
  cashCycle: number
  sealNo: string
  openedAt: string
  closedAt: string
  staffCardNo: string
  noteCount: number
  receivedAt: string
  state: CollectionState
  expectedFen: number
  countedFen: number | null
  creditedFen: number
  lateCreditedFen: number
  varianceFen: number | null
  countedBy: string | null
  countedByName: string | null
  countedAt: string | null
  varianceReason: string | null
  approvedBy: string | null
  approvedByName: string | null
  approvedAt: string | null
  reconciledAt: string | null
  depositId: string | null
  denominations: { valueFen: number; expectedCount: number; countedCount: number | null }[]
  suspectNotes: {
    noteId: string
    valueFen: number | null
    at: string
    reason: string
    resolution: Resolution | null
    resolvedBy: string | null
  }[]
}

export interface DepositView {
  depositId: string
  slipNo: string
  amountFen: number
  createdBy: string
  createdAt: string
  collectionIds: string[]
}

export interface ZAmounts {
  collections: number
  expectedFen: number
  countedFen: number
  creditedFen: number
  varianceFen: number
  overFen: number
  shortFen: number
  awaitingApproval: number
}

export interface ZReportView {
  day: string
  shift: string
  groupBy: string
  groups: (ZAmounts & { key: string; label: string })[]
  totals: ZAmounts
}
