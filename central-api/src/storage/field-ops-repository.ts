/**
 * Field operations' part of the repository (issue 9): kiosk heartbeats and faults, alerts raised
 * from them, work orders, and the service events field staff do at the kiosk. Implemented in
 * sql/field-ops-ops.ts; every staff action and every service event writes the audit log in the
 * same transaction.
 */
import type { HeartbeatRequest, ServiceEventRequest } from '@gridtill/shared'
import type { AlertDetail, AlertKind } from '../field-ops/alert-rules.ts'

export interface KioskHealthRecord {
  kioskId: string
  name: string
  location: string
  enrolledAt: number | null
  revoked: boolean
  /** Null until the first heartbeat. */
  receivedAt: number | null
  heartbeat: HeartbeatRequest | null
}

export interface HeartbeatHistoryRecord {
  receivedAt: number
  heartbeat: HeartbeatRequest
}

export interface FaultRecord {
  kioskId: string
  at: number
  device: 'acceptor' | 'printer' | 'reader'
  health: string
  code: string
  receivedAt: number
}

export interface AlertRecord {
  alertId: string
  kioskId: string
  kind: AlertKind
  detail: AlertDetail
  raisedAt: number
  acknowledgedAt: number | null
  acknowledgedBy: string | null
  clearedAt: number | null
  workOrderId: string | null
}

export type WorkOrderState = 'open' | 'assigned' | 'done'

export interface WorkOrderNote {
  at: number
  staffId: string
  kind: 'created' | 'assigned' | 'note' | 'closed'
  note: string
}

export interface WorkOrderRecord {
  workOrderId: string
  kioskId: string
  alertId: string | null
  title: string
  state: WorkOrderState
  assignedTo: string | null
  createdBy: string
  createdAt: number
  updatedAt: number
  closedAt: number | null
  closedBy: string | null
  notes: WorkOrderNote[]
}

export interface ServiceEventRecord {
  eventId: string
  kioskId: string
  at: number
  action: ServiceEventRequest['action']
  staffCardNo: string
  /** `staff:<id>` when the card belongs to a staff member on record, else `card:<cardNo>`. */
  actor: string
  details: ServiceEventRequest['details']
  receivedAt: number
}

export interface KioskHistory {
  heartbeats: HeartbeatHistoryRecord[]
  faults: FaultRecord[]
  alerts: AlertRecord[]
  workOrders: WorkOrderRecord[]
  serviceEvents: ServiceEventRecord[]
}

/** What a write changed in the alerts, for the live push. */
export interface AlertChanges {
  raised: AlertRecord[]
  cleared: AlertRecord[]
}

export interface RecordHeartbeat {
  kioskId: string
  heartbeat: HeartbeatRequest
  receivedAt: number
  /** The conditions the heartbeat shows, by kind (see field-ops/alert-rules.ts). */
  conditions: Map<AlertKind, AlertDetail>
  /** The kinds a heartbeat decides: those not in `conditions` are cleared. */
  decides: readonly AlertKind[]
  /** Heartbeats and faults kept per kiosk. */
  historyLimit: number
  /** Ids for alerts this write may raise, one per kind (uuidv7, made by the caller). */
  newAlertId: () => string
}

export interface RecordServiceEvent {
  kioskId: string
  event: ServiceEventRequest
  /** sha256 of the canonical body: a retry must match it. */
  requestHash: string
  receivedAt: number
}

export type ServiceEventOutcome = { kind: 'recorded'; event: ServiceEventRecord } | { kind: 'duplicate'; event: ServiceEventRecord } | { kind: 'mismatch' }

export interface FieldOpsStore {
  recordHeartbeat(r: RecordHeartbeat): Promise<AlertChanges>
  /**
   * The offline rule over every enrolled kiosk: raises 'offline' for those not heard from for more
   * than offlineAfterMs (counting from enrolment when never heard), clears it for the others.
   */
  sweepOfflineKiosks(now: number, offlineAfterMs: number, newAlertId: () => string): Promise<AlertChanges>
  /** Idempotent by eventId: the same body again is a duplicate, another body a mismatch. */
  recordServiceEvent(r: RecordServiceEvent): Promise<ServiceEventOutcome>

  fleetHealth(): Promise<KioskHealthRecord[]>
  kioskHealth(kioskId: string): Promise<KioskHealthRecord | null>
  listAlerts(q: { openOnly: boolean; kioskId: string | null; limit: number }): Promise<AlertRecord[]>
  getAlert(alertId: string): Promise<AlertRecord | null>
  /** Throws 404 for an unknown alert; acknowledging twice changes nothing (and audits nothing). */
  acknowledgeAlert(r: { alertId: string; staffId: string; now: number }): Promise<AlertRecord>
  /** Throws 404, 409 when the alert already has one, 422 for an assignee who cannot take it. */
  createWorkOrder(r: { workOrderId: string; alertId: string; staffId: string; assignee: string | null; note: string | null; now: number }): Promise<WorkOrderRecord>
  assignWorkOrder(r: { workOrderId: string; staffId: string; assignee: string; now: number }): Promise<WorkOrderRecord>
  addWorkOrderNote(r: { workOrderId: string; staffId: string; note: string; now: number }): Promise<WorkOrderRecord>
  /** Only an assigned order can be closed (open → assigned → done). */
  closeWorkOrder(r: { workOrderId: string; staffId: string; note: string; now: number }): Promise<WorkOrderRecord>
  getWorkOrder(workOrderId: string): Promise<WorkOrderRecord | null>
  listWorkOrders(q: { state: WorkOrderState | null; kioskId: string | null; limit: number }): Promise<WorkOrderRecord[]>
  /** Active staff who can take a work order (field and admin). */
  listFieldStaff(): Promise<{ id: string; name: string; role: string }[]>
  kioskHistory(kioskId: string, limit: number): Promise<KioskHistory>
}
