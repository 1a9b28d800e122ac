/**
 * What the analytics routes answer, as their schemas define it (type-only imports: nothing of the
 * server reaches the bundle, and svelte-check catches any drift between the two).
 */
import type { Static } from '@sinclair/typebox'
import type * as V from '../../../../src/routes/analytics/views.ts'

export type Level = Static<typeof V.Level>
export type Scopes = V.ScopesView
export type Consumption = V.ConsumptionView
export type Profile = V.ProfileView
export type Top = V.TopView
export type Comparison = V.ComparisonView
export type Runway = V.RunwayView
export type Sales = V.SalesView
export type Alert = V.AlertView
export type Allocation = V.AllocationView
export type AdviceView = V.AdviceView
