/**
 * The cash API's answers, as its route schemas define them (type-only imports: nothing of the
 * server reaches the bundle, and svelte-check catches any drift between the two).
 */
import type { Static } from '@sinclair/typebox'
import type { CollectionView as CollectionViewSchema, DepositView as DepositViewSchema, STATES, ZReportView as ZReportViewSchema } from '../../../../src/routes/cash/views.ts'

export type CollectionView = Static<typeof CollectionViewSchema>
export type CollectionState = (typeof STATES)[number]
export type Resolution = NonNullable<CollectionView['suspectNotes'][number]['resolution']>
export type DepositView = Static<typeof DepositViewSchema>
export type ZReportView = Static<typeof ZReportViewSchema>
export type ZAmounts = ZReportView['totals']
