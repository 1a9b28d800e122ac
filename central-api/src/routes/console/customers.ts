/**
 * Customers, meters and cards as the back office keeps them.
 *
 *   GET   /api/v1/console/customers?q=&limit=             search by id, name, phone, account, meter or card
 *   POST  /api/v1/console/customers                       { customerId, name, phone?, accountId?, tariffName }
 *   GET   /api/v1/console/customers/:customerId           accounts (credit), meters, cards, swaps
 *   PATCH /api/v1/console/customers/:customerId           { name?, phone?, tariffName? }
 *   GET   /api/v1/console/accounts/:accountId/vends       vends with their tokens and delivery state
 *   GET   /api/v1/console/accounts/:accountId/payments    vends, refunds and reversals
 *   POST  /api/v1/console/meters                          a new meter on an account
 *   POST  /api/v1/console/meters/:meterNo/swap            { newMeterNo, reason, sgc?, krn?, ea? }
 *   POST  /api/v1/console/cards/:cardNo/block             { reason }
 *   POST  /api/v1/console/cards/:cardNo/replace           { newCardNo, reason }
 *   POST  /api/v1/console/vends/:vendId/reprint           the stored vend (same tokens), audited
 *   POST  /api/v1/console/vends/:vendId/resend            re-queues the stored token delivery
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { uuidv7, Uuid, VendResponse } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { CARD_NO_PATTERN, defaultAccountId, EAS, ID_PATTERN, METER_KEY_DEFAULTS, METER_NO_PATTERN, PHONE_PATTERN, PROFILES, SGC_PATTERN, vendingKeyIdFor } from './fields.ts'
import { IsoTime, iso, Ok, PersonName, Reason, strict } from './schemas.ts'

const READERS: readonly StaffRole[] = ['admin', 'support', 'cashier', 'auditor']
const EDITORS: readonly StaffRole[] = ['admin', 'support']
const METER_EDITORS: readonly StaffRole[] = ['admin']
const SWAPPERS: readonly StaffRole[] = ['admin', 'field']
const REPRINTERS: readonly StaffRole[] = ['admin', 'support', 'cashier']

const Id = Type.String({ pattern: ID_PATTERN })
const Phone = Type.String({ pattern: PHONE_PATTERN })
const MeterNo = Type.String({ pattern: METER_NO_PATTERN })
const CardNo = Type.String({ pattern: CARD_NO_PATTERN })
const TariffName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
const Profile = Type.Union(PROFILES.map((p) => Type.Literal(p)))
const Ea = Type.Union(EAS.map((e) => Type.Literal(e)))
const Sgc = Type.String({ pattern: SGC_PATTERN })
const Krn = Type.Integer({ minimum: 1, maximum: 9 })

const CustomerSummary = Type.Object(
  { customerId: Type.String(), name: Type.String(), phone: Type.Union([Type.String(), Type.Null()]), accountIds: Type.Array(Type.String()), meterNos: Type.Array(Type.String()) },
  strict,
)
const CustomerDetail = Type.Object(
  {
    customerId: Type.String(),
    name: Type.String(),
    phone: Type.Union([Type.String(), Type.Null()]),
    createdAt: IsoTime,
    accounts: Type.Array(
      Type.Object(
        { accountId: Type.String(), status: Type.Union([Type.Literal('open'), Type.Literal('closed')]), walletFen: Type.Integer(), arrearsFen: Type.Integer(), tariffName: Type.String() },
        strict,
      ),
    ),
    meters: Type.Array(
      Type.Object(
        {
          meterNo: Type.String(),
          accountId: Type.String(),
          building: Type.String(),
          unitName: Type.String(),
          profile: Profile,
          lastCreditWh: Type.Union([Type.Integer(), Type.Null()]),
          removedAt: Type.Union([IsoTime, Type.Null()]),
        },
        strict,
      ),
    ),
    cards: Type.Array(
      Type.Object(
        {
          cardNo: Type.String(),
          accountId: Type.String(),
          blocked: Type.Boolean(),
          blockedAt: Type.Union([IsoTime, Type.Null()]),
          blockedReason: Type.Union([Type.String(), Type.Null()]),
          replacedBy: Type.Union([Type.String(), Type.Null()]),
        },
        strict,
      ),
    ),
    swaps: Type.Array(
      Type.Object({ oldMeterNo: Type.String(), newMeterNo: Type.String(), carriedCreditWh: Type.Integer(), reason: Type.String(), staffId: Type.String(), at: IsoTime }, strict),
    ),
  },
  strict,
)
const DeliveryState = Type.Union(['pending', 'sent', 'accepted', 'rejected', 'cancelled'].map((s) => Type.Literal(s)))
const VendView = Type.Object(
  {
    vendId: Type.String(),
    receiptNo: Type.String(),
    meterNo: Type.String(),
    paidAt: IsoTime,
    amountFen: Type.Integer(),
    energyWh: Type.Integer(),
    tokens: Type.Array(Type.String()),
    delivery: Type.Union([Type.Object({ state: DeliveryState, reason: Type.Union([Type.String(), Type.Null()]), updatedAt: IsoTime }, strict), Type.Null()]),
  },
  strict,
)
const PaymentView = Type.Object(
  {
    kind: Type.Union([Type.Literal('vend'), Type.Literal('refund'), Type.Literal('reversal')]),
    id: Type.String(),
    at: IsoTime,
    amountFen: Type.Integer(),
    kioskId: Type.Union([Type.String(), Type.Null()]),
    receiptNo: Type.Union([Type.String(), Type.Null()]),
    state: Type.String(),
  },
  strict,
)

const Limit = Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|100)$' }))
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))

const customerRoutes: FastifyPluginAsyncTypebox = (app) => {
  const as = (roles: readonly StaffRole[]) => ({ preValidation: app.verifyStaff(roles), config: { staffRoles: roles } })
  const actor = (req: { staff: { id: string } | null }) => ({ staffId: req.staff!.id, now: app.clock.now() })

  app.get(
    '/console/customers',
    {
      ...as(READERS),
      schema: {
        tags: ['console'],
        summary: 'Search customers by id, name, phone, account, meter or card number',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })), limit: Limit }, strict),
        response: { 200: Type.Array(CustomerSummary), ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    (req) => app.repo.searchCustomers({ text: req.query.q ?? '', limit: req.query.limit === undefined ? 50 : Number(req.query.limit) }),
  )

  app.post(
    '/console/customers',
    {
      ...as(EDITORS),
      schema: {
        tags: ['console'],
        summary: 'Create a customer with one account on a tariff',
        body: Type.Object({ customerId: Id, name: PersonName, phone: Type.Optional(Phone), accountId: Type.Optional(Id), tariffName: TariffName }, strict),
        response: { 201: CustomerDetail, ...errorResponses(400, 401, 403, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const b = req.body
      await app.repo.createCustomer({ customerId: b.customerId, name: b.name, phone: b.phone ?? null, accountId: b.accountId ?? defaultAccountId(b.customerId), tariffName: b.tariffName, ...actor(req) })
      return reply.code(201).send(await detail(b.customerId))
    },
  )

  async function detail(customerId: string) {
    const c = await app.repo.getCustomer(customerId)
    if (c === null) throw new Errors.notFound('No such customer')
    return {
      ...c,
      createdAt: iso(c.createdAt),
      meters: c.meters.map((m) => ({ ...m, removedAt: isoOrNull(m.removedAt) })),
      cards: c.cards.map((k) => ({ ...k, blockedAt: isoOrNull(k.blockedAt) })),
      swaps: c.swaps.map((s) => ({ ...s, at: iso(s.at) })),
    }
  }

  const CustomerParams = Type.Object({ customerId: Id }, strict)
  app.get(
    '/console/customers/:customerId',
    {
      ...as(READERS),
      schema: { tags: ['console'], summary: 'A customer: accounts with credit, meters, cards, meter swaps', params: CustomerParams, response: { 200: CustomerDetail, ...errorResponses(400, 401, 403, 404, 500, 503) } },
    },
    (req) => detail(req.params.customerId),
  )

  app.patch(
    '/console/customers/:customerId',
    {
      ...as(EDITORS),
      schema: {
        tags: ['console'],
        summary: "Edit a customer's name, phone or tariff",
        params: CustomerParams,
        body: Type.Object({ name: Type.Optional(PersonName), phone: Type.Optional(Type.Union([Phone, Type.Null()])), tariffName: Type.Optional(TariffName) }, { ...strict, minProperties: 1 }),
        response: { 200: CustomerDetail, ...errorResponses(400, 401, 403, 404, 422, 500, 503) },
      },
    },
    async (req) => {
      const b = req.body
      await app.repo.updateCustomer({
        customerId: req.params.customerId,
        ...(b.name === undefined ? {} : { name: b.name }),
        ...(b.phone === undefined ? {} : { phone: b.phone }),
        ...(b.tariffName === undefined ? {} : { tariffName: b.tariffName }),
        ...actor(req),
      })
      return detail(req.params.customerId)
    },
  )

  const AccountParams = Type.Object({ accountId: Id }, strict)
  app.get(
    '/console/accounts/:accountId/vends',
    {
      ...as(READERS),
      schema: {
        tags: ['console'],
        summary: "An account's vends, newest first, with their tokens and delivery state",
        params: AccountParams,
        querystring: Type.Object({ limit: Limit }, strict),
        response: { 200: Type.Array(VendView), ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req) => {
      const rows = await app.repo.recentVendsForAccount(req.params.accountId, req.query.limit === undefined ? 20 : Number(req.query.limit))
      return rows.map((v) => ({ ...v, paidAt: iso(v.paidAt), delivery: v.delivery === null ? null : { ...v.delivery, updatedAt: iso(v.delivery.updatedAt) } }))
    },
  )

  app.get(
    '/console/accounts/:accountId/payments',
    {
      ...as(READERS),
      schema: {
        tags: ['console'],
        summary: "An account's payment history: vends, refunds and reversals",
        params: AccountParams,
        querystring: Type.Object({ limit: Limit }, strict),
        response: { 200: Type.Array(PaymentView), ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req) => (await app.repo.paymentHistory(req.params.accountId, req.query.limit === undefined ? 50 : Number(req.query.limit))).map((p) => ({ ...p, at: iso(p.at) })),
  )

  app.post(
    '/console/meters',
    {
      ...as(METER_EDITORS),
      schema: {
        tags: ['console'],
        summary: 'Add a meter to an account (its supply group key must be in the security module)',
        body: Type.Object(
          { meterNo: MeterNo, accountId: Id, building: Type.String({ minLength: 1, maxLength: 100 }), unitName: Type.String({ minLength: 1, maxLength: 50 }), profile: Type.Optional(Profile), sgc: Type.Optional(Sgc), krn: Type.Optional(Krn), ea: Type.Optional(Ea) },
          strict,
        ),
        response: { 201: Ok, ...errorResponses(400, 401, 403, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const b = req.body
      const sgc = b.sgc ?? METER_KEY_DEFAULTS.sgc
      const krn = b.krn ?? METER_KEY_DEFAULTS.krn
      await app.repo.createMeter({
        ...METER_KEY_DEFAULTS,
        meterNo: b.meterNo,
        accountId: b.accountId,
        building: b.building,
        unitName: b.unitName,
        profile: b.profile ?? 'household',
        sgc,
        krn,
        ea: b.ea ?? METER_KEY_DEFAULTS.ea,
        vendingKeyId: vendingKeyIdFor(sgc, krn),
        ...actor(req),
      })
      return reply.code(201).send({ ok: true as const })
    },
  )

  app.post(
    '/console/meters/:meterNo/swap',
    {
      ...as(SWAPPERS),
      schema: {
        tags: ['console'],
        summary: "Swap a meter: the new one takes the old one's account and unit; the old one's credit is carried over",
        params: Type.Object({ meterNo: MeterNo }, strict),
        body: Type.Object({ newMeterNo: MeterNo, reason: Reason, sgc: Type.Optional(Sgc), krn: Type.Optional(Krn), ea: Type.Optional(Ea) }, strict),
        response: { 200: Type.Object({ swapId: Uuid, accountId: Type.String(), carriedCreditWh: Type.Integer({ minimum: 0 }) }, strict), ...errorResponses(400, 401, 403, 404, 409, 422, 500, 503) },
      },
    },
    async (req) => {
      const b = req.body
      const a = actor(req)
      const sgc = b.sgc ?? METER_KEY_DEFAULTS.sgc
      const krn = b.krn ?? METER_KEY_DEFAULTS.krn
      const swapId = uuidv7(a.now)
      const r = await app.repo.swapMeter({
        swapId,
        oldMeterNo: req.params.meterNo,
        newMeter: { ...METER_KEY_DEFAULTS, meterNo: b.newMeterNo, sgc, krn, ea: b.ea ?? METER_KEY_DEFAULTS.ea, vendingKeyId: vendingKeyIdFor(sgc, krn) },
        reason: b.reason,
        ...a,
      })
      req.log.info({ swapId, oldMeterNo: req.params.meterNo, newMeterNo: b.newMeterNo, carriedCreditWh: r.carriedCreditWh }, 'meter swapped')
      return { swapId, ...r }
    },
  )

  const CardParams = Type.Object({ cardNo: CardNo }, strict)
  app.post(
    '/console/cards/:cardNo/block',
    {
      ...as(EDITORS),
      schema: { tags: ['console'], summary: 'Block a card (lost or stolen)', params: CardParams, body: Type.Object({ reason: Reason }, strict), response: { 200: Ok, ...errorResponses(400, 401, 403, 404, 409, 500, 503) } },
    },
    async (req) => {
      await app.repo.blockCard({ cardNo: req.params.cardNo, reason: req.body.reason, ...actor(req) })
      return { ok: true as const }
    },
  )

  app.post(
    '/console/cards/:cardNo/replace',
    {
      ...as(EDITORS),
      schema: {
        tags: ['console'],
        summary: 'Block a lost card and issue its replacement on the same account',
        params: CardParams,
        body: Type.Object({ newCardNo: CardNo, reason: Reason }, strict),
        response: { 200: Ok, ...errorResponses(400, 401, 403, 404, 409, 500, 503) },
      },
    },
    async (req) => {
      await app.repo.replaceCard({ cardNo: req.params.cardNo, newCardNo: req.body.newCardNo, reason: req.body.reason, ...actor(req) })
      return { ok: true as const }
    },
  )

  const VendParams = Type.Object({ vendId: Uuid }, strict)
  app.post(
    '/console/vends/:vendId/reprint',
    {
      ...as(REPRINTERS),
      schema: { tags: ['console'], summary: 'The stored vend for a reprint: the same tokens, never a new one', params: VendParams, response: { 200: VendResponse, ...errorResponses(400, 401, 403, 404, 500, 503) } },
    },
    async (req) => {
      const v = await app.repo.getVend(req.params.vendId)
      if (v === null) throw new Errors.notFound('No such vend')
      await app.repo.appendAudit({ at: app.clock.now(), actor: `staff:${req.staff!.id}`, action: 'vend.reprinted', details: { vendId: v.vendId, receiptNo: v.response.receiptNo } })
      return v.response
    },
  )

  app.post(
    '/console/vends/:vendId/resend',
    {
      ...as(EDITORS),
      schema: { tags: ['console'], summary: "Send the vend's stored token to its meter again", params: VendParams, response: { 200: Ok, ...errorResponses(400, 401, 403, 404, 409, 500, 503) } },
    },
    async (req) => {
      await app.repo.requeueDelivery({ vendId: req.params.vendId, ...actor(req) })
      app.meterLink?.worker.kick()
      return { ok: true as const }
    },
  )
  return Promise.resolve()
}

export default customerRoutes
