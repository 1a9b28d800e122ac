/**
 * Field operations for the console (issue 9): the kiosk fleet's health, alerts, work orders and a
 * kiosk's history, and a live WebSocket. Field staff and admins act; support staff may look (they
 * answer residents who ask why a kiosk is down) but change nothing. Every action is audited in the
 * transaction that makes it.
 *
 *   GET  /api/v1/console/field/fleet
 *   GET  /api/v1/console/field/alerts?status=open|all&kioskId=&limit=
 *   POST /api/v1/console/field/alerts/:alertId/acknowledge
 *   POST /api/v1/console/field/alerts/:alertId/work-order      { assignee?, note? }
 *   GET  /api/v1/console/field/work-orders?state=&kioskId=&limit=
 *   GET  /api/v1/console/field/work-orders/:workOrderId
 *   POST /api/v1/console/field/work-orders/:workOrderId/assign { assignee }
 *   POST /api/v1/console/field/work-orders/:workOrderId/notes  { note }
 *   POST /api/v1/console/field/work-orders/:workOrderId/close  { note }
 *   GET  /api/v1/console/field/staff                          who can take a work order
 *   GET  /api/v1/console/field/kiosks/:kioskId/history?limit=
 *   GET  /api/v1/console/field/live                            WebSocket (see live.ts)
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { uuidv7, Uuid } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import { alertView, AlertView, KioskHistoryView, KioskView, kioskView, serviceEventView, workOrderView, WorkOrderView } from '../../field-ops/views.ts'
import { liveSocket } from './live.ts'
import { FIELD_ACTORS, FIELD_READERS } from './roles.ts'

const strict = { additionalProperties: false } as const

const StaffId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
const KioskId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
const Note = Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' })
const Limit = Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })

const AlertParams = Type.Object({ alertId: Uuid }, strict)
const WorkOrderParams = Type.Object({ workOrderId: Uuid }, strict)
const KioskParams = Type.Object({ kioskId: KioskId }, strict)
const AlertsQuery = Type.Object({ status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])), kioskId: Type.Optional(KioskId), limit: Type.Optional(Limit) }, strict)
const WorkOrdersQuery = Type.Object(
  { state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('assigned'), Type.Literal('done')])), kioskId: Type.Optional(KioskId), limit: Type.Optional(Limit) },
  strict,
)
const HistoryQuery = Type.Object({ limit: Type.Optional(Limit) }, strict)
const CreateWorkOrder = Type.Object({ assignee: Type.Optional(Type.Union([StaffId, Type.Null()])), note: Type.Optional(Note) }, strict)
const AssignBody = Type.Object({ assignee: StaffId }, strict)
const NoteBody = Type.Object({ note: Note }, strict)
const FleetView = Type.Object({ kiosks: Type.Array(KioskView), offlineAfterMin: Type.Number() }, strict)
const StaffList = Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() }, strict))

const limitOf = (s: string | undefined, fallback: number) => (s === undefined ? fallback : Number(s))

const fieldOpsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const read = { preValidation: app.verifyStaff(FIELD_READERS), config: { staffRoles: FIELD_READERS } }
  const act = { preValidation: app.verifyStaff(FIELD_ACTORS), config: { staffRoles: FIELD_ACTORS } }
  const staffId = (id: string | undefined): string => {
    if (id === undefined) throw new Errors.staffUnauthenticated()
    return id
  }
  const tags = ['field operations']

  app.get(
    '/console/field/fleet',
    { ...read, schema: { tags, summary: 'Every kiosk with its latest health', response: { 200: FleetView, ...errorResponses(401, 403, 500, 503) } } },
    async () => ({ kiosks: await app.fieldOps.fleet(), offlineAfterMin: app.fieldOps.thresholds.offlineAfterMs / 60_000 }),
  )

  app.get(
    '/console/field/alerts',
    { ...read, schema: { tags, summary: 'Kiosk alerts, open ones by default, newest first', querystring: AlertsQuery, response: { 200: Type.Array(AlertView), ...errorResponses(400, 401, 403, 500, 503) } } },
    async (req) => {
      const rows = await app.repo.listAlerts({ openOnly: req.query.status !== 'all', kioskId: req.query.kioskId ?? null, limit: limitOf(req.query.limit, 200) })
      return rows.map(alertView)
    },
  )

  app.post(
    '/console/field/alerts/:alertId/acknowledge',
    { ...act, schema: { tags, summary: 'Acknowledge an alert (someone is on it); twice changes nothing', params: AlertParams, response: { 200: AlertView, ...errorResponses(400, 401, 403, 404, 500, 503) } } },
    async (req) => {
      const a = alertView(await app.repo.acknowledgeAlert({ alertId: req.params.alertId, staffId: staffId(req.staff?.id), now: app.clock.now() }))
      app.fieldOps.publish({ type: 'alert', alert: a })
      return a
    },
  )

  app.post(
    '/console/field/alerts/:alertId/work-order',
    {
      ...act,
      schema: {
        tags,
        summary: 'Turn an alert into a work order, optionally assigned to field staff at once',
        params: AlertParams,
        body: CreateWorkOrder,
        response: { 201: WorkOrderView, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const now = app.clock.now()
      const w = await app.repo.createWorkOrder({
        workOrderId: uuidv7(now),
        alertId: req.params.alertId,
        staffId: staffId(req.staff?.id),
        assignee: req.body.assignee ?? null,
        note: req.body.note ?? null,
        now,
      })
      req.log.info({ workOrderId: w.workOrderId, alertId: w.alertId, assignee: w.assignedTo }, 'work order created')
      const alert = await app.repo.getAlert(req.params.alertId)
      if (alert !== null) app.fieldOps.publish({ type: 'alert', alert: alertView(alert) })
      const view = workOrderView(w)
      app.fieldOps.publish({ type: 'workOrder', workOrder: view })
      return reply.code(201).send(view)
    },
  )

  app.get(
    '/console/field/work-orders',
    { ...read, schema: { tags, summary: 'Work orders, most recently changed first', querystring: WorkOrdersQuery, response: { 200: Type.Array(WorkOrderView), ...errorResponses(400, 401, 403, 500, 503) } } },
    async (req) => (await app.repo.listWorkOrders({ state: req.query.state ?? null, kioskId: req.query.kioskId ?? null, limit: limitOf(req.query.limit, 200) })).map(workOrderView),
  )

  app.get(
    '/console/field/work-orders/:workOrderId',
    { ...read, schema: { tags, summary: 'A work order with its notes', params: WorkOrderParams, response: { 200: WorkOrderView, ...errorResponses(400, 401, 403, 404, 500, 503) } } },
    async (req) => {
      const w = await app.repo.getWorkOrder(req.params.workOrderId)
      if (w === null) throw new Errors.notFound('No such work order')
      return workOrderView(w)
    },
  )

  const workOrderAction = (path: string, summary: string, body: typeof AssignBody | typeof NoteBody, run: (id: string, staff: string, body: { assignee?: string; note?: string }, now: number) => ReturnType<typeof app.repo.assignWorkOrder>) => {
    app.post(
      `/console/field/work-orders/:workOrderId/${path}`,
      { ...act, schema: { tags, summary, params: WorkOrderParams, body, response: { 200: WorkOrderView, ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) } } },
      async (req) => {
        const w = workOrderView(await run(req.params.workOrderId, staffId(req.staff?.id), req.body, app.clock.now()))
        req.log.info({ workOrderId: w.workOrderId, state: w.state }, `work order ${path}`)
        app.fieldOps.publish({ type: 'workOrder', workOrder: w })
        return w
      },
    )
  }
  workOrderAction('assign', 'Assign (or reassign) a work order to field staff', AssignBody, (workOrderId, s, b, now) =>
    app.repo.assignWorkOrder({ workOrderId, staffId: s, assignee: b.assignee ?? '', now }),
  )
  workOrderAction('notes', 'Add a note to a work order', NoteBody, (workOrderId, s, b, now) => app.repo.addWorkOrderNote({ workOrderId, staffId: s, note: b.note ?? '', now }))
  workOrderAction('close', 'Close an assigned work order with what was done', NoteBody, (workOrderId, s, b, now) =>
    app.repo.closeWorkOrder({ workOrderId, staffId: s, note: b.note ?? '', now }),
  )

  app.get(
    '/console/field/staff',
    { ...read, schema: { tags, summary: 'Staff who can take a work order (active field and admin staff)', response: { 200: StaffList, ...errorResponses(401, 403, 500, 503) } } },
    async () => app.repo.listFieldStaff(),
  )

  app.get(
    '/console/field/kiosks/:kioskId/history',
    {
      ...read,
      schema: {
        tags,
        summary: "A kiosk's history: heartbeats, faults, alerts, work orders, service events (newest first)",
        params: KioskParams,
        querystring: HistoryQuery,
        response: { 200: KioskHistoryView, ...errorResponses(400, 401, 403, 404, 500, 503) },
      },
    },
    async (req) => {
      const k = await app.repo.kioskHealth(req.params.kioskId)
      if (k === null) throw new Errors.notFound('No such kiosk')
      const h = await app.repo.kioskHistory(req.params.kioskId, limitOf(req.query.limit, 50))
      const now = app.clock.now()
      const offlineAfterMs = app.fieldOps.thresholds.offlineAfterMs
      const open = h.alerts.filter((a) => a.clearedAt === null).length
      return {
        kiosk: kioskView(k, now, offlineAfterMs, open),
        heartbeats: h.heartbeats.map((b) => {
          const { kioskId: _k, name: _n, location: _l, enrolled: _e, openAlerts: _o, ...summary } = kioskView({ ...k, receivedAt: b.receivedAt, heartbeat: b.heartbeat }, b.receivedAt, offlineAfterMs, 0)
          return { receivedAt: new Date(b.receivedAt).toISOString(), sentAt: b.heartbeat.sentAt, summary }
        }),
        faults: h.faults.map((f) => ({ at: new Date(f.at).toISOString(), device: f.device, health: f.health, code: f.code, receivedAt: new Date(f.receivedAt).toISOString() })),
        alerts: h.alerts.map(alertView),
        workOrders: h.workOrders.map(workOrderView),
        serviceEvents: h.serviceEvents.map(serviceEventView),
      }
    },
  )

  await app.register(liveSocket, { roles: FIELD_READERS })
}

export default fieldOpsRoutes
