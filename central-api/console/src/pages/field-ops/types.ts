/**
 * The field operations API's shapes (also the live WebSocket's messages), as the server's schemas
 * define them: type-only imports, so nothing of the server reaches the bundle and svelte-check
 * catches any drift between the two.
 */
import type { Static } from '@sinclair/typebox'
import type { AlertKindSchema, KioskView } from '../../../../src/field-ops/views.ts'

export type { AlertView, KioskHistoryView, KioskView, LiveMessage, WorkOrderView } from '../../../../src/field-ops/views.ts'
export type AlertKind = Static<typeof AlertKindSchema>
export type DeviceHealth = KioskView['devices']['acceptor']

/** An entry of GET /api/v1/console/field/staff (routes/field-ops/index.ts). */
export interface StaffOption {
  id: string
  name: string
  role: string
}
