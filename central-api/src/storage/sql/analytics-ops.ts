/** SQL of the analytics store (analytics-repository.ts), written once for both engines. */
import type {
  AnalyticsHistoryPlan,
  CommonMeterRecord,
  DailyEnergy,
  EstateMeter,
  HourlyEnergy,
  MeterAnalyticsState,
  RollupWrite,
  UsageAlertInput,
  UsageAlertRecord,
} from '../analytics-repository.ts'
import type { MeterProfile, ReadingRecord } from '../repository.ts'
import { appendAudit } from './common-ops.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'

/** Rows per multi-row statement: 10 000 parameters at most, under both engines’ limits (SQLite 32 766, PostgreSQL 65 535). */
const CHUNK = 2000

function* insertMany<T>(
  head: string,
  tail: string,
  columns: number,
  rows: readonly T[],
  values: (r: T) => SqlValue[],
): Gen<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK)
    const one = `(${Array.from({ length: columns }, () => '?').join(', ')})`
    const params: SqlValue[] = []
    for (const r of part) params.push(...values(r))
    yield* run(
      `${head} VALUES ${Array.from({ length: part.length }, () => one).join(', ')} ${tail}`,
      params,
    )
  }
}

const HOURLY_UPSERT = [
  'INSERT INTO analytics_hourly (meter_no, hour_ms, wh, flags)',
  'ON CONFLICT (meter_no, hour_ms) DO UPDATE SET wh = excluded.wh, flags = excluded.flags',
] as const
const DAILY_UPSERT = [
  'INSERT INTO analytics_daily (meter_no, day, wh, covered, estimated)',
  'ON CONFLICT (meter_no, day) DO UPDATE SET wh = excluded.wh, covered = excluded.covered, estimated = excluded.estimated',
] as const
const hourValues = (h: HourlyEnergy): SqlValue[] => [h.meterNo, h.hourMs, h.wh, h.flags]
const dayValues = (d: DailyEnergy): SqlValue[] => [d.meterNo, d.day, d.wh, d.covered, d.estimated]

function* putState(s: MeterAnalyticsState, now: number): Gen<void> {
  yield* run(
    `INSERT INTO analytics_meter_state (meter_no, through_ms, last_reading_at, last_credit_wh, last_relay_closed, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (meter_no) DO UPDATE SET through_ms = excluded.through_ms, last_reading_at = excluded.last_reading_at,
       last_credit_wh = excluded.last_credit_wh, last_relay_closed = excluded.last_relay_closed, updated_at = excluded.updated_at`,
    [s.meterNo, s.throughMs, s.lastReadingAt, s.lastCreditWh, s.lastRelayClosed ? 1 : 0, now],
  )
}

export function* analyticsEstate(): Gen<EstateMeter[]> {
  const rows = yield* all<{
    meter_no: string
    site: string
    building: string
    unit: string
    area_m2: number | null
    profile: MeterProfile
    account_id: string
    last_credit_wh: number | null
    last_seen_at: number | null
  }>(
    `SELECT m.meter_no, s.name AS site, b.name AS building, u.name AS unit, u.area_m2, m.profile, m.account_id, m.last_credit_wh, m.last_seen_at
     FROM meters m JOIN units u ON u.id = m.unit_id JOIN buildings b ON b.id = u.building_id JOIN sites s ON s.id = b.site_id
     ORDER BY m.meter_no`,
  )
  return rows.map((r) => ({
    meterNo: r.meter_no,
    site: r.site,
    building: r.building,
    unit: r.unit,
    areaM2: r.area_m2 === null ? null : Number(r.area_m2),
    profile: r.profile,
    accountId: r.account_id,
    lastCreditWh: r.last_credit_wh,
    lastSeenAt: r.last_seen_at,
  }))
}

export function* commonMeters(): Gen<CommonMeterRecord[]> {
  const rows = yield* all<{
    meter_no: string
    name: string
    site: string
    building: string | null
    basis: CommonMeterRecord['basis']
    area_share: number
  }>(
    `SELECT c.meter_no, c.name, s.name AS site, b.name AS building, c.basis, c.area_share
     FROM common_meters c JOIN sites s ON s.id = c.site_id LEFT JOIN buildings b ON b.id = c.building_id ORDER BY c.meter_no`,
  )
  return rows.map((r) => ({
    meterNo: r.meter_no,
    name: r.name,
    site: r.site,
    building: r.building,
    basis: r.basis,
    areaShare: Number(r.area_share),
  }))
}

export function* analyticsStates(): Gen<MeterAnalyticsState[]> {
  const rows = yield* all<{
    meter_no: string
    through_ms: number
    last_reading_at: number | null
    last_credit_wh: number | null
    last_relay_closed: number
  }>(
    'SELECT meter_no, through_ms, last_reading_at, last_credit_wh, last_relay_closed FROM analytics_meter_state',
  )
  return rows.map((r) => ({
    meterNo: r.meter_no,
    throughMs: r.through_ms,
    lastReadingAt: r.last_reading_at,
    lastCreditWh: r.last_credit_wh,
    lastRelayClosed: r.last_relay_closed === 1,
  }))
}

export function* readingsForRollup(meterNo: string, fromMs: number): Gen<ReadingRecord[]> {
  const rows = yield* all<{
    meter_no: string
    at: number
    energy_wh: number
    credit_wh: number
    power_w: number
    relay: 'closed' | 'open'
    tamper: number
  }>(
    `SELECT meter_no, at, energy_wh, credit_wh, power_w, relay, tamper FROM readings
     WHERE meter_no = ? AND at >= coalesce((SELECT max(at) FROM readings WHERE meter_no = ? AND at <= ?), ?) ORDER BY at`,
    [meterNo, meterNo, fromMs, fromMs],
  )
  return rows.map((r) => ({
    meterNo: r.meter_no,
    at: r.at,
    energyWh: r.energy_wh,
    creditWh: r.credit_wh,
    powerW: r.power_w,
    relay: r.relay,
    tamper: r.tamper === 1,
  }))
}

export function* writeRollup(w: RollupWrite, now: number): Gen<void> {
  yield* insertMany(HOURLY_UPSERT[0], HOURLY_UPSERT[1], 4, w.hours, hourValues)
  yield* insertMany(DAILY_UPSERT[0], DAILY_UPSERT[1], 5, w.days, dayValues)
  yield* putState(w.state, now)
}

function inList(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ')
}

export function* hourlyEnergy(
  meterNos: readonly string[] | null,
  fromMs: number,
  toMs: number,
): Gen<HourlyEnergy[]> {
  const filter = meterNos === null ? '' : ` AND meter_no IN (${inList(meterNos.length)})`
  if (meterNos !== null && meterNos.length === 0) return []
  const rows = yield* all<{ meter_no: string; hour_ms: number; wh: number; flags: number }>(
    `SELECT meter_no, hour_ms, wh, flags FROM analytics_hourly WHERE hour_ms >= ? AND hour_ms < ?${filter} ORDER BY meter_no, hour_ms`,
    [fromMs, toMs, ...(meterNos ?? [])],
  )
  return rows.map((r) => ({ meterNo: r.meter_no, hourMs: r.hour_ms, wh: r.wh, flags: r.flags }))
}

export function* dailyEnergy(
  meterNos: readonly string[] | null,
  fromDay: string,
  toDay: string,
): Gen<DailyEnergy[]> {
  if (meterNos !== null && meterNos.length === 0) return []
  const filter = meterNos === null ? '' : ` AND meter_no IN (${inList(meterNos.length)})`
  const rows = yield* all<{
    meter_no: string
    day: string
    wh: number
    covered: number
    estimated: number
  }>(
    `SELECT meter_no, day, wh, covered, estimated FROM analytics_daily WHERE day >= ? AND day <= ?${filter} ORDER BY meter_no, day`,
    [fromDay, toDay, ...(meterNos ?? [])],
  )
  return rows.map((r) => ({
    meterNo: r.meter_no,
    day: r.day,
    wh: r.wh,
    covered: r.covered,
    estimated: r.estimated,
  }))
}

export function* dailyRange(): Gen<{ first: string; last: string } | null> {
  const r = yield* get<{ first: string | null; last: string | null }>(
    'SELECT min(day) AS first, max(day) AS last FROM analytics_daily',
  )
  return r?.first == null || r.last == null ? null : { first: r.first, last: r.last }
}

export function* importAnalyticsHistory(plan: AnalyticsHistoryPlan): Gen<void> {
  for (const a of plan.unitAreas) {
    yield* run(
      'UPDATE units SET area_m2 = ? WHERE name = ? AND building_id IN (SELECT id FROM buildings WHERE name = ?)',
      [a.areaM2, a.unit, a.building],
    )
  }
  for (const c of plan.commonMeters) {
    const site = yield* get<{ id: number }>('SELECT id FROM sites WHERE name = ?', [c.site])
    if (site === undefined) throw new Error(`analytics history: unknown site ${c.site}`)
    const building =
      c.building === null
        ? undefined
        : yield* get<{ id: number }>('SELECT id FROM buildings WHERE site_id = ? AND name = ?', [
            site.id,
            c.building,
          ])
    if (c.building !== null && building === undefined)
      throw new Error(`analytics history: unknown building ${c.building}`)
    yield* run(
      `INSERT INTO common_meters (meter_no, name, site_id, building_id, basis, area_share) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (meter_no) DO UPDATE SET name = excluded.name, site_id = excluded.site_id, building_id = excluded.building_id, basis = excluded.basis, area_share = excluded.area_share`,
      [c.meterNo, c.name, site.id, building?.id ?? null, c.basis, c.areaShare],
    )
  }
  yield* insertMany(HOURLY_UPSERT[0], HOURLY_UPSERT[1], 4, plan.hours, hourValues)
  yield* insertMany(DAILY_UPSERT[0], DAILY_UPSERT[1], 5, plan.days, dayValues)
  for (const s of plan.states) yield* putState(s, plan.now)
}

type AlertRow = {
  id: string
  kind: UsageAlertInput['kind']
  meter_no: string
  severity: UsageAlertInput['severity']
  from_ms: number
  to_ms: number
  evidence: string
  first_seen_at: number
  last_seen_at: number
  acknowledged_by: string | null
  acknowledged_at: number | null
  ack_note: string | null
}
const ALERT_SELECT =
  'SELECT id, kind, meter_no, severity, from_ms, to_ms, evidence, first_seen_at, last_seen_at, acknowledged_by, acknowledged_at, ack_note FROM analytics_alerts'

function toAlert(r: AlertRow): UsageAlertRecord {
  return {
    id: r.id,
    kind: r.kind,
    meterNo: r.meter_no,
    severity: r.severity,
    fromMs: r.from_ms,
    toMs: r.to_ms,
    evidence: JSON.parse(r.evidence) as Record<string, unknown>,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: r.acknowledged_at,
    ackNote: r.ack_note,
  }
}

export function* upsertUsageAlerts(alerts: readonly UsageAlertInput[], now: number): Gen<void> {
  for (const a of alerts) {
    yield* run(
      `INSERT INTO analytics_alerts (id, kind, meter_no, severity, from_ms, to_ms, evidence, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, to_ms = excluded.to_ms, evidence = excluded.evidence, last_seen_at = excluded.last_seen_at`,
      [a.id, a.kind, a.meterNo, a.severity, a.fromMs, a.toMs, JSON.stringify(a.evidence), now, now],
    )
  }
}

export function* listUsageAlerts(q: {
  state: 'open' | 'acknowledged' | 'all'
  limit: number
}): Gen<UsageAlertRecord[]> {
  const where =
    q.state === 'open'
      ? ' WHERE acknowledged_at IS NULL'
      : q.state === 'acknowledged'
        ? ' WHERE acknowledged_at IS NOT NULL'
        : ''
  const rows = yield* all<AlertRow>(
    `${ALERT_SELECT}${where} ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, from_ms DESC, id LIMIT ?`,
    [q.limit],
  )
  return rows.map(toAlert)
}

export function* acknowledgeUsageAlert(
  d: Dialect,
  a: { id: string; staffId: string; note: string; now: number },
): Gen<UsageAlertRecord | null> {
  const row = yield* get<AlertRow>(
    `${ALERT_SELECT} WHERE id = ?${d.forUpdate('analytics_alerts')}`,
    [a.id],
  )
  if (row === undefined) return null
  if (row.acknowledged_at !== null) return toAlert(row)
  yield* run(
    'UPDATE analytics_alerts SET acknowledged_by = ?, acknowledged_at = ?, ack_note = ? WHERE id = ?',
    [a.staffId, a.now, a.note, a.id],
  )
  yield* appendAudit(d, {
    at: a.now,
    actor: `staff:${a.staffId}`,
    action: 'analytics.alertAcknowledged',
    details: { alertId: a.id, kind: row.kind, meterNo: row.meter_no, note: a.note },
  })
  const after = yield* get<AlertRow>(`${ALERT_SELECT} WHERE id = ?`, [a.id])
  return after === undefined ? null : toAlert(after)
}
