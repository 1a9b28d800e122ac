/** Writes a SeedPlan (a deployment's starting estate) in one transaction. */
import { HOUSE_ACCOUNTS, walletAccount } from '../../ledger/vend-transfers.ts'
import type { SeedPlan } from '../repository.ts'
import { appendAudit, ensureLedgerAccounts } from './common-ops.ts'
import { get, run, type Dialect, type Gen } from './query.ts'

function* insertId(sql: string, params: (string | number)[]): Gen<number> {
  const row = yield* get<{ id: number }>(`${sql} RETURNING id`, params)
  if (row === undefined) throw new Error('insert returned no id')
  return row.id
}

export function* seed(d: Dialect, plan: SeedPlan, onlyIfEmpty: boolean): Gen<boolean> {
  if (onlyIfEmpty) {
    // Two instances starting on one empty database: one seeds, the other finds it done.
    const lock = d.lock('seed')
    if (lock !== null) yield* get(lock)
    if ((yield* get<{ n: number }>('SELECT count(*) AS n FROM sites'))?.n !== 0) return false
  }
  const siteId = yield* insertId('INSERT INTO sites (name, kind) VALUES (?, ?)', [plan.site.name, plan.site.kind])
  const buildingIds = new Map<string, number>()
  for (const b of plan.site.buildings) buildingIds.set(b, yield* insertId('INSERT INTO buildings (site_id, name) VALUES (?, ?)', [siteId, b]))
  const unitIds = new Map<string, number>()
  for (const u of plan.units) {
    const bId = buildingIds.get(u.building)
    if (bId === undefined) throw new Error(`seed: unknown building ${u.building}`)
    unitIds.set(`${u.building}\u0000${u.name}`, yield* insertId('INSERT INTO units (building_id, name) VALUES (?, ?)', [bId, u.name]))
  }
  const tariffIds = new Map<string, number>()
  for (const t of plan.tariffs) {
    let tariffId = tariffIds.get(t.name)
    if (tariffId === undefined) {
      tariffId = yield* insertId('INSERT INTO tariffs (name) VALUES (?)', [t.name])
      tariffIds.set(t.name, tariffId)
    }
    yield* run('INSERT INTO tariff_versions (tariff_id, effective_from, definition, created_at) VALUES (?, ?, ?, ?)', [
      tariffId,
      t.effectiveFrom,
      JSON.stringify(t.definition),
      plan.at,
    ])
  }
  yield* ensureLedgerAccounts(HOUSE_ACCOUNTS, plan.at)
  for (const c of plan.customers) {
    const tariffId = tariffIds.get(c.tariffName)
    if (tariffId === undefined) throw new Error(`seed: unknown tariff ${c.tariffName}`)
    yield* run('INSERT INTO customers (id, name, created_at) VALUES (?, ?, ?)', [c.id, c.name, plan.at])
    yield* run('INSERT INTO accounts (id, customer_id, tariff_id, created_at) VALUES (?, ?, ?, ?)', [c.accountId, c.id, tariffId, plan.at])
    yield* ensureLedgerAccounts([walletAccount(c.accountId)], plan.at)
  }
  for (const m of plan.meters) {
    const unitId = unitIds.get(`${m.building}\u0000${m.unitName}`)
    if (unitId === undefined) throw new Error(`seed: unknown unit ${m.unitName}`)
    yield* run(
      `INSERT INTO meters (meter_no, unit_id, account_id, vending_key_id, iin, sgc, ti, krn, kt, ea, dkga, base_date, ken, profile)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [m.meterNo, unitId, m.accountId, m.vendingKeyId, m.iin, m.sgc, m.ti, m.krn, m.kt, m.ea, m.dkga, m.baseDate, m.ken, m.profile],
    )
  }
  for (const c of plan.cards) {
    if (c.kind === 'resident') {
      yield* run("INSERT INTO cards (card_no, uid, kind, account_id) VALUES (?, ?, 'resident', ?)", [c.cardNo, c.uid, c.accountId])
    } else {
      yield* run("INSERT INTO cards (card_no, uid, kind, staff_name, staff_role) VALUES (?, ?, 'staff', ?, ?)", [c.cardNo, c.uid, c.staffName, c.staffRole])
    }
  }
  for (const s of plan.staff) yield* run('INSERT INTO staff (id, name, role, active, created_at) VALUES (?, ?, ?, 1, ?)', [s.id, s.name, s.role, plan.at])
  for (const k of plan.kiosks) {
    yield* run('INSERT INTO kiosks (id, name, location, site_id, enrollment_code_hash) VALUES (?, ?, ?, ?, ?)', [k.id, k.name, k.location, siteId, k.enrollmentCodeHash])
  }
  yield* appendAudit(d, {
    at: plan.at,
    actor: 'system',
    action: 'demo.seeded',
    details: { meters: plan.meters.length, customers: plan.customers.length, kiosks: plan.kiosks.length, tariffs: plan.tariffs.length },
  })
  return true
}
