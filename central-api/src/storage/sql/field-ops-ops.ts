/**
 * Field operations in SQL, once for both engines (see query.ts): heartbeats and faults with their
 * alerts in one transaction, the offline sweep, service events (idempotent, audited), and the staff
 * actions on alerts and work orders, each with its audit row in the same transaction.
 */
import type { HeartbeatRequest, ServiceEventRequest } from '@gridtill/shared'
import { Errors } from '../../errors.ts'
import type { AlertDetail, AlertKind } from '../../field-ops/alert-rules.ts'
import type {
  AlertChanges,
  AlertRecord,
  FaultRecord,
  HeartbeatHistoryRecord,
  KioskHealthRecord,
  KioskHistory,
  RecordHeartbeat,
  RecordServiceEvent,
  ServiceEventOutcome,
  ServiceEventRecord,
  WorkOrderNote,
  WorkOrderRecord,
  WorkOrderState,
} from '../field-ops-repository.ts'
import { appendAudit } from './common-ops.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'

// ── rows ─────────────────────────────────────────────────────────────────────────────────────

interface AlertRow {
  id: string
  kiosk_id: string
  kind: AlertKind
  detail: string
  raised_at: number
  acknowledged_at: number | null
  acknowledged_by: string | null
  cleared_at: number | null
  work_order_id: string | null
}

const ALERT_SELECT =
  'SELECT a.id, a.kiosk_id, a.kind, a.detail, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.cleared_at, w.id AS work_order_id FROM kiosk_alerts a LEFT JOIN work_orders w ON w.alert_id = a.id'

function toAlert(r: AlertRow): AlertRecord {
  return {
    alertId: r.id,
    kioskId: r.kiosk_id,
    kind: r.kind,
    detail: JSON.parse(r.detail) as AlertDetail,
    raisedAt: r.raised_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    clearedAt: r.cleared_at,
    workOrderId: r.work_order_id,
  }
}

interface WorkOrderRow {
  id: string
  kiosk_id: string
  alert_id: string | null
  title: string
  state: WorkOrderState
  assigned_to: string | null
  created_by: string
  created_at: number
  updated_at: number
  closed_at: number | null
  closed_by: string | null
}

const WORK_ORDER_SELECT = 'SELECT id, kiosk_id, alert_id, title, state, assigned_to, created_by, created_at, updated_at, closed_at, closed_by FROM work_orders'

interface NoteRow {
  work_order_id: string
  at: number
  staff_id: string
  kind: WorkOrderNote['kind']
  note: string
}

function toWorkOrder(r: WorkOrderRow, notes: WorkOrderNote[]): WorkOrderRecord {
  return {
    workOrderId: r.id,
    kioskId: r.kiosk_id,
    alertId: r.alert_id,
    title: r.title,
    state: r.state,
    assignedTo: r.assigned_to,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
    notes,
  }
}

/** Work orders with their notes, in two statements whatever their number. */
function* withNotes(rows: WorkOrderRow[]): Gen<WorkOrderRecord[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const notes = yield* all<NoteRow>(
    `SELECT work_order_id, at, staff_id, kind, note FROM work_order_notes WHERE work_order_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
    ids,
  )
  const by = new Map<string, WorkOrderNote[]>()
  for (const n of notes) {
    const list = by.get(n.work_order_id) ?? []
    list.push({ at: n.at, staffId: n.staff_id, kind: n.kind, note: n.note })
    by.set(n.work_order_id, list)
  }
  return rows.map((r) => toWorkOrder(r, by.get(r.id) ?? []))
}

interface HealthRow {
  id: string
  name: string
  location: string
  enrolled_at: number | null
  revoked: number
  received_at: number | null
  heartbeat: string | null
}

const HEALTH_SELECT =
  'SELECT k.id, k.name, k.location, k.enrolled_at, k.revoked, h.received_at, h.heartbeat FROM kiosks k LEFT JOIN kiosk_health h ON h.kiosk_id = k.id'

function toHealth(r: HealthRow): KioskHealthRecord {
  return {
    kioskId: r.id,
    name: r.name,
    location: r.location,
    enrolledAt: r.enrolled_at,
    revoked: r.revoked === 1,
    receivedAt: r.received_at,
    heartbeat: r.heartbeat === null ? null : (JSON.parse(r.heartbeat) as HeartbeatRequest),
  }
}

interface ServiceEventRow {
  event_id: string
  kiosk_id: string
  at: number
  action: ServiceEventRequest['action']
  staff_card_no: string
  actor: string
  details: string
  request_hash: string
  received_at: number
}

function toServiceEvent(r: ServiceEventRow): ServiceEventRecord {
  return {
    eventId: r.event_id,
    kioskId: r.kiosk_id,
    at: r.at,
    action: r.action,
    staffCardNo: r.staff_card_no,
    actor: r.actor,
    details: JSON.parse(r.details) as ServiceEventRequest['details'],
    receivedAt: r.received_at,
  }
}

// ── alerts from health ───────────────────────────────────────────────────────────────────────

/**
 * Makes the open alerts of `kinds` match `active`: raises what is newly true (once: the partial
 * unique index allows one open alert per kiosk and kind), clears what no longer is.
 */
function* reconcileAlerts(kioskId: string, kinds: readonly AlertKind[], active: ReadonlyMap<AlertKind, AlertDetail>, now: number, newAlertId: () => string): Gen<AlertChanges> {
  const open = yield* all<AlertRow>(`${ALERT_SELECT} WHERE a.kiosk_id = ? AND a.cleared_at IS NULL`, [kioskId])
  const openKinds = new Set(open.map((a) => a.kind))
  const changes: AlertChanges = { raised: [], cleared: [] }
  for (const a of open) {
    if (!kinds.includes(a.kind) || active.has(a.kind)) continue
    yield* run('UPDATE kiosk_alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL', [now, a.id])
    changes.cleared.push(toAlert({ ...a, cleared_at: now }))
  }
  for (const kind of kinds) {
    const detail = active.get(kind)
    if (detail === undefined || openKinds.has(kind)) continue
    const id = newAlertId()
    // ON CONFLICT: another central instance raised it a moment ago; theirs stands.
    const inserted = yield* run(
      'INSERT INTO kiosk_alerts (id, kiosk_id, kind, detail, raised_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kiosk_id, kind) WHERE cleared_at IS NULL DO NOTHING',
      [id, kioskId, kind, JSON.stringify(detail), now],
    )
    if (inserted === 1) {
      changes.raised.push({ alertId: id, kioskId, kind, detail, raisedAt: now, acknowledgedAt: null, acknowledgedBy: null, clearedAt: null, workOrderId: null })
    }
  }
  return changes
}

export function* recordHeartbeat(r: RecordHeartbeat): Gen<AlertChanges> {
  const hb = r.heartbeat
  const body = JSON.stringify(hb)
  const sentAt = Date.parse(hb.sentAt)
  yield* run(
    `INSERT INTO kiosk_health (kiosk_id, sent_at, received_at, heartbeat) VALUES (?, ?, ?, ?)
     ON CONFLICT (kiosk_id) DO UPDATE SET sent_at = excluded.sent_at, received_at = excluded.received_at, heartbeat = excluded.heartbeat`,
    [r.kioskId, sentAt, r.receivedAt, body],
  )
  yield* run('INSERT INTO kiosk_heartbeats (kiosk_id, sent_at, received_at, heartbeat) VALUES (?, ?, ?, ?)', [r.kioskId, sentAt, r.receivedAt, body])
  yield* trim('kiosk_heartbeats', r.kioskId, r.historyLimit)
  for (const f of hb.faults) {
    yield* run('INSERT INTO kiosk_faults (kiosk_id, at, device, health, code, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      r.kioskId,
      Date.parse(f.at),
      f.device,
      f.health,
      f.code,
      r.receivedAt,
    ])
  }
  if (hb.faults.length > 0) yield* trim('kiosk_faults', r.kioskId, r.historyLimit)
  // A heartbeat is proof of life: it also clears 'offline'.
  return yield* reconcileAlerts(r.kioskId, [...r.decides, 'offline'], r.conditions, r.receivedAt, r.newAlertId)
}

/** Keeps the newest `limit` rows of a kiosk's history table. */
function* trim(table: 'kiosk_heartbeats' | 'kiosk_faults', kioskId: string, limit: number): Gen<void> {
  const edge = yield* get<{ id: number }>(`SELECT id FROM ${table} WHERE kiosk_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?`, [kioskId, limit])
  if (edge !== undefined) yield* run(`DELETE FROM ${table} WHERE kiosk_id = ? AND id <= ?`, [kioskId, edge.id])
}

export function* sweepOfflineKiosks(now: number, offlineAfterMs: number, newAlertId: () => string): Gen<AlertChanges> {
  const kiosks = yield* all<{ id: string; heard: number | null; open: string | null }>(
    `SELECT k.id, COALESCE(h.received_at, k.enrolled_at) AS heard, a.id AS open FROM kiosks k
     LEFT JOIN kiosk_health h ON h.kiosk_id = k.id
     LEFT JOIN kiosk_alerts a ON a.kiosk_id = k.id AND a.kind = 'offline' AND a.cleared_at IS NULL
     WHERE k.enrolled_at IS NOT NULL AND k.revoked = 0`,
  )
  const changes: AlertChanges = { raised: [], cleared: [] }
  for (const k of kiosks) {
    if (k.heard === null) continue
    const offline = now - k.heard > offlineAfterMs
    // Only kiosks whose state differs need a write (the sweep runs every few seconds).
    if (offline === (k.open !== null)) continue
    const active = new Map<AlertKind, AlertDetail>(offline ? [['offline', { lastHeardAt: new Date(k.heard).toISOString(), silentMs: now - k.heard }]] : [])
    const c = yield* reconcileAlerts(k.id, ['offline'], active, now, newAlertId)
    changes.raised.push(...c.raised)
    changes.cleared.push(...c.cleared)
  }
  return changes
}

// ── service events ───────────────────────────────────────────────────────────────────────────

export function* recordServiceEvent(d: Dialect, r: RecordServiceEvent): Gen<ServiceEventOutcome> {
  const SELECT = 'SELECT event_id, kiosk_id, at, action, staff_card_no, actor, details, request_hash, received_at FROM kiosk_service_events WHERE event_id = ?'
  const existing = yield* get<ServiceEventRow>(SELECT, [r.event.eventId])
  if (existing !== undefined) {
    return existing.request_hash === r.requestHash && existing.kiosk_id === r.kioskId ? { kind: 'duplicate', event: toServiceEvent(existing) } : { kind: 'mismatch' }
  }
  const e = r.event
  // The card names the staff member (cards carry the name, not the id): the actor is that staff
  // member when exactly one active one has the name, else the card itself, so nothing is lost.
  const card = yield* get<{ staff_name: string | null }>("SELECT staff_name FROM cards WHERE card_no = ? AND kind = 'staff'", [e.staffCardNo])
  const matches = card === undefined || card.staff_name === null ? [] : yield* all<{ id: string }>('SELECT id FROM staff WHERE name = ? AND active = 1', [card.staff_name])
  const staffId = matches.length === 1 ? matches[0]?.id : undefined
  const actor = staffId !== undefined ? `staff:${staffId}` : `card:${e.staffCardNo}`
  const at = Date.parse(e.at)
  yield* run(
    `INSERT INTO kiosk_service_events (event_id, kiosk_id, at, action, staff_card_no, actor, details, request_hash, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [e.eventId, r.kioskId, at, e.action, e.staffCardNo, actor, JSON.stringify(e.details), r.requestHash, r.receivedAt],
  )
  yield* appendAudit(d, {
    at: r.receivedAt,
    actor,
    action: `kiosk.service.${e.action}`,
    details: { eventId: e.eventId, kioskId: r.kioskId, at: e.at, staffCardNo: e.staffCardNo, knownStaff: staffId !== undefined, details: e.details },
  })
  const row = yield* get<ServiceEventRow>(SELECT, [e.eventId])
  if (row === undefined) throw new Error('service event vanished inside its own transaction')
  return { kind: 'recorded', event: toServiceEvent(row) }
}

// ── reads ────────────────────────────────────────────────────────────────────────────────────

export function* fleetHealth(): Gen<KioskHealthRecord[]> {
  return (yield* all<HealthRow>(`${HEALTH_SELECT} ORDER BY k.name`)).map(toHealth)
}

export function* kioskHealth(kioskId: string): Gen<KioskHealthRecord | null> {
  const r = yield* get<HealthRow>(`${HEALTH_SELECT} WHERE k.id = ?`, [kioskId])
  return r === undefined ? null : toHealth(r)
}

export function* listAlerts(q: { openOnly: boolean; kioskId: string | null; limit: number }): Gen<AlertRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (q.openOnly) where.push('a.cleared_at IS NULL')
  if (q.kioskId !== null) {
    where.push('a.kiosk_id = ?')
    params.push(q.kioskId)
  }
  params.push(q.limit)
  const rows = yield* all<AlertRow>(`${ALERT_SELECT}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.raised_at DESC, a.id DESC LIMIT ?`, params)
  return rows.map(toAlert)
}

export function* getAlert(alertId: string): Gen<AlertRecord | null> {
  const r = yield* get<AlertRow>(`${ALERT_SELECT} WHERE a.id = ?`, [alertId])
  return r === undefined ? null : toAlert(r)
}

export function* getWorkOrder(workOrderId: string): Gen<WorkOrderRecord | null> {
  const r = yield* get<WorkOrderRow>(`${WORK_ORDER_SELECT} WHERE id = ?`, [workOrderId])
  return r === undefined ? null : ((yield* withNotes([r]))[0] ?? null)
}

export function* listWorkOrders(q: { state: WorkOrderState | null; kioskId: string | null; limit: number }): Gen<WorkOrderRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (q.state !== null) {
    where.push('state = ?')
    params.push(q.state)
  }
  if (q.kioskId !== null) {
    where.push('kiosk_id = ?')
    params.push(q.kioskId)
  }
  params.push(q.limit)
  const rows = yield* all<WorkOrderRow>(`${WORK_ORDER_SELECT}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY updated_at DESC, id DESC LIMIT ?`, params)
  return yield* withNotes(rows)
}

export function* listFieldStaff(): Gen<{ id: string; name: string; role: string }[]> {
  return yield* all<{ id: string; name: string; role: string }>("SELECT id, name, role FROM staff WHERE active = 1 AND role IN ('field', 'admin') ORDER BY role DESC, id")
}

export function* kioskHistory(kioskId: string, limit: number): Gen<KioskHistory> {
  const heartbeats = yield* all<{ received_at: number; heartbeat: string }>('SELECT received_at, heartbeat FROM kiosk_heartbeats WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?', [kioskId, limit])
  const faults = yield* all<{ kiosk_id: string; at: number; device: FaultRecord['device']; health: string; code: string; received_at: number }>(
    'SELECT kiosk_id, at, device, health, code, received_at FROM kiosk_faults WHERE kiosk_id = ? ORDER BY at DESC, id DESC LIMIT ?',
    [kioskId, limit],
  )
  const events = yield* all<ServiceEventRow>(
    'SELECT event_id, kiosk_id, at, action, staff_card_no, actor, details, request_hash, received_at FROM kiosk_service_events WHERE kiosk_id = ? ORDER BY at DESC, event_id DESC LIMIT ?',
    [kioskId, limit],
  )
  return {
    heartbeats: heartbeats.map((h): HeartbeatHistoryRecord => ({ receivedAt: h.received_at, heartbeat: JSON.parse(h.heartbeat) as HeartbeatRequest })),
    faults: faults.map((f) => ({ kioskId: f.kiosk_id, at: f.at, device: f.device, health: f.health, code: f.code, receivedAt: f.received_at })),
    alerts: yield* listAlerts({ openOnly: false, kioskId, limit }),
    workOrders: yield* listWorkOrders({ state: null, kioskId, limit }),
    serviceEvents: events.map(toServiceEvent),
  }
}

// ── staff actions ────────────────────────────────────────────────────────────────────────────

export function* acknowledgeAlert(d: Dialect, r: { alertId: string; staffId: string; now: number }): Gen<AlertRecord> {
  const a = yield* get<{ id: string; kiosk_id: string; kind: string; acknowledged_at: number | null }>(
    `SELECT id, kiosk_id, kind, acknowledged_at FROM kiosk_alerts WHERE id = ?${d.forUpdate('kiosk_alerts')}`,
    [r.alertId],
  )
  if (a === undefined) throw new Errors.notFound('No such alert')
  if (a.acknowledged_at === null) {
    yield* run('UPDATE kiosk_alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?', [r.now, r.staffId, r.alertId])
    yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'alert.acknowledged', details: { alertId: a.id, kioskId: a.kiosk_id, kind: a.kind } })
  }
  return requireFound(yield* getAlert(r.alertId))
}

function* requireAssignee(staffId: string): Gen<void> {
  const s = yield* get<{ id: string }>("SELECT id FROM staff WHERE id = ? AND active = 1 AND role IN ('field', 'admin')", [staffId])
  if (s === undefined) throw new Errors.workOrderAssignee()
}

function* addNote(workOrderId: string, at: number, staffId: string, kind: WorkOrderNote['kind'], note: string): Gen<void> {
  yield* run('INSERT INTO work_order_notes (work_order_id, at, staff_id, kind, note) VALUES (?, ?, ?, ?, ?)', [workOrderId, at, staffId, kind, note])
}

export function* createWorkOrder(
  d: Dialect,
  r: { workOrderId: string; alertId: string; staffId: string; assignee: string | null; note: string | null; now: number },
): Gen<WorkOrderRecord> {
  const a = yield* get<{ id: string; kiosk_id: string; kind: string; acknowledged_at: number | null; name: string }>(
    `SELECT a.id, a.kiosk_id, a.kind, a.acknowledged_at, k.name FROM kiosk_alerts a JOIN kiosks k ON k.id = a.kiosk_id WHERE a.id = ?${d.forUpdate('a')}`,
    [r.alertId],
  )
  if (a === undefined) throw new Errors.notFound('No such alert')
  if ((yield* get('SELECT id FROM work_orders WHERE alert_id = ?', [r.alertId])) !== undefined) throw new Errors.workOrderExists()
  if (r.assignee !== null) yield* requireAssignee(r.assignee)
  const state: WorkOrderState = r.assignee === null ? 'open' : 'assigned'
  const title = `${a.name} · ${a.kind}`
  yield* run(
    `INSERT INTO work_orders (id, kiosk_id, alert_id, title, state, assigned_to, created_by, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.workOrderId, a.kiosk_id, a.id, title, state, r.assignee, r.staffId, r.now, r.now],
  )
  yield* addNote(r.workOrderId, r.now, r.staffId, 'created', r.note ?? '')
  if (r.assignee !== null) yield* addNote(r.workOrderId, r.now, r.staffId, 'assigned', r.assignee)
  // Making a work order of an alert is the strongest acknowledgement there is.
  if (a.acknowledged_at === null) yield* run('UPDATE kiosk_alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?', [r.now, r.staffId, a.id])
  yield* appendAudit(d, {
    at: r.now,
    actor: `staff:${r.staffId}`,
    action: 'workOrder.created',
    details: { workOrderId: r.workOrderId, alertId: a.id, kioskId: a.kiosk_id, kind: a.kind, assignee: r.assignee, note: r.note },
  })
  return requireFound(yield* getWorkOrder(r.workOrderId))
}

function* lockWorkOrder(d: Dialect, workOrderId: string): Gen<WorkOrderRow> {
  const w = yield* get<WorkOrderRow>(`${WORK_ORDER_SELECT} WHERE id = ?${d.forUpdate('work_orders')}`, [workOrderId])
  if (w === undefined) throw new Errors.notFound('No such work order')
  return w
}

export function* assignWorkOrder(d: Dialect, r: { workOrderId: string; staffId: string; assignee: string; now: number }): Gen<WorkOrderRecord> {
  const w = yield* lockWorkOrder(d, r.workOrderId)
  if (w.state === 'done') throw new Errors.workOrderState('The work order is done')
  yield* requireAssignee(r.assignee)
  yield* run("UPDATE work_orders SET state = 'assigned', assigned_to = ?, updated_at = ? WHERE id = ?", [r.assignee, r.now, r.workOrderId])
  yield* addNote(r.workOrderId, r.now, r.staffId, 'assigned', r.assignee)
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'workOrder.assigned', details: { workOrderId: w.id, kioskId: w.kiosk_id, assignee: r.assignee, previous: w.assigned_to } })
  return requireFound(yield* getWorkOrder(r.workOrderId))
}

export function* addWorkOrderNote(d: Dialect, r: { workOrderId: string; staffId: string; note: string; now: number }): Gen<WorkOrderRecord> {
  const w = yield* lockWorkOrder(d, r.workOrderId)
  if (w.state === 'done') throw new Errors.workOrderState('The work order is done')
  yield* run('UPDATE work_orders SET updated_at = ? WHERE id = ?', [r.now, r.workOrderId])
  yield* addNote(r.workOrderId, r.now, r.staffId, 'note', r.note)
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'workOrder.noted', details: { workOrderId: w.id, kioskId: w.kiosk_id, note: r.note } })
  return requireFound(yield* getWorkOrder(r.workOrderId))
}

export function* closeWorkOrder(d: Dialect, r: { workOrderId: string; staffId: string; note: string; now: number }): Gen<WorkOrderRecord> {
  const w = yield* lockWorkOrder(d, r.workOrderId)
  if (w.state !== 'assigned') throw new Errors.workOrderState(w.state === 'done' ? 'The work order is already done' : 'Assign the work order before closing it')
  yield* run("UPDATE work_orders SET state = 'done', closed_at = ?, closed_by = ?, updated_at = ? WHERE id = ?", [r.now, r.staffId, r.now, r.workOrderId])
  yield* addNote(r.workOrderId, r.now, r.staffId, 'closed', r.note)
  yield* appendAudit(d, { at: r.now, actor: `staff:${r.staffId}`, action: 'workOrder.closed', details: { workOrderId: w.id, kioskId: w.kiosk_id, alertId: w.alert_id, note: r.note } })
  return requireFound(yield* getWorkOrder(r.workOrderId))
}

function requireFound<T>(v: T | null): T {
  if (v === null) throw new Error('row vanished inside its own transaction')
  return v
}
