/**
 * Meter control for the back office (issue 11):
 *   POST /meter-control/commands            relay open/close, max power, clear tamper on 1–1000 meters
 *   GET  /meter-control/commands[/:id]      each command's state (pending → sent → done / refused)
 *   GET  /meter-control/meters[/:meterNo]   online/offline, last seen, relay, tamper, credit, alert
 *   GET  /meter-control/alerts              low-credit alerts (open and cleared)
 * Control needs admin or support; reading also auditor and field. Commands are audited in the
 * transaction that queues them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { MeterNo } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { MeterAlertRecord, MeterCommandRecord, MeterStatusRecord } from '../../storage/meter-control-repository.ts'
import type { StaffRole } from '../../storage/repository.ts'

const strict = { additionalProperties: false } as const
const CONTROL: readonly StaffRole[] = ['admin', 'support']
const READERS: readonly StaffRole[] = ['admin', 'support', 'auditor', 'field']
const MAX_BATCH = 1_000

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const LimitDigits = Type.String({ pattern: '^[1-9][0-9]{0,3}$' })

export const CommandKind = Type.Union([Type.Literal('relayOpen'), Type.Literal('relayClose'), Type.Literal('setMaxPower'), Type.Literal('clearTamper')])
export const CommandState = Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('done'), Type.Literal('refused'), Type.Literal('superseded')])

export const CommandRequest = Type.Object(
  {
    meterNos: Type.Array(MeterNo, { minItems: 1, maxItems: MAX_BATCH }),
    command: CommandKind,
    /** setMaxPower only: the limit in W. */
    maxPowerW: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  strict,
)

export const CommandBatchResponse = Type.Object(
  {
    batchId: Type.String(),
    queued: Type.Integer({ minimum: 0 }),
    results: Type.Array(
      Type.Object(
        {
          meterNo: MeterNo,
          commandId: Nullable(Type.String()),
          result: Type.Union([Type.Literal('queued'), Type.Literal('unknownMeter'), Type.Literal('keyExpired'), Type.Literal('failed')]),
        },
        strict,
      ),
    ),
  },
  strict,
)

export const CommandView = Type.Object(
  {
    commandId: Type.String(),
    batchId: Type.String(),
    meterNo: MeterNo,
    command: CommandKind,
    maxPowerW: Nullable(Type.Integer()),
    state: CommandState,
    reason: Nullable(Type.String()),
    attempts: Type.Integer({ minimum: 0 }),
    requestedBy: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    answeredAt: Nullable(Type.String()),
  },
  strict,
)
export type CommandView = Static<typeof CommandView>

export const MeterStatusView = Type.Object(
  {
    meterNo: MeterNo,
    unitName: Type.String(),
    accountId: Type.String(),
    /** 'unknown' until the meter first connects. */
    link: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]),
    statusAt: Nullable(Type.String()),
    lastSeenAt: Nullable(Type.String()),
    relay: Nullable(Type.Union([Type.Literal('closed'), Type.Literal('open')])),
    tamper: Nullable(Type.Boolean()),
    creditWh: Nullable(Type.Integer()),
    powerW: Nullable(Type.Integer()),
    readingAt: Nullable(Type.String()),
    lowCredit: Nullable(Type.Object({ alertId: Type.String(), daysLeft: Nullable(Type.Number()), openedAt: Type.String() }, strict)),
  },
  strict,
)
export type MeterStatusView = Static<typeof MeterStatusView>

export const AlertView = Type.Object(
  {
    alertId: Type.String(),
    meterNo: MeterNo,
    kind: Type.Literal('lowCredit'),
    state: Type.Union([Type.Literal('open'), Type.Literal('cleared')]),
    daysLeft: Nullable(Type.Number()),
    avgDailyWh: Nullable(Type.Integer()),
    creditWh: Nullable(Type.Integer()),
    openedAt: Type.String(),
    clearedAt: Nullable(Type.String()),
    notified: Type.Boolean(),
  },
  strict,
)

const CommandsQuery = Type.Object(
  { meterNo: Type.Optional(MeterNo), batchId: Type.Optional(Type.String({ maxLength: 64 })), state: Type.Optional(CommandState), limit: Type.Optional(LimitDigits) },
  strict,
)
const MetersQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('offline'), Type.Literal('online'), Type.Literal('tamper'), Type.Literal('relayOpen'), Type.Literal('lowCredit')])),
    after: Type.Optional(MeterNo),
    limit: Type.Optional(LimitDigits),
  },
  strict,
)
const AlertsQuery = Type.Object(
  { state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('cleared')])), meterNo: Type.Optional(MeterNo), limit: Type.Optional(LimitDigits) },
  strict,
)

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export function commandView(c: MeterCommandRecord): CommandView {
  return {
    commandId: c.id,
    batchId: c.batchId,
    meterNo: c.meterNo,
    command: c.kind,
    maxPowerW: c.maxPowerW,
    state: c.state,
    reason: c.reason,
    attempts: c.attempts,
    requestedBy: c.requestedBy,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    answeredAt: isoOrNull(c.answeredAt),
  }
}

export function meterStatusView(m: MeterStatusRecord): MeterStatusView {
  return {
    meterNo: m.meterNo,
    unitName: m.unitName,
    accountId: m.accountId,
    link: m.online === null ? 'unknown' : m.online ? 'online' : 'offline',
    statusAt: isoOrNull(m.statusAt),
    lastSeenAt: isoOrNull(m.lastSeenAt),
    relay: m.relay,
    tamper: m.tamper,
    creditWh: m.creditWh,
    powerW: m.powerW,
    readingAt: isoOrNull(m.readingAt),
    lowCredit: m.lowCredit === null ? null : { alertId: m.lowCredit.alertId, daysLeft: m.lowCredit.daysLeft, openedAt: iso(m.lowCredit.openedAt) },
  }
}

function alertView(a: MeterAlertRecord): Static<typeof AlertView> {
  return {
    alertId: a.id,
    meterNo: a.meterNo,
    kind: a.kind,
    state: a.state,
    daysLeft: a.daysLeft,
    avgDailyWh: a.avgDailyWh,
    creditWh: a.creditWh,
    openedAt: iso(a.openedAt),
    clearedAt: isoOrNull(a.clearedAt),
    notified: a.notified,
  }
}

const meterControlRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.post(
    '/meter-control/commands',
    {
      preValidation: app.verifyStaff(CONTROL),
      config: { staffRoles: CONTROL },
      schema: {
        tags: ['staff'],
        summary: 'Send a remote command (relay open/close, max power, clear tamper) to one or many meters',
        body: CommandRequest,
        response: { 202: CommandBatchResponse, ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req, reply) => {
      const { meterNos, command, maxPowerW } = req.body
      if (command === 'setMaxPower' && maxPowerW === undefined) throw new Errors.validation('setMaxPower needs maxPowerW')
      if (command !== 'setMaxPower' && maxPowerW !== undefined) throw new Errors.validation('maxPowerW is only for setMaxPower')
      const actor = `staff:${req.staff?.id ?? 'unknown'}`
      const { batchId, results } = await app.meterControl.issue({ meterNos, kind: command, ...(maxPowerW === undefined ? {} : { maxPowerW }), actor })
      const queued = results.filter((r) => r.result === 'queued').length
      req.log.info({ batchId, command, meters: results.length, queued }, 'meter commands queued')
      return reply.code(202).send({ batchId, queued, results })
    },
  )

  app.get(
    '/meter-control/commands',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: { tags: ['staff'], summary: 'Remote commands, newest first', querystring: CommandsQuery, response: { 200: Type.Array(CommandView), ...errorResponses(400, 401, 403, 500, 503) } },
    },
    async (req) => {
      const q = req.query
      const rows = await app.repo.listMeterCommands({
        limit: Number(q.limit ?? 100),
        ...(q.meterNo === undefined ? {} : { meterNo: q.meterNo }),
        ...(q.batchId === undefined ? {} : { batchId: q.batchId }),
        ...(q.state === undefined ? {} : { state: q.state }),
      })
      return rows.map(commandView)
    },
  )

  app.get(
    '/meter-control/commands/:commandId',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: {
        tags: ['staff'],
        summary: 'One remote command and its state',
        params: Type.Object({ commandId: Type.String({ maxLength: 64 }) }, strict),
        response: { 200: CommandView, ...errorResponses(400, 401, 403, 404, 500, 503) },
      },
    },
    async (req) => {
      const c = await app.repo.getMeterCommand(req.params.commandId)
      if (c === null) throw new Errors.notFound('No such command')
      return commandView(c)
    },
  )

  app.get(
    '/meter-control/meters',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: {
        tags: ['staff'],
        summary: 'Meters with their link status, relay, tamper and low-credit alert (filter, page by meter number)',
        querystring: MetersQuery,
        response: { 200: Type.Array(MeterStatusView), ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req) => {
      const q = req.query
      const rows = await app.repo.listMeterStatus({
        limit: Number(q.limit ?? 100),
        ...(q.status === undefined ? {} : { filter: q.status }),
        ...(q.after === undefined ? {} : { after: q.after }),
      })
      return rows.map(meterStatusView)
    },
  )

  app.get(
    '/meter-control/meters/:meterNo',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: {
        tags: ['staff'],
        summary: "One meter's link status, relay, tamper and low-credit alert",
        params: Type.Object({ meterNo: MeterNo }, strict),
        response: { 200: MeterStatusView, ...errorResponses(400, 401, 403, 404, 500, 503) },
      },
    },
    async (req) => {
      const m = await app.repo.getMeterStatus(req.params.meterNo)
      if (m === null) throw new Errors.meterUnknown()
      return meterStatusView(m)
    },
  )

  app.get(
    '/meter-control/alerts',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: { tags: ['staff'], summary: 'Low-credit alerts, newest first', querystring: AlertsQuery, response: { 200: Type.Array(AlertView), ...errorResponses(400, 401, 403, 500, 503) } },
    },
    async (req) => {
      const q = req.query
      const rows = await app.repo.listMeterAlerts({
        limit: Number(q.limit ?? 100),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.meterNo === undefined ? {} : { meterNo: q.meterNo }),
      })
      return rows.map(alertView)
    },
  )
  return Promise.resolve()
}

export default meterControlRoutes
