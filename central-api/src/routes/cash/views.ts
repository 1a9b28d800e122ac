/**
 * What the cash routes answer, as schemas: the routes validate and serialise with them, and the
 * console's reconciliation page takes its types from them (import type), so the two cannot drift.
 * Kept apart from the routes so that importing them pulls in no server code.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Uuid } from '@gridtill/shared'

export const strict = { additionalProperties: false } as const
export const STATES = ['awaitingCount', 'awaitingApproval', 'reconciled', 'deposited'] as const
export const State = Type.Union(STATES.map((s) => Type.Literal(s)))
export const Iso = Type.String({ format: 'date-time' })
export const NullableIso = Type.Union([Iso, Type.Null()])

export const CollectionView = Type.Object(
  {
    collectionId: Uuid,
    cycleId: Uuid,
    kioskId: Type.String(),
    kioskName: Type.String(),
    cashCycle: Type.Integer(),
    sealNo: Type.String(),
    openedAt: Iso,
    closedAt: Iso,
    staffCardNo: Type.String(),
    noteCount: Type.Integer(),
    receivedAt: Iso,
    state: State,
    expectedFen: Type.Integer(),
    /** Null until counted. */
    countedFen: Type.Union([Type.Integer(), Type.Null()]),
    /** Vend cash posted to this cycle's kiosk cash account. */
    creditedFen: Type.Integer(),
    /** Vends paid during this cycle that reached the central after the collection (posted to a later cycle). */
    lateCreditedFen: Type.Integer(),
    /** counted − expected; null until counted. */
    varianceFen: Type.Union([Type.Integer(), Type.Null()]),
    countedBy: Type.Union([Type.String(), Type.Null()]),
    countedByName: Type.Union([Type.String(), Type.Null()]),
    countedAt: NullableIso,
    varianceReason: Type.Union([Type.String(), Type.Null()]),
    approvedBy: Type.Union([Type.String(), Type.Null()]),
    approvedByName: Type.Union([Type.String(), Type.Null()]),
    approvedAt: NullableIso,
    reconciledAt: NullableIso,
    depositId: Type.Union([Uuid, Type.Null()]),
    denominations: Type.Array(
      Type.Object(
        {
          valueFen: Type.Integer(),
          expectedCount: Type.Integer(),
          countedCount: Type.Union([Type.Integer(), Type.Null()]),
        },
        strict,
      ),
    ),
    suspectNotes: Type.Array(
      Type.Object(
        {
          noteId: Uuid,
          valueFen: Type.Union([Type.Integer(), Type.Null()]),
          at: Iso,
          reason: Type.String(),
          resolution: Type.Union([Type.Literal('genuine'), Type.Literal('absent'), Type.Null()]),
          resolvedBy: Type.Union([Type.String(), Type.Null()]),
        },
        strict,
      ),
    ),
  },
  strict,
)
export type CollectionView = Static<typeof CollectionView>

export const DepositView = Type.Object(
  {
    depositId: Uuid,
    slipNo: Type.String(),
    amountFen: Type.Integer(),
    createdBy: Type.String(),
    createdAt: Iso,
    collectionIds: Type.Array(Uuid),
  },
  strict,
)
export type DepositView = Static<typeof DepositView>

const ZAmountsSchema = {
  collections: Type.Integer(),
  expectedFen: Type.Integer(),
  countedFen: Type.Integer(),
  creditedFen: Type.Integer(),
  varianceFen: Type.Integer(),
  overFen: Type.Integer(),
  shortFen: Type.Integer(),
  awaitingApproval: Type.Integer(),
}
export const ZReportView = Type.Object(
  {
    day: Type.String(),
    shift: Type.String(),
    groupBy: Type.String(),
    timeZone: Type.String(),
    from: Iso,
    to: Iso,
    generatedAt: Iso,
    groups: Type.Array(
      Type.Object({ key: Type.String(), label: Type.String(), ...ZAmountsSchema }, strict),
    ),
    lines: Type.Array(
      Type.Object(
        {
          collectionId: Uuid,
          kioskId: Type.String(),
          kioskName: Type.String(),
          sealNo: Type.String(),
          countedBy: Type.String(),
          countedByName: Type.String(),
          countedAt: Iso,
          state: Type.String(),
          expectedFen: Type.Integer(),
          countedFen: Type.Integer(),
          creditedFen: Type.Integer(),
          varianceFen: Type.Integer(),
        },
        strict,
      ),
    ),
    totals: Type.Object(ZAmountsSchema, strict),
  },
  strict,
)
export type ZReportView = Static<typeof ZReportView>
