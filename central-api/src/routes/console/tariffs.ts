/**
 * Tariffs and their versions: each version is in force from its effective date until the next
 * one. A new version may start now or later, never in the past (vends already priced stay priced).
 *
 *   GET  /api/v1/console/tariffs
 *   POST /api/v1/console/tariffs/versions   { tariffName, effectiveFrom, definition }
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { checkTariffDefinition, TariffDefinition } from '@gridtill/shared'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { IsoTime, iso, strict } from './schemas.ts'

const READERS: readonly StaffRole[] = ['admin', 'support', 'cashier', 'auditor']
const EDITORS: readonly StaffRole[] = ['admin']
/** A version "now" may be a few seconds old by the time it arrives. */
const PAST_SLACK_MS = 60_000

const VersionView = Type.Object(
  { versionId: Type.Integer(), tariffName: Type.String(), effectiveFrom: IsoTime, createdAt: IsoTime, inForce: Type.Boolean(), accounts: Type.Integer(), definition: TariffDefinition },
  strict,
)
const NewVersion = Type.Object({ tariffName: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }), effectiveFrom: IsoTime, definition: TariffDefinition }, strict)

const tariffRoutes: FastifyPluginAsyncTypebox = (app) => {
  app.get(
    '/console/tariffs',
    {
      preValidation: app.verifyStaff(READERS),
      config: { staffRoles: READERS },
      schema: { tags: ['console'], summary: 'Every tariff version, newest first per tariff, marking the one in force', response: { 200: Type.Array(VersionView), ...errorResponses(401, 403, 500, 503) } },
    },
    async () => {
      const now = app.clock.now()
      const rows = await app.repo.listTariffVersions()
      const inForce = new Map<string, number>()
      for (const r of rows) if (r.effectiveFrom <= now && !inForce.has(r.tariffName)) inForce.set(r.tariffName, r.versionId)
      return rows.map((r) => ({
        versionId: r.versionId,
        tariffName: r.tariffName,
        effectiveFrom: iso(r.effectiveFrom),
        createdAt: iso(r.createdAt),
        inForce: inForce.get(r.tariffName) === r.versionId,
        accounts: r.accounts,
        definition: JSON.parse(r.definition) as TariffDefinition,
      }))
    },
  )

  app.post(
    '/console/tariffs/versions',
    {
      preValidation: app.verifyStaff(EDITORS),
      config: { staffRoles: EDITORS },
      schema: {
        tags: ['console'],
        summary: 'Add a tariff version effective from a date (creates the tariff if new)',
        body: NewVersion,
        response: { 201: Type.Object({ versionId: Type.Integer() }, strict), ...errorResponses(400, 401, 403, 409, 422, 500, 503) },
      },
    },
    async (req, reply) => {
      const now = app.clock.now()
      const from = Date.parse(req.body.effectiveFrom)
      if (from < now - PAST_SLACK_MS) throw new Errors.consoleUnprocessable('A tariff version cannot start in the past')
      const check = checkTariffDefinition(req.body.definition)
      if (!check.ok) throw new Errors.consoleUnprocessable(check.message)
      if ((await app.repo.listTariffVersions()).some((v) => v.tariffName === req.body.tariffName && v.effectiveFrom === from)) {
        throw new Errors.consoleConflict('This tariff already has a version from that moment')
      }
      const versionId = await app.repo.putTariffVersion({ tariffName: req.body.tariffName, effectiveFrom: from, definition: check.tariff, actor: `staff:${req.staff!.id}`, now })
      return reply.code(201).send({ versionId })
    },
  )
  return Promise.resolve()
}

export default tariffRoutes
