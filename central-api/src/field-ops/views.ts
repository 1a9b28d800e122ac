/**
 * What the console sees of field operations: the API's response schemas (also the WebSocket's
 * message shapes) and the mapping from the store's records. Times are ISO strings, UTC.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { IsoTime, strict, Uuid } from '@gridtill/shared'
import type { AlertRecord, KioskHealthRecord, ServiceEventRecord, WorkOrderRecord } from '../storage/field-ops-repository.ts'
import { ALERT_KINDS, ALERT_SEVERITY } from './alert-rules.ts'

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const DeviceHealth = Type.Union([Type.Literal('ok'), Type.Literal('offline'), Type.Literal('jammed'), Type.Literal('fault'), Type.Literal('disabled'), Type.Literal('unknown')])

export const AlertKindSchema = Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)))

export const KioskView = Type.Object(
  {
    kioskId: Type.String(),
    name: Type.String(),
    location: Type.String(),
    enrolled: Type.Boolean(),
    /** Heard from within the offline threshold. */
    online: Type.Boolean(),
    lastHeardAt: Nullable(IsoTime),
    outOfService: Nullable(Type.Boolean()),
    screen: Nullable(Type.String()),
    softwareVersion: Nullable(Type.String()),
    devices: Type.Object({ acceptor: DeviceHealth, printer: DeviceHealth, reader: DeviceHealth }, strict),
    paper: Type.Union([Type.Literal('ok'), Type.Literal('nearEnd'), Type.Literal('out'), Type.Literal('unknown')]),
    cashboxPresent: Nullable(Type.Boolean()),
    /** 0..1. */
    cashboxFill: Nullable(Type.Number()),
    cashboxNotes: Nullable(Type.Integer()),
    cashboxTotalFen: Nullable(Type.Integer()),
    outboxDepth: Nullable(Type.Integer()),
    outboxOldestAgeMs: Nullable(Type.Integer()),
    collectionsPending: Nullable(Type.Integer()),
    openAlerts: Type.Integer({ minimum: 0 }),
  },
  strict,
)
export type KioskView = Static<typeof KioskView>

export const AlertView = Type.Object(
  {
    alertId: Uuid,
    kioskId: Type.String(),
    kind: AlertKindSchema,
    severity: Type.Union([Type.Literal('critical'), Type.Literal('warning')]),
    status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('cleared')]),
    detail: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    raisedAt: IsoTime,
    acknowledgedAt: Nullable(IsoTime),
    acknowledgedBy: Nullable(Type.String()),
    clearedAt: Nullable(IsoTime),
    workOrderId: Nullable(Uuid),
  },
  strict,
)
export type AlertView = Static<typeof AlertView>

export const WorkOrderView = Type.Object(
  {
    workOrderId: Uuid,
    kioskId: Type.String(),
    alertId: Nullable(Uuid),
    title: Type.String(),
    state: Type.Union([Type.Literal('open'), Type.Literal('assigned'), Type.Literal('done')]),
    assignedTo: Nullable(Type.String()),
    createdBy: Type.String(),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    closedAt: Nullable(IsoTime),
    closedBy: Nullable(Type.String()),
    notes: Type.Array(
      Type.Object(
        {
          at: IsoTime,
          staffId: Type.String(),
          kind: Type.Union([Type.Literal('created'), Type.Literal('assigned'), Type.Literal('note'), Type.Literal('closed')]),
          note: Type.String(),
        },
        strict,
      ),
    ),
  },
  strict,
)
export type WorkOrderView = Static<typeof WorkOrderView>

export const ServiceEventView = Type.Object(
  {
    eventId: Uuid,
    at: IsoTime,
    action: Type.String(),
    actor: Type.String(),
    details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    receivedAt: IsoTime,
  },
  strict,
)

export const HeartbeatView = Type.Object({ receivedAt: IsoTime, sentAt: IsoTime, summary: Type.Omit(KioskView, ['kioskId', 'name', 'location', 'enrolled', 'openAlerts']) }, strict)

export const FaultView = Type.Object({ at: IsoTime, device: Type.String(), health: Type.String(), code: Type.String(), receivedAt: IsoTime }, strict)

export const KioskHistoryView = Type.Object(
  {
    kiosk: KioskView,
    heartbeats: Type.Array(HeartbeatView),
    faults: Type.Array(FaultView),
    alerts: Type.Array(AlertView),
    workOrders: Type.Array(WorkOrderView),
    serviceEvents: Type.Array(ServiceEventView),
  },
  strict,
)
export type KioskHistoryView = Static<typeof KioskHistoryView>

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export function kioskView(k: KioskHealthRecord, now: number, offlineAfterMs: number, openAlerts: number): KioskView {
  const hb = k.heartbeat
  return {
    kioskId: k.kioskId,
    name: k.name,
    location: k.location,
    enrolled: k.enrolledAt !== null,
    online: k.receivedAt !== null && now - k.receivedAt <= offlineAfterMs,
    lastHeardAt: isoOrNull(k.receivedAt),
    outOfService: hb?.outOfService ?? null,
    screen: hb?.screen ?? null,
    softwareVersion: hb?.softwareVersion ?? null,
    devices: {
      acceptor: hb?.devices.acceptor.health ?? 'unknown',
      printer: hb?.devices.printer.health ?? 'unknown',
      reader: hb?.devices.reader.health ?? 'unknown',
    },
    paper: hb?.devices.printer.paper ?? 'unknown',
    cashboxPresent: hb?.devices.acceptor.cashboxPresent ?? null,
    cashboxFill: hb?.cashbox.fill ?? null,
    cashboxNotes: hb?.cashbox.noteCount ?? null,
    cashboxTotalFen: hb?.cashbox.totalFen ?? null,
    outboxDepth: hb?.outbox.depth ?? null,
    outboxOldestAgeMs: hb?.outbox.oldestAgeMs ?? null,
    collectionsPending: hb?.collectionsPending ?? null,
    openAlerts,
  }
}

export function alertView(a: AlertRecord): AlertView {
  return {
    alertId: a.alertId,
    kioskId: a.kioskId,
    kind: a.kind,
    severity: ALERT_SEVERITY[a.kind],
    status: a.clearedAt !== null ? 'cleared' : a.acknowledgedAt !== null ? 'acknowledged' : 'open',
    detail: a.detail,
    raisedAt: iso(a.raisedAt),
    acknowledgedAt: isoOrNull(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
    clearedAt: isoOrNull(a.clearedAt),
    workOrderId: a.workOrderId,
  }
}

export function workOrderView(w: WorkOrderRecord): WorkOrderView {
  return {
    workOrderId: w.workOrderId,
    kioskId: w.kioskId,
    alertId: w.alertId,
    title: w.title,
    state: w.state,
    assignedTo: w.assignedTo,
    createdBy: w.createdBy,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
    closedAt: isoOrNull(w.closedAt),
    closedBy: w.closedBy,
    notes: w.notes.map((n) => ({ at: iso(n.at), staffId: n.staffId, kind: n.kind, note: n.note })),
  }
}

export function serviceEventView(e: ServiceEventRecord): Static<typeof ServiceEventView> {
  return { eventId: e.eventId, at: iso(e.at), action: e.action, actor: e.actor, details: e.details, receivedAt: iso(e.receivedAt) }
}

/** Messages the live socket sends (server → console). */
export type LiveMessage =
  | { type: 'snapshot'; fleet: KioskView[]; alerts: AlertView[] }
  | { type: 'kiosk'; kiosk: KioskView }
  | { type: 'alert'; alert: AlertView }
  | { type: 'workOrder'; workOrder: WorkOrderView }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string }
