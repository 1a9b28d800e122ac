/** SQL for meter control (see ../meter-control-repository.ts), written once for both engines. */
import { backoffDelay, type Backoff } from '../meter-control-repository.ts'
import type {
  MeterAlertRecord,
  MeterCommandBatch,
  MeterCommandFilter,
  MeterCommandInsertOutcome,
  MeterCommandKind,
  MeterCommandRecord,
  MeterCommandState,
  MeterStatusFilter,
  MeterStatusRecord,
} from '../meter-control-repository.ts'
import type { ReadingRecord } from '../repository.ts'
import { appendAudit } from './common-ops.ts'
import { all, get, run, type Dialect, type Gen, type SqlValue } from './query.ts'

interface CommandRow {
  id: string
  batch_id: string
  meter_no: string
  kind: MeterCommandKind
  max_power_w: number | null
  tokens_json: string | null
  tid: number | null
  state: MeterCommandState
  reason: string | null
  attempts: number
  next_attempt_at: number
  requested_by: string
  created_at: number
  updated_at: number
  answered_at: number | null
}

function toCommand(r: CommandRow): MeterCommandRecord {
  return {
    id: r.id,
    batchId: r.batch_id,
    meterNo: r.meter_no,
    kind: r.kind,
    maxPowerW: r.max_power_w,
    tokens: r.tokens_json === null ? null : (JSON.parse(r.tokens_json) as string[]),
    tid: r.tid,
    state: r.state,
    reason: r.reason,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    answeredAt: r.answered_at,
  }
}

const RELAY_KINDS = "('relayOpen', 'relayClose')"
const OPEN_STATES = "('pending', 'sent')"

export function* createMeterCommands(d: Dialect, b: MeterCommandBatch): Gen<MeterCommandInsertOutcome[]> {
  const out: MeterCommandInsertOutcome[] = []
  const created: string[] = []
  for (const c of b.items) {
    const meter = yield* get<{ last_tid: number }>(`SELECT last_tid FROM meters WHERE meter_no = ?${d.forUpdate('meters')}`, [c.meterNo])
    if (meter === undefined) {
      out.push('unknownMeter')
      continue
    }
    if (c.tid !== null) {
      // The TID is spent only if nobody took the meter's next TID since the token was minted.
      const moved = yield* run('UPDATE meters SET last_tid = ? WHERE meter_no = ? AND last_tid = ?', [c.tid, c.meterNo, c.expectedLastTid])
      if (moved !== 1) {
        out.push('stale')
        continue
      }
    }
    if (c.kind === 'relayOpen' || c.kind === 'relayClose') {
      // Only the latest relay order stands: an older one still being retried must not land after it.
      yield* run(
        `UPDATE meter_commands SET state = 'superseded', reason = ?, updated_at = ? WHERE meter_no = ? AND kind IN ${RELAY_KINDS} AND state IN ${OPEN_STATES}`,
        [`superseded by ${c.commandId}`, b.now, c.meterNo],
      )
    }
    yield* run(
      `INSERT INTO meter_commands (id, batch_id, meter_no, kind, max_power_w, tokens_json, tid, state, attempts, next_attempt_at, requested_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
      [c.commandId, b.batchId, c.meterNo, c.kind, c.maxPowerW, c.tokens === null ? null : JSON.stringify(c.tokens), c.tid, b.now, b.actor, b.now, b.now],
    )
    created.push(c.meterNo)
    out.push('created')
  }
  if (created.length > 0) {
    const first = b.items[0]
    yield* appendAudit(d, {
      at: b.now,
      actor: b.actor,
      action: 'meter.command',
      details: { batchId: b.batchId, kind: first?.kind ?? null, maxPowerW: first?.maxPowerW ?? null, meterNos: created },
    })
  }
  return out
}

export function* claimDueCommands(d: Dialect, now: number, limit: number, backoff: Backoff): Gen<MeterCommandRecord[]> {
  const due = yield* all<{ id: string; attempts: number }>(
    `SELECT id, attempts FROM meter_commands WHERE state IN ${OPEN_STATES} AND next_attempt_at <= ?
     ORDER BY next_attempt_at, id LIMIT ?${d.forUpdateSkipLocked}`,
    [now, limit],
  )
  const out: MeterCommandRecord[] = []
  for (const row of due) {
    const attempts = row.attempts + 1
    // Recorded before the publish: a crash costs one extra publish (the meter answers repeats once).
    const r = yield* get<CommandRow>(
      "UPDATE meter_commands SET state = 'sent', attempts = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? RETURNING *",
      [attempts, now + backoffDelay(backoff, attempts), now, row.id],
    )
    if (r !== undefined) out.push(toCommand(r))
  }
  return out
}

export function* nextCommandDueAt(): Gen<number | null> {
  return (yield* get<{ t: number | null }>(`SELECT min(next_attempt_at) AS t FROM meter_commands WHERE state IN ${OPEN_STATES}`))?.t ?? null
}

export function* settleMeterCommand(
  commandId: string,
  meterNo: string,
  outcome: { state: 'done' | 'refused'; reason: string | null },
  now: number,
): Gen<{ kind: 'settled' | 'duplicate' | 'unknown'; command: MeterCommandRecord | null }> {
  // A superseded command may still be answered (it was already on its way): record the answer.
  const changed = yield* get<CommandRow>(
    `UPDATE meter_commands SET state = ?, reason = ?, answered_at = ?, updated_at = ?
     WHERE id = ? AND meter_no = ? AND (state IN ${OPEN_STATES} OR (state = 'superseded' AND answered_at IS NULL)) RETURNING *`,
    [outcome.state, outcome.reason, now, now, commandId, meterNo],
  )
  if (changed !== undefined) return { kind: 'settled', command: toCommand(changed) }
  const current = yield* get<CommandRow>('SELECT * FROM meter_commands WHERE id = ? AND meter_no = ?', [commandId, meterNo])
  return current === undefined ? { kind: 'unknown', command: null } : { kind: 'duplicate', command: toCommand(current) }
}

export function* makeDueNowForMeter(meterNo: string, now: number): Gen<number> {
  const deliveries = yield* run(`UPDATE deliveries SET next_attempt_at = ? WHERE meter_no = ? AND state IN ${OPEN_STATES} AND next_attempt_at > ?`, [now, meterNo, now])
  const commands = yield* run(`UPDATE meter_commands SET next_attempt_at = ? WHERE meter_no = ? AND state IN ${OPEN_STATES} AND next_attempt_at > ?`, [now, meterNo, now])
  return deliveries + commands
}

export function* getMeterCommand(commandId: string): Gen<MeterCommandRecord | null> {
  const r = yield* get<CommandRow>('SELECT * FROM meter_commands WHERE id = ?', [commandId])
  return r === undefined ? null : toCommand(r)
}

export function* listMeterCommands(f: MeterCommandFilter): Gen<MeterCommandRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (f.meterNo !== undefined) {
    where.push('meter_no = ?')
    params.push(f.meterNo)
  }
  if (f.batchId !== undefined) {
    where.push('batch_id = ?')
    params.push(f.batchId)
  }
  if (f.state !== undefined) {
    where.push('state = ?')
    params.push(f.state)
  }
  params.push(f.limit)
  const rows = yield* all<CommandRow>(
    `SELECT * FROM meter_commands${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params,
  )
  return rows.map(toCommand)
}

// ── live state ─────────────────────────────────────────────────────────────────────────────

export function* ingestReading(r: ReadingRecord): Gen<boolean> {
  if ((yield* get('SELECT meter_no FROM meters WHERE meter_no = ?', [r.meterNo])) === undefined) return false
  const inserted =
    (yield* run(
      `INSERT INTO readings (meter_no, at, energy_wh, credit_wh, power_w, relay, tamper) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (meter_no, at) DO NOTHING`,
      [r.meterNo, r.at, r.energyWh, r.creditWh, r.powerW, r.relay, r.tamper ? 1 : 0],
    )) === 1
  if (!inserted) return false
  // Readings can arrive out of order: only the newest moves the meter's live state.
  yield* run('UPDATE meters SET last_credit_wh = ?, last_seen_at = ? WHERE meter_no = ? AND (last_seen_at IS NULL OR last_seen_at <= ?)', [r.creditWh, r.at, r.meterNo, r.at])
  yield* run(
    `INSERT INTO meter_live (meter_no, last_seen_at, relay, tamper, credit_wh, power_w, reading_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (meter_no) DO UPDATE SET last_seen_at = excluded.last_seen_at, relay = excluded.relay, tamper = excluded.tamper,
       credit_wh = excluded.credit_wh, power_w = excluded.power_w, reading_at = excluded.reading_at
     WHERE meter_live.reading_at IS NULL OR meter_live.reading_at <= excluded.reading_at`,
    [r.meterNo, r.at, r.relay, r.tamper ? 1 : 0, r.creditWh, r.powerW, r.at],
  )
  return true
}

export function* readingsSince(meterNo: string, since: number, limit: number): Gen<ReadingRecord[]> {
  const rows = yield* all<{ meter_no: string; at: number; energy_wh: number; credit_wh: number; power_w: number; relay: 'closed' | 'open'; tamper: number }>(
    'SELECT * FROM (SELECT * FROM readings WHERE meter_no = ? AND at >= ? ORDER BY at DESC LIMIT ?) r ORDER BY at',
    [meterNo, since, limit],
  )
  return rows.map((x) => ({ meterNo: x.meter_no, at: x.at, energyWh: x.energy_wh, creditWh: x.credit_wh, powerW: x.power_w, relay: x.relay, tamper: x.tamper === 1 }))
}

export function* recordMeterStatus(meterNo: string, online: boolean, at: number): Gen<{ known: boolean; madeDue: number }> {
  if ((yield* run('UPDATE meters SET online = ? WHERE meter_no = ?', [online ? 1 : 0, meterNo])) !== 1) return { known: false, madeDue: 0 }
  yield* run(
    `INSERT INTO meter_live (meter_no, online, status_at, last_seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (meter_no) DO UPDATE SET online = excluded.online, status_at = excluded.status_at,
       last_seen_at = CASE WHEN excluded.online = 1 AND (meter_live.last_seen_at IS NULL OR meter_live.last_seen_at < excluded.status_at)
                           THEN excluded.status_at ELSE meter_live.last_seen_at END
     WHERE meter_live.status_at IS NULL OR meter_live.status_at <= excluded.status_at`,
    [meterNo, online ? 1 : 0, at, online ? at : null],
  )
  return { known: true, madeDue: online ? yield* makeDueNowForMeter(meterNo, at) : 0 }
}

export function* recordMeterEvent(meterNo: string, change: { relay?: 'closed' | 'open'; tamper?: boolean }, at: number): Gen<boolean> {
  if ((yield* get('SELECT meter_no FROM meters WHERE meter_no = ?', [meterNo])) === undefined) return false
  yield* run('INSERT INTO meter_live (meter_no) VALUES (?) ON CONFLICT (meter_no) DO NOTHING', [meterNo])
  const sets: string[] = ['last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN ? ELSE last_seen_at END']
  const params: SqlValue[] = [at, at]
  if (change.relay !== undefined) {
    sets.push('relay = ?')
    params.push(change.relay)
  }
  if (change.tamper !== undefined) {
    sets.push('tamper = ?')
    params.push(change.tamper ? 1 : 0)
  }
  params.push(meterNo)
  yield* run(`UPDATE meter_live SET ${sets.join(', ')} WHERE meter_no = ?`, params)
  return true
}

interface StatusRow {
  meter_no: string
  unit_name: string
  account_id: string
  online: number | null
  status_at: number | null
  last_seen_at: number | null
  relay: 'closed' | 'open' | null
  tamper: number | null
  credit_wh: number | null
  power_w: number | null
  reading_at: number | null
  alert_id: string | null
  alert_days_left: number | null
  alert_opened_at: number | null
}

const STATUS_SELECT = `SELECT m.meter_no, u.name AS unit_name, m.account_id, l.online, l.status_at,
  COALESCE(l.last_seen_at, m.last_seen_at) AS last_seen_at, l.relay, l.tamper, COALESCE(l.credit_wh, m.last_credit_wh) AS credit_wh,
  l.power_w, l.reading_at, a.id AS alert_id, a.days_left AS alert_days_left, a.opened_at AS alert_opened_at
  FROM meters m JOIN units u ON u.id = m.unit_id
  LEFT JOIN meter_live l ON l.meter_no = m.meter_no
  LEFT JOIN meter_alerts a ON a.meter_no = m.meter_no AND a.kind = 'lowCredit' AND a.state = 'open'`

const FILTERS: Record<MeterStatusFilter, string> = {
  // Never connected counts as offline: the console is asking "which meters can't we reach?".
  offline: '(l.online IS NULL OR l.online = 0)',
  online: 'l.online = 1',
  tamper: 'l.tamper = 1',
  relayOpen: "l.relay = 'open'",
  lowCredit: 'a.id IS NOT NULL',
}

function toStatus(r: StatusRow): MeterStatusRecord {
  return {
    meterNo: r.meter_no,
    unitName: r.unit_name,
    accountId: r.account_id,
    online: r.online === null ? null : r.online === 1,
    statusAt: r.status_at,
    lastSeenAt: r.last_seen_at,
    relay: r.relay,
    tamper: r.tamper === null ? null : r.tamper === 1,
    creditWh: r.credit_wh,
    powerW: r.power_w,
    readingAt: r.reading_at,
    lowCredit: r.alert_id === null || r.alert_opened_at === null ? null : { alertId: r.alert_id, daysLeft: r.alert_days_left, openedAt: r.alert_opened_at },
  }
}

export function* getMeterStatus(meterNo: string): Gen<MeterStatusRecord | null> {
  const r = yield* get<StatusRow>(`${STATUS_SELECT} WHERE m.meter_no = ?`, [meterNo])
  return r === undefined ? null : toStatus(r)
}

export function* listMeterStatus(q: { filter?: MeterStatusFilter; after?: string; limit: number }): Gen<MeterStatusRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (q.after !== undefined) {
    where.push('m.meter_no > ?')
    params.push(q.after)
  }
  if (q.filter !== undefined) where.push(FILTERS[q.filter])
  params.push(q.limit)
  const rows = yield* all<StatusRow>(`${STATUS_SELECT}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY m.meter_no LIMIT ?`, params)
  return rows.map(toStatus)
}

// ── alerts ─────────────────────────────────────────────────────────────────────────────────

interface AlertRow {
  id: string
  meter_no: string
  kind: 'lowCredit'
  state: 'open' | 'cleared'
  days_left: number | null
  avg_daily_wh: number | null
  credit_wh: number | null
  opened_at: number
  cleared_at: number | null
  notified: number
}

function toAlert(r: AlertRow): MeterAlertRecord {
  return {
    id: r.id,
    meterNo: r.meter_no,
    kind: r.kind,
    state: r.state,
    daysLeft: r.days_left,
    avgDailyWh: r.avg_daily_wh,
    creditWh: r.credit_wh,
    openedAt: r.opened_at,
    clearedAt: r.cleared_at,
    notified: r.notified === 1,
  }
}

export function* openMeterAlert(a: { id: string; meterNo: string; kind: 'lowCredit'; daysLeft: number | null; avgDailyWh: number | null; creditWh: number | null; now: number }): Gen<MeterAlertRecord | null> {
  // The partial unique index keeps one open alert per meter and kind, across central instances.
  const r = yield* get<AlertRow>(
    `INSERT INTO meter_alerts (id, meter_no, kind, state, days_left, avg_daily_wh, credit_wh, opened_at, notified)
     VALUES (?, ?, ?, 'open', ?, ?, ?, ?, 0) ON CONFLICT (meter_no, kind) WHERE state = 'open' DO NOTHING RETURNING *`,
    [a.id, a.meterNo, a.kind, a.daysLeft, a.avgDailyWh === null ? null : Math.round(a.avgDailyWh), a.creditWh, a.now],
  )
  return r === undefined ? null : toAlert(r)
}

export function* clearMeterAlert(meterNo: string, kind: 'lowCredit', now: number): Gen<MeterAlertRecord | null> {
  const r = yield* get<AlertRow>("UPDATE meter_alerts SET state = 'cleared', cleared_at = ? WHERE meter_no = ? AND kind = ? AND state = 'open' RETURNING *", [now, meterNo, kind])
  return r === undefined ? null : toAlert(r)
}

export function* markMeterAlertNotified(alertId: string): Gen<void> {
  yield* run('UPDATE meter_alerts SET notified = 1 WHERE id = ?', [alertId])
}

export function* listMeterAlerts(q: { state?: 'open' | 'cleared'; meterNo?: string; limit: number }): Gen<MeterAlertRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (q.state !== undefined) {
    where.push('state = ?')
    params.push(q.state)
  }
  if (q.meterNo !== undefined) {
    where.push('meter_no = ?')
    params.push(q.meterNo)
  }
  params.push(q.limit)
  const rows = yield* all<AlertRow>(`SELECT * FROM meter_alerts${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`, params)
  return rows.map(toAlert)
}
