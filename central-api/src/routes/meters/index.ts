/**
 * GET /api/v1/meters/:meterNo/account — the account behind a typed meter number (kiosk-signed).
 * GET …/deliveries and …/readings — recent token deliveries and readings (admin token or kiosk).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { DeliveryState, MeterLookupResponse, MeterNo, TokenDigits } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import { loadAccountSummary } from '../../vending/account-summary.ts'

const strict = { additionalProperties: false } as const
const MeterParams = Type.Object({ meterNo: MeterNo }, strict)
/** Query strings are text (type coercion is off): a limit is digits. */
const LimitQuery = Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, strict)

export const DeliveryView = Type.Object(
  {
    deliveryId: Type.String(),
    vendId: Type.String(),
    meterNo: MeterNo,
    tokens: Type.Array(TokenDigits),
    // A voided token's delivery (reversed vend) is cancelled, to the back office and kiosks alike.
    state: DeliveryState,
    reason: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer({ minimum: 0 }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    ackedAt: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
)
export type DeliveryView = Static<typeof DeliveryView>

export const ReadingView = Type.Object(
  {
    meterNo: MeterNo,
    at: Type.String(),
    energyWh: Type.Integer(),
    creditWh: Type.Integer(),
    powerW: Type.Integer(),
    relay: Type.Union([Type.Literal('closed'), Type.Literal('open')]),
    tamper: Type.Boolean(),
  },
  strict,
)

const iso = (ms: number) => new Date(ms).toISOString()

const metersRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.get(
    '/meters/:meterNo/account',
    {
      preValidation: app.verifyKiosk,
      schema: {
        tags: ['kiosk'],
        summary: 'Look up the account of a meter number',
        params: MeterParams,
        response: { 200: MeterLookupResponse, ...errorResponses(400, 401, 404, 422, 500) },
      },
    },
    async (req) => {
      const meter = await app.repo.findMeter(req.params.meterNo)
      if (meter === null) throw new Errors.meterUnknown()
      const now = app.clock.now()
      const view = await app.repo.getAccount(meter.accountId, now)
      if (view === null) throw new Errors.meterUnknown()
      return { account: await loadAccountSummary(app.repo, view, meter.meterNo, now) }
    },
  )

  app.get(
    '/meters/:meterNo/deliveries',
    {
      preValidation: app.verifyKioskOrAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Latest token deliveries to a meter',
        params: MeterParams,
        querystring: LimitQuery,
        response: { 200: Type.Array(DeliveryView), ...errorResponses(400, 401, 404, 500) },
      },
    },
    async (req) => {
      if ((await app.repo.findMeter(req.params.meterNo)) === null) throw new Errors.meterUnknown()
      const rows = await app.repo.listDeliveries(req.params.meterNo, Number(req.query.limit ?? 20))
      return rows.map((d) => ({
        deliveryId: d.id,
        vendId: d.vendId,
        meterNo: d.meterNo,
        tokens: d.tokens,
        state: d.state,
        reason: d.reason,
        attempts: d.attempts,
        createdAt: iso(d.createdAt),
        updatedAt: iso(d.updatedAt),
        ackedAt: d.ackedAt === null ? null : iso(d.ackedAt),
      }))
    },
  )

  app.get(
    '/meters/:meterNo/readings',
    {
      preValidation: app.verifyKioskOrAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Latest readings reported by a meter',
        params: MeterParams,
        querystring: LimitQuery,
        response: { 200: Type.Array(ReadingView), ...errorResponses(400, 401, 404, 500) },
      },
    },
    async (req) => {
      if ((await app.repo.findMeter(req.params.meterNo)) === null) throw new Errors.meterUnknown()
      const rows = await app.repo.latestReadings(req.params.meterNo, Number(req.query.limit ?? 20))
      return rows.map((r) => ({ ...r, at: iso(r.at) }))
    },
  )
  return Promise.resolve()
}

export default metersRoutes
