/**
 * Usage analytics for the back office (issue 10): consumption views, load profiles, top consumers,
 * comparisons, forecasts with their measured error, anomaly alerts with evidence, 公摊 statements
 * and residents' advice. Read by admin, support and auditor; alerts acknowledged by admin and
 * support (audited). Every table also comes as CSV (`format=csv`: RFC 4180, UTF-8 BOM, headers in
 * Chinese and English).
 *
 *   GET  /api/v1/console/analytics/scopes
 *   GET  /api/v1/console/analytics/consumption    level, within, from, to, granularity
 *   GET  /api/v1/console/analytics/profile        within, from, to
 *   GET  /api/v1/console/analytics/top            level, within, from, to, limit
 *   GET  /api/v1/console/analytics/comparison     level, within, from, to
 *   GET  /api/v1/console/analytics/forecasts/days-left   within
 *   GET  /api/v1/console/analytics/forecasts/sales       site, weeks
 *   GET  /api/v1/console/analytics/alerts         state, limit
 *   POST /api/v1/console/analytics/alerts/:alertId/acknowledge   { note }
 *   GET  /api/v1/console/analytics/allocation     site, month
 *   GET  /api/v1/console/analytics/advice         meterNo
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import { toCsv, type CsvColumn, type CsvValue } from '../../analytics-service/csv.ts'
import { AnalyticsService, type DayRange } from '../../analytics-service/service.ts'
import { addDays } from '../../analytics-service/tables.ts'
import { Errors, errorResponses } from '../../errors.ts'
import type { StaffRole } from '../../storage/repository.ts'
import { AdviceView, AlertView, AllocationView, ComparisonView, ConsumptionView, Day, Level, MeterNo, Month, ProfileView, RunwayView, SalesView, ScopesView, TopView, strict } from './views.ts'

const READERS: StaffRole[] = ['admin', 'support', 'auditor']
const ACKERS: StaffRole[] = ['admin', 'support']
const MAX_RANGE_DAYS = 400

const Within = Type.String({
  maxLength: 300,
  description: "'' (everything), a site, 'site/building', 'site/building/unit' or a meter number",
})
const Format = Type.Union([Type.Literal('json'), Type.Literal('csv')], {
  description: 'csv: RFC 4180, UTF-8 with BOM, bilingual headers',
})
const Digits = (max: number) =>
  Type.String({ pattern: `^[1-9][0-9]{0,${String(max).length - 1}}$` })
const RangeQuery = {
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  format: Type.Optional(Format),
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const kwh = (wh: number | null): number | null => (wh === null ? null : Math.round(wh) / 1000)

function csv(
  reply: FastifyReply,
  name: string,
  columns: CsvColumn[],
  rows: CsvValue[][],
): FastifyReply {
  const file = `gridtill-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file}"`)
    .send(toCsv(columns, rows))
}

const C = (zh: string, en: string): CsvColumn => ({ zh, en })

function docs<Q extends TSchema, R extends TSchema>(summary: string, querystring: Q, ok: R) {
  return {
    tags: ['analytics'],
    summary,
    description:
      'Roles: admin, support, auditor. With format=csv the table comes as text/csv (RFC 4180, UTF-8 with BOM, headers in Chinese and English).',
    querystring,
    response: { 200: ok, ...errorResponses(400, 401, 403, 404) },
  }
}

const analyticsRoutes: FastifyPluginAsyncTypebox = (app) => {
  const service = new AnalyticsService(app.repo, app.clock, app.config.timeZone)
  const guard = { preValidation: app.verifyStaff(READERS), config: { staffRoles: READERS } }

  /** from/to with defaults (the last `days` complete days), checked. */
  const range = (q: { from?: string; to?: string }, days: number): DayRange => {
    const to = q.to ?? service.yesterday()
    const from = q.from ?? addDays(to, -(days - 1))
    const span = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1
    if (!Number.isFinite(span) || span < 1) throw new Errors.validation('from must not be after to')
    if (span > MAX_RANGE_DAYS)
      throw new Errors.validation(`a range spans at most ${MAX_RANGE_DAYS} days`)
    return { from, to }
  }

  app.get(
    '/console/analytics/scopes',
    {
      ...guard,
      schema: docs(
        'Sites, buildings, units and meters to pick from, and the days with data',
        Type.Object({}, strict),
        ScopesView,
      ),
    },
    async () => {
      await service.refresh()
      return service.scopes()
    },
  )

  app.get(
    '/console/analytics/consumption',
    {
      ...guard,
      schema: docs(
        'Consumption per meter, unit, building or site: daily, weekly (ISO) or monthly totals with their data coverage',
        Type.Object(
          {
            level: Type.Optional(Level),
            within: Type.Optional(Within),
            granularity: Type.Optional(
              Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
            ),
            ...RangeQuery,
          },
          strict,
        ),
        ConsumptionView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const q = req.query
      const v = await service.consumption({
        level: q.level ?? 'building',
        within: q.within ?? '',
        granularity: q.granularity ?? 'day',
        ...range(q, 30),
      })
      if (q.format !== 'csv') return v
      const rows: CsvValue[][] = []
      for (const r of v.rows)
        v.periods.forEach((p, i) =>
          rows.push([r.key, p, kwh(r.values[i]!), Math.round(r.coverage[i]! * 1000) / 10]),
        )
      return csv(
        reply,
        `consumption-${v.level}-${v.granularity}-${v.from}_${v.to}`,
        [
          C('对象', 'Key'),
          C('期间', 'Period'),
          C('用电量(千瓦时)', 'Energy (kWh)'),
          C('数据完整度(%)', 'Coverage (%)'),
        ],
        rows,
      )
    },
  )

  app.get(
    '/console/analytics/profile',
    {
      ...guard,
      schema: docs(
        'Hourly load profile (average W by local hour, weekdays and weekends) of a scope',
        Type.Object({ within: Type.Optional(Within), ...RangeQuery }, strict),
        ProfileView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const q = req.query
      const v = await service.profile({ within: q.within ?? '', ...range(q, 28) })
      if (q.format !== 'csv') return v
      return csv(
        reply,
        `profile-${v.from}_${v.to}`,
        [
          C('小时', 'Hour'),
          C('工作日平均功率(瓦)', 'Weekday average (W)'),
          C('周末平均功率(瓦)', 'Weekend average (W)'),
        ],
        v.weekdayW.map((w, h) => [`${String(h).padStart(2, '0')}:00`, w, v.weekendW[h] ?? null]),
      )
    },
  )

  app.get(
    '/console/analytics/top',
    {
      ...guard,
      schema: docs(
        'Top consumers (meters, units or buildings) over a period, with their share of the scope',
        Type.Object(
          {
            level: Type.Optional(
              Type.Union([Type.Literal('meter'), Type.Literal('unit'), Type.Literal('building')]),
            ),
            within: Type.Optional(Within),
            limit: Type.Optional(Digits(100)),
            ...RangeQuery,
          },
          strict,
        ),
        TopView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const q = req.query
      const r = range(q, 30)
      const rows = await service.top({
        level: q.level ?? 'unit',
        within: q.within ?? '',
        limit: Math.min(100, Number(q.limit ?? '10')),
        ...r,
      })
      if (q.format !== 'csv') return { ...r, rows }
      return csv(
        reply,
        `top-${r.from}_${r.to}`,
        [
          C('排名', 'Rank'),
          C('对象', 'Key'),
          C('用电量(千瓦时)', 'Energy (kWh)'),
          C('占比(%)', 'Share (%)'),
          C('数据完整度(%)', 'Coverage (%)'),
        ],
        rows.map((x, i) => [
          i + 1,
          x.key,
          kwh(x.wh),
          x.sharePct,
          Math.round(x.coverage * 1000) / 10,
        ]),
      )
    },
  )

  app.get(
    '/console/analytics/comparison',
    {
      ...guard,
      schema: docs(
        'Each row against the period of the same length just before, and (meters, units) against similar ones: same profile and floor-area band, at least 10 of them',
        Type.Object(
          { level: Type.Optional(Level), within: Type.Optional(Within), ...RangeQuery },
          strict,
        ),
        ComparisonView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const q = req.query
      const v = await service.comparison({
        level: q.level ?? 'unit',
        within: q.within ?? '',
        ...range(q, 30),
      })
      if (q.format !== 'csv') return v
      return csv(
        reply,
        `comparison-${v.current.from}_${v.current.to}`,
        [
          C('对象', 'Key'),
          C('本期(千瓦时)', 'This period (kWh)'),
          C('上期(千瓦时)', 'Previous period (kWh)'),
          C('变化(%)', 'Change (%)'),
          C('可比', 'Comparable'),
          C('同类组', 'Peer class'),
          C('同类数', 'Peers'),
          C('同类中位数(千瓦时)', 'Peer median (kWh)'),
          C('百分位', 'Percentile'),
        ],
        v.rows.map((r) => [
          r.key,
          kwh(r.currentWh),
          kwh(r.previousWh),
          r.changePct,
          r.comparable,
          r.peer?.peerClass,
          r.peer?.peers,
          kwh(r.peer?.medianWh ?? null),
          r.peer?.percentile,
        ]),
      )
    },
  )

  app.get(
    '/console/analytics/forecasts/days-left',
    {
      ...guard,
      schema: docs(
        'Days of credit left per meter, with an 80 % band and the method',
        Type.Object({ within: Type.Optional(Within), format: Type.Optional(Format) }, strict),
        RunwayView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const v = await service.runway({ within: req.query.within ?? '' })
      if (req.query.format !== 'csv') return v
      return csv(
        reply,
        `days-left-${v.asOf}`,
        [
          C('电表号', 'Meter'),
          C('房号', 'Unit'),
          C('剩余电量(千瓦时)', 'Credit (kWh)'),
          C('日均用电(千瓦时)', 'Expected daily use (kWh)'),
          C('预计可用天数', 'Days left'),
          C('80%区间下限', '80% band low'),
          C('80%区间上限', '80% band high'),
          C('简单估算天数', 'Days left (simple average)'),
          C('状态', 'Status'),
        ],
        v.rows.map((r) => [
          r.meterNo,
          r.unit,
          kwh(r.creditWh),
          kwh(r.expectedDailyWh),
          r.days,
          r.low,
          r.high,
          r.daysLeftSimple,
          r.status,
        ]),
      )
    },
  )

  app.get(
    '/console/analytics/forecasts/sales',
    {
      ...guard,
      schema: docs(
        'Expected sales of a site for the coming weeks, with the method and its error on the last 4 weeks held out (against "same as last week")',
        Type.Object(
          {
            site: Type.Optional(Type.String({ maxLength: 200 })),
            weeks: Type.Optional(Digits(12)),
            format: Type.Optional(Format),
          },
          strict,
        ),
        SalesView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const site = req.query.site ?? (await service.scopes()).sites[0]?.key
      if (site === undefined) throw new Errors.notFound('No site has data')
      const weeks = Math.min(12, Number(req.query.weeks ?? '4'))
      let v
      try {
        v = await service.sales({ site, weeks })
      } catch (e) {
        if (e instanceof RangeError)
          throw new Errors.validation(`Not enough history for a forecast: ${e.message}`)
        throw e
      }
      if (req.query.format !== 'csv') return v
      return csv(
        reply,
        `sales-forecast-${v.weeks[0]?.weekStart ?? ''}`,
        [
          C('周起始日', 'Week starting'),
          C('预计售电量(千瓦时)', 'Expected energy (kWh)'),
          C('预计售电额(元)', 'Expected sales (yuan)'),
          C('方法', 'Method'),
          C('留出期MAPE(%)', 'Held-out MAPE (%)'),
          C('基准MAPE(%)', 'Naive MAPE (%)'),
        ],
        v.weeks.map((w) => [
          w.weekStart,
          kwh(w.energyWh),
          w.amountFen === null ? null : w.amountFen / 100,
          v.method,
          v.holdout.mapePct,
          v.holdout.naiveMapePct,
        ]),
      )
    },
  )

  const toAlertView = (a: Awaited<ReturnType<AnalyticsService['alerts']>>[number]) => ({
    id: a.id,
    kind: a.kind,
    meterNo: a.meterNo,
    unit: a.unit,
    severity: a.severity,
    from: iso(a.fromMs)!,
    to: iso(a.toMs)!,
    evidence: a.evidence as Record<string, number | string | boolean | null>,
    firstSeenAt: iso(a.firstSeenAt)!,
    lastSeenAt: iso(a.lastSeenAt)!,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: iso(a.acknowledgedAt),
    ackNote: a.ackNote,
  })

  app.get(
    '/console/analytics/alerts',
    {
      ...guard,
      schema: docs(
        'Usage anomalies (sudden drop or rise, zero with the relay closed, silent meter), each with its evidence',
        Type.Object(
          {
            state: Type.Optional(
              Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('all')]),
            ),
            limit: Type.Optional(Digits(500)),
            format: Type.Optional(Format),
          },
          strict,
        ),
        Type.Array(AlertView),
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const alerts = (
        await service.alerts({
          state: req.query.state ?? 'open',
          limit: Math.min(500, Number(req.query.limit ?? '100')),
        })
      ).map(toAlertView)
      if (req.query.format !== 'csv') return alerts
      return csv(
        reply,
        `alerts-${req.query.state ?? 'open'}`,
        [
          C('类型', 'Kind'),
          C('严重度', 'Severity'),
          C('电表号', 'Meter'),
          C('房号', 'Unit'),
          C('开始', 'From'),
          C('截至', 'To'),
          C('基线(千瓦时)', 'Baseline (kWh)'),
          C('实际(千瓦时)', 'Observed (kWh)'),
          C('比值', 'Ratio'),
          C('证据', 'Evidence'),
          C('确认人', 'Acknowledged by'),
          C('备注', 'Note'),
        ],
        alerts.map((a) => [
          a.kind,
          a.severity,
          a.meterNo,
          a.unit,
          a.from,
          a.to,
          kwh(Number(a.evidence.baselineWh)),
          kwh(Number(a.evidence.observedWh)),
          a.evidence.ratio,
          JSON.stringify(a.evidence),
          a.acknowledgedBy,
          a.ackNote,
        ]),
      )
    },
  )

  app.post(
    '/console/analytics/alerts/:alertId/acknowledge',
    {
      preValidation: app.verifyStaff(ACKERS),
      config: { staffRoles: ACKERS },
      schema: {
        tags: ['analytics'],
        summary: 'Acknowledge a usage alert with a note (audited)',
        params: Type.Object(
          { alertId: Type.String({ pattern: '^[A-Za-z]{1,32}:[0-9A-Za-z]{1,32}:-?[0-9]{1,16}$' }) },
          strict,
        ),
        body: Type.Object(
          { note: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) },
          strict,
        ),
        response: { 200: AlertView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const staff = req.staff
      if (staff === null) throw new Errors.staffUnauthenticated()
      const a = await service.acknowledge({
        id: req.params.alertId,
        staffId: staff.id,
        note: req.body.note,
      })
      if (a === null) throw new Errors.notFound('No such alert')
      const [view] = (await service.alerts({ state: 'all', limit: 500 })).filter(
        (x) => x.id === a.id,
      )
      return toAlertView(view ?? { ...a, unit: null })
    },
  )

  app.get(
    '/console/analytics/allocation',
    {
      ...guard,
      schema: docs(
        '公摊 statement: common-area meters’ energy of a month allocated to units by floor area, consumption share or a mix',
        Type.Object(
          {
            site: Type.Optional(Type.String({ maxLength: 200 })),
            month: Type.Optional(Month),
            format: Type.Optional(Format),
          },
          strict,
        ),
        AllocationView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const site = req.query.site ?? (await service.scopes()).sites[0]?.key
      if (site === undefined) throw new Errors.notFound('No site has data')
      const v = await service.allocation({ site, month: req.query.month ?? service.lastMonth() })
      if (req.query.format !== 'csv') return v
      const rows: CsvValue[][] = []
      for (const l of v.lines)
        for (const p of l.parts)
          rows.push([
            l.unit,
            l.areaM2,
            kwh(l.ownWh),
            p.meterNo,
            p.basis,
            p.sharePct,
            kwh(p.energyWh),
            kwh(l.sharedWh),
          ])
      return csv(
        reply,
        `allocation-${v.month}`,
        [
          C('房号', 'Unit'),
          C('面积(平方米)', 'Area (m²)'),
          C('自用电量(千瓦时)', 'Own use (kWh)'),
          C('公共电表', 'Common meter'),
          C('分摊方式', 'Basis'),
          C('分摊比例(%)', 'Share (%)'),
          C('分摊电量(千瓦时)', 'Allocated (kWh)'),
          C('公摊合计(千瓦时)', 'Total shared (kWh)'),
        ],
        rows,
      )
    },
  )

  app.get(
    '/console/analytics/advice',
    {
      ...guard,
      schema: docs(
        'Plain-language advice for a resident’s meter (zh-CN and en), each backed by the figures shown',
        Type.Object({ meterNo: MeterNo, format: Type.Optional(Format) }, strict),
        AdviceView,
      ),
    },
    async (req, reply) => {
      await service.refresh()
      const v = await service.advice({ meterNo: req.query.meterNo })
      if (v === null) throw new Errors.meterUnknown()
      if (req.query.format !== 'csv') return v
      return csv(
        reply,
        `advice-${v.meterNo}`,
        [
          C('电表号', 'Meter'),
          C('级别', 'Level'),
          C('类别', 'Code'),
          C('建议', 'Advice (zh-CN)'),
          C('建议(英文)', 'Advice (en)'),
          C('数据', 'Figures'),
        ],
        v.advice.map((a) => [
          v.meterNo,
          a.level,
          a.code,
          a.text['zh-CN'],
          a.text.en,
          JSON.stringify(a.figures),
        ]),
      )
    },
  )

  return Promise.resolve()
}

export default analyticsRoutes
