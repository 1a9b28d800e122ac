/**
 * GET /api/v1/meters/:meterNo/account — the account behind a typed meter number (kiosk-signed).
 * GET …/deliveries and …/readings — recent token deliveries and readings (admin token or kiosk).
 * GET /api/v1/console/meters/:meterNo/{deliveries,readings} — the same for the console's Meters
 * page (staff session; the roles that read meter-control).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { DeliveryState, MeterLookupResponse, MeterNo, TokenDigits } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
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
const STAFF_READERS: readonly StaffRole[] = ['admin', 'support', 'auditor', 'field']

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
      const now = app.clock.now()
      // In service only, as the vend path reads it: a swapped-out meter is never sold to again.
      const found = await app.repo.getMeterAccount(req.params.meterNo, now)
      if (found === null) throw new Errors.meterUnknown()
      const meter = found.meter
      const view = await app.repo.getAccount(meter.accountId, now)
      if (view === null) throw new Errors.meterUnknown()
      return { account: await loadAccountSummary(app.repo, view, meter.meterNo, now) }
    },
  )

  const deliveries = async (meterNo: string, limit: string | undefined) => {
    if ((await app.repo.findMeter(meterNo)) === null) throw new Errors.meterUnknown()
    const rows = await app.repo.listDeliveries(meterNo, Number(limit ?? 20))
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
  }
  const readings = async (meterNo: string, limit: string | undefined) => {
    if ((await app.repo.findMeter(meterNo)) === null) throw new Errors.meterUnknown()
    const rows = await app.repo.latestReadings(meterNo, Number(limit ?? 20))
    return rows.map((r) => ({ ...r, at: iso(r.at) }))
  }

  for (const [prefix, auth] of [
    ['', { preValidation: app.verifyKioskOrAdmin, tags: ['admin'] }],
    ['/console', { preValidation: app.verifyStaff(STAFF_READERS), config: { staffRoles: STAFF_READERS }, tags: ['console'] }],
  ] as const) {
    const { tags, ...guard } = auth
    app.get(
      `${prefix}/meters/:meterNo/deliveries`,
      {
        ...guard,
        schema: {
          tags: [...tags],
          summary: 'Latest token deliveries to a meter',
          params: MeterParams,
          querystring: LimitQuery,
          response: { 200: Type.Array(DeliveryView), ...errorResponses(400, 401, 403, 404, 500) },
        },
      },
      (req) => deliveries(req.params.meterNo, req.query.limit),
    )
    app.get(
      `${prefix}/meters/:meterNo/readings`,
      {
        ...guard,
        schema: {
          tags: [...tags],
          summary: 'Latest readings reported by a meter',
          params: MeterParams,
          querystring: LimitQuery,
          response: { 200: Type.Array(ReadingView), ...errorResponses(400, 401, 403, 404, 500) },
        },
      },
      (req) => readings(req.params.meterNo, req.query.limit),
    )
  }
  return Promise.resolve()
}

export default metersRoutes
