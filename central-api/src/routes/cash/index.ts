/**
 * Cashier reconciliation (staff; cashier and admin act, auditors read):
 *
 *   GET  /api/v1/console/cash/collections?state=&limit=         collections, newest first
 *   GET  /api/v1/console/cash/collections/:collectionId         expected, counted, credited, variance
 *   POST /api/v1/console/cash/collections/:collectionId/count   { counts, suspects, reason? }
 *   POST /api/v1/console/cash/collections/:collectionId/approve a second staff member posts the over/short
 *   POST /api/v1/console/cash/collections/:collectionId/reject  { note } → counted again
 *   GET  /api/v1/console/cash/deposits
 *   POST /api/v1/console/cash/deposits                          { slipNo, collectionIds }
 *   GET  /api/v1/console/cash/z-report?day=&shift=&groupBy=&format=json|csv|pdf
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { NoteValueFen, Uuid, uuidv7 } from '@gridtill/shared'
import { zReportCsv } from '../../cash/csv.ts'
import { FontMissingError, zReportPdf } from '../../cash/pdf.ts'
import { buildZReport, businessDay, SHIFTS, shiftWindow, type Shift } from '../../cash/z-report.ts'
import { Errors, errorResponses } from '../../errors.ts'
import type {
  CollectionRecord,
  CollectionState,
  DepositRecord,
} from '../../storage/cash-repository.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { CollectionView, DepositView, State, strict, ZReportView } from './views.ts'

const Text = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' })

const ACTORS: readonly StaffRole[] = ['cashier', 'admin']
const READERS: readonly StaffRole[] = ['cashier', 'admin', 'auditor']

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

function view(c: CollectionRecord): CollectionView {
  return {
    collectionId: c.collectionId,
    cycleId: c.cycleId,
    kioskId: c.kioskId,
    kioskName: c.kioskName,
    cashCycle: c.cashCycle,
    sealNo: c.sealNo,
    openedAt: iso(c.openedAt),
    closedAt: iso(c.closedAt),
    staffCardNo: c.staffCardNo,
    noteCount: c.noteCount,
    receivedAt: iso(c.receivedAt),
    state: c.state,
    expectedFen: c.expectedFen,
    countedFen: c.countedFen,
    creditedFen: c.creditedFen,
    lateCreditedFen: c.lateCreditedFen,
    varianceFen: c.countedFen === null ? null : c.countedFen - c.expectedFen,
    countedBy: c.countedBy,
    countedByName: c.countedByName,
    countedAt: isoOrNull(c.countedAt),
    varianceReason: c.varianceReason,
    approvedBy: c.approvedBy,
    approvedByName: c.approvedByName,
    approvedAt: isoOrNull(c.approvedAt),
    reconciledAt: isoOrNull(c.reconciledAt),
    depositId: c.depositId,
    denominations: c.denominations,
    suspectNotes: c.suspectNotes.map((s) => ({
      noteId: s.noteId,
      valueFen: s.valueFen,
      at: iso(s.at),
      reason: s.reason,
      resolution: s.resolution,
      resolvedBy: s.resolvedBy,
    })),
  }
}

function depositView(d: DepositRecord): Static<typeof DepositView> {
  return {
    depositId: d.depositId,
    slipNo: d.slipNo,
    amountFen: d.amountFen,
    createdBy: d.createdBy,
    createdAt: iso(d.createdAt),
    collectionIds: d.collectionIds,
  }
}

const CollectionParams = Type.Object({ collectionId: Uuid }, strict)
const ListQuery = Type.Object(
  {
    state: Type.Optional(State),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })),
  },
  strict,
)
const CountBody = Type.Object(
  {
    counts: Type.Array(
      Type.Object(
        { valueFen: NoteValueFen, count: Type.Integer({ minimum: 0, maximum: 100_000 }) },
        strict,
      ),
      { maxItems: 6 },
    ),
    suspects: Type.Array(
      Type.Object(
        { noteId: Uuid, resolution: Type.Union([Type.Literal('genuine'), Type.Literal('absent')]) },
        strict,
      ),
      { maxItems: 1000 },
    ),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  strict,
)
const RejectBody = Type.Object({ note: Text }, strict)
const DepositBody = Type.Object(
  {
    slipNo: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9-]+$' }),
    collectionIds: Type.Array(Uuid, { minItems: 1, maxItems: 200 }),
  },
  strict,
)
const ZQuery = Type.Object(
  {
    day: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' })),
    shift: Type.Optional(Type.Union(SHIFTS.map((s) => Type.Literal(s)))),
    groupBy: Type.Optional(Type.Union([Type.Literal('cashier'), Type.Literal('kiosk')])),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('pdf')]),
    ),
  },
  strict,
)
const cashRoutes: FastifyPluginAsyncTypebox = (app) => {
  const staffId = (id: string | undefined): string => {
    if (id === undefined) throw new Errors.staffUnauthenticated()
    return id
  }
  const read = { preValidation: app.verifyStaff(READERS), config: { staffRoles: READERS } }
  const act = { preValidation: app.verifyStaff(ACTORS), config: { staffRoles: ACTORS } }
  const tags = ['cash']

  app.get(
    '/console/cash/collections',
    {
      ...read,
      schema: {
        tags,
        summary: 'Collections from kiosks, newest first (filter by state)',
        querystring: ListQuery,
        response: { 200: Type.Array(CollectionView), ...errorResponses(400, 401, 403, 500) },
      },
    },
    async (req) => {
      const states: CollectionState[] = req.query.state === undefined ? [] : [req.query.state]
      const rows = await app.repo.listCollections({
        states,
        limit: Number(req.query.limit ?? '200'),
      })
      return rows.map(view)
    },
  )

  app.get(
    '/console/cash/collections/:collectionId',
    {
      ...read,
      schema: {
        tags,
        summary: 'One collection: expected, counted and credited by denomination, suspect notes',
        params: CollectionParams,
        response: { 200: CollectionView, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const c = await app.repo.getCollection(req.params.collectionId)
      if (c === null) throw new Errors.notFound('No such collection')
      return view(c)
    },
  )

  app.post(
    '/console/cash/collections/:collectionId/count',
    {
      ...act,
      schema: {
        tags,
        summary:
          'Enter the counted notes by denomination and resolve suspect notes (an over/short needs a reason and approval)',
        params: CollectionParams,
        body: CountBody,
        response: { 200: CollectionView, ...errorResponses(400, 401, 403, 404, 409, 422, 500) },
      },
    },
    async (req) => {
      const c = await app.repo.countCollection({
        collectionId: req.params.collectionId,
        staffId: staffId(req.staff?.id),
        counts: req.body.counts,
        suspects: req.body.suspects,
        reason: req.body.reason ?? null,
        now: app.clock.now(),
      })
      req.log.info(
        {
          collectionId: c.collectionId,
          countedFen: c.countedFen,
          expectedFen: c.expectedFen,
          state: c.state,
        },
        'collection counted',
      )
      return view(c)
    },
  )

  app.post(
    '/console/cash/collections/:collectionId/approve',
    {
      ...act,
      schema: {
        tags,
        summary:
          'Approve an over/short (a staff member other than the one who counted): posts it and reconciles',
        params: CollectionParams,
        response: { 200: CollectionView, ...errorResponses(400, 401, 403, 404, 409, 500) },
      },
    },
    async (req) => {
      const c = await app.repo.approveCollection({
        collectionId: req.params.collectionId,
        staffId: staffId(req.staff?.id),
        now: app.clock.now(),
      })
      req.log.info(
        { collectionId: c.collectionId, varianceFen: (c.countedFen ?? 0) - c.expectedFen },
        'over/short approved',
      )
      return view(c)
    },
  )

  app.post(
    '/console/cash/collections/:collectionId/reject',
    {
      ...act,
      schema: {
        tags,
        summary: 'Send a count back to be counted again',
        params: CollectionParams,
        body: RejectBody,
        response: { 200: CollectionView, ...errorResponses(400, 401, 403, 404, 409, 500) },
      },
    },
    async (req) =>
      view(
        await app.repo.rejectCount({
          collectionId: req.params.collectionId,
          staffId: staffId(req.staff?.id),
          note: req.body.note,
          now: app.clock.now(),
        }),
      ),
  )

  app.get(
    '/console/cash/deposits',
    {
      ...read,
      schema: {
        tags,
        summary: 'Bank deposits, newest first',
        response: { 200: Type.Array(DepositView), ...errorResponses(401, 403, 500) },
      },
    },
    async () => (await app.repo.listDeposits(200)).map(depositView),
  )

  app.post(
    '/console/cash/deposits',
    {
      ...act,
      schema: {
        tags,
        summary: 'Batch reconciled collections into one bank deposit with its slip number',
        body: DepositBody,
        response: { 200: DepositView, ...errorResponses(400, 401, 403, 404, 409, 500) },
      },
    },
    async (req) => {
      const d = await app.repo.createDeposit({
        depositId: uuidv7(app.clock.now()),
        slipNo: req.body.slipNo,
        collectionIds: req.body.collectionIds,
        staffId: staffId(req.staff?.id),
        now: app.clock.now(),
      })
      req.log.info(
        { depositId: d.depositId, slipNo: d.slipNo, amountFen: d.amountFen },
        'bank deposit recorded',
      )
      return depositView(d)
    },
  )

  app.get(
    '/console/cash/z-report',
    {
      ...read,
      schema: {
        tags,
        summary:
          'Day or shift Z-report per cashier or per kiosk (business day in the deployment time zone); JSON, CSV or PDF',
        querystring: ZQuery,
        response: { 200: ZReportView, ...errorResponses(400, 401, 403, 500, 503) },
      },
    },
    async (req, reply) => {
      const now = app.clock.now()
      const tz = app.config.timeZone
      const day = req.query.day ?? businessDay(now, tz)
      const shift: Shift = req.query.shift ?? 'day'
      const groupBy = req.query.groupBy ?? 'cashier'
      const { from, to } = shiftWindow(day, shift, tz)
      const collections = await app.repo.collectionsCountedBetween(from, to)
      const names = new Map<string, string>()
      for (const c of collections)
        if (c.countedBy !== null) names.set(c.countedBy, c.countedByName ?? c.countedBy)
      const report = buildZReport({
        day,
        shift,
        groupBy,
        timeZone: tz,
        generatedAt: now,
        collections,
        staffNames: names,
      })
      const base = `z-report-${day}-${shift}-${groupBy}`
      const format = req.query.format ?? 'json'
      if (format !== 'json') {
        // A report leaving the system (a file) is a staff action like any other: audited.
        await app.repo.appendAudit({
          at: now,
          actor: `staff:${staffId(req.staff?.id)}`,
          action: 'cash.zReportExported',
          details: {
            day,
            shift,
            groupBy,
            format,
            collections: report.totals.collections,
            countedFen: report.totals.countedFen,
          },
        })
      }
      if (format === 'csv') {
        return (
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${base}.csv"`)
            // Strings and buffers bypass the JSON response schema; only the type says otherwise.
            .send(zReportCsv(report) as never)
        )
      }
      if (format === 'pdf') {
        let pdf: Buffer
        try {
          pdf = await zReportPdf(report)
        } catch (e) {
          if (e instanceof FontMissingError) {
            req.log.error({ err: e }, e.message)
            throw new Errors.exportFontMissing(e.message)
          }
          throw e
        }
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="${base}.pdf"`)
          .send(pdf as never)
      }
      return {
        ...report,
        from: iso(report.from),
        to: iso(report.to),
        generatedAt: iso(report.generatedAt),
        lines: report.lines.map((l) => ({ ...l, countedAt: iso(l.countedAt) })),
      }
    },
  )
  return Promise.resolve()
}

export default cashRoutes
