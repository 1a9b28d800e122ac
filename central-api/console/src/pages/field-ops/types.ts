/** The field operations API's shapes as the console uses them (central-api/src/field-ops/views.ts). */
export type DeviceHealth = 'ok' | 'offline' | 'jammed' | 'fault' | 'disabled' | 'unknown'
export type AlertKind =
  | 'offline'
  | 'paperLow'
  | 'paperOut'
  | 'acceptorJam'
  | 'acceptorFault'
  | 'printerFault'
  | 'readerFault'
  | 'cassetteNearFull'
  | 'cassetteRemoved'
  | 'outboxBacklog'

export interface KioskView {
  kioskId: string
  name: string
  location: string
  enrolled: boolean
  online: boolean
  lastHeardAt: string | null
  outOfService: boolean | null
  screen: string | null
  softwareVersion: string | null
  devices: { acceptor: DeviceHealth; printer: DeviceHealth; reader: DeviceHealth }
  paper: 'ok' | 'nearEnd' | 'out' | 'unknown'
  cashboxPresent: boolean | null
  cashboxFill: number | null
  cashboxNotes: number | null
  cashboxTotalFen: number | null
  outboxDepth: number | null
  outboxOldestAgeMs: number | null
  collectionsPending: number | null
  openAlerts: number
}

export interface AlertView {
  alertId: string
  kioskId: string
  kind: AlertKind
  severity: 'critical' | 'warning'
  status: 'open' | 'acknowledged' | 'cleared'
  detail: Record<string, string | number | boolean | null>
  raisedAt: string
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  clearedAt: string | null
  workOrderId: string | null
}

export interface WorkOrderView {
  workOrderId: string
  kioskId: string
  alertId: string | null
  title: string
  state: 'open' | 'assigned' | 'done'
  assignedTo: string | null
  createdBy: string
  createdAt: string
  updatedAt: string
  closedAt: string | null
  closedBy: string | null
  notes: { at: string; staffId: string; kind: 'created' | 'assigned' | 'note' | 'closed'; note: string }[]
}

export interface StaffOption {
  id: string
  name: string
  role: string
}

export interface KioskHistoryView {
  kiosk: KioskView
  heartbeats: { receivedAt: string; sentAt: string; summary: Omit<KioskView, 'kioskId' | 'name' | 'location' | 'enrolled' | 'openAlerts'> }[]
  faults: { at: string; device: string; health: string; code: string; receivedAt: string }[]
  alerts: AlertView[]
  workOrders: WorkOrderView[]
  serviceEvents: { eventId: string; at: string; action: string; actor: string; details: Record<string, unknown>; receivedAt: string }[]
}

export type LiveMessage =
  | { type: 'snapshot'; fleet: KioskView[]; alerts: AlertView[] }
  | { type: 'kiosk'; kiosk: KioskView }
  | { type: 'alert'; alert: AlertView }
  | { type: 'workOrder'; workOrder: WorkOrderView }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string }
