import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '@gridtill/shared'
import { HOUR_MS } from '../analytics/index.ts'
import { AnalyticsService } from './service.ts'
import { ENGINES, openTestRepo, seedDemo, type TestRepo } from './test-repo.ts'

/** 2026-11-24 10:00 in Shanghai. */
const NOW = Date.UTC(2026, 10, 24, 2, 0, 0)
const open: TestRepo[] = []
afterEach(async () => {
  for (const t of open.splice(0)) await t.close()
})

async function demo(engine: (typeof ENGINES)[number], meters = 50) {
  const t = await openTestRepo(engine, NOW)
  open.push(t)
  await seedDemo(t.repo, meters, NOW)
  const clock = new ManualClock(NOW)
  return { repo: t.repo, clock, service: new AnalyticsService(t.repo, clock, 'Asia/Shanghai') }
}

describe.each(ENGINES)('analytics service on %s', (engine) => {
  it('serves the demo year: views add up, forecasts state their held-out error, planted anomalies are found', async () => {
    const { service } = await demo(engine)
    await service.refresh(true)
    const scopes = await service.scopes()
    expect(scopes.today).toBe('2026-11-24')
    expect(scopes.firstDay).toBe('2025-11-25')
    const site = scopes.sites[0]!.key
    const to = service.yesterday()

    // Daily per building adds up to the site's total; monthly totals equal daily totals.
    const byBuilding = await service.consumption({
      level: 'building',
      within: '',
      granularity: 'day',
      from: '2026-10-01',
      to,
    })
    const bySite = await service.consumption({
      level: 'site',
      within: '',
      granularity: 'month',
      from: '2026-10-01',
      to,
    })
    expect(byBuilding.rows).toHaveLength(3)
    expect(bySite.periods).toEqual(['2026-10', '2026-11'])
    const sum = byBuilding.rows.reduce((a, r) => a + r.totalWh, 0)
    expect(sum).toBeGreaterThan(0)
    expect(bySite.rows[0]!.totalWh).toBe(sum)
    expect(bySite.rows[0]!.values.reduce((a, b) => a + b, 0)).toBe(sum)
    expect(byBuilding.rows[0]!.coverage.every((c) => c === 1)).toBe(true)

    const top = await service.top({ level: 'meter', within: '', limit: 5, from: '2026-11-01', to })
    expect(top).toHaveLength(5)
    expect(top[0]!.wh).toBeGreaterThanOrEqual(top[4]!.wh)

    const cmp = await service.comparison({ level: 'meter', within: site, from: '2026-11-10', to })
    expect(cmp.previous).toEqual({ from: '2026-10-27', to: '2026-11-09' })
    expect(cmp.rows).toHaveLength(50)
    expect(cmp.rows.filter((r) => r.peer !== null).length).toBeGreaterThan(40)

    const runway = await service.runway({ within: '' })
    expect(runway.rows.filter((r) => r.status === 'ok').length).toBeGreaterThan(40)
    for (const r of runway.rows.filter((x) => x.status === 'ok'))
      expect(r.low! <= r.days! && r.days! <= r.high!).toBe(true)

    const sales = await service.sales({ site, weeks: 4 })
    expect(sales.weeks).toHaveLength(4)
    expect(sales.holdout.weeks).toBe(4)
    expect(sales.holdout.mapePct).toBeGreaterThan(0)
    expect(sales.holdout.mapePct).toBeLessThan(10)
    expect(sales.method).toMatch(/Holt-Winters/)

    // The four planted anomalies, and nothing else.
    const alerts = await service.alerts({ state: 'open', limit: 100 })
    expect(alerts.map((a) => [a.kind, a.meterNo]).sort()).toEqual([
      ['silent', '58101000042'],
      ['suddenDrop', '58101000013'],
      ['suddenRise', '58101000034'],
      ['zeroWithRelayClosed', '58101000022'],
    ])
    const drop = alerts.find((a) => a.kind === 'suddenDrop')!
    expect(drop.severity).toBe('high')
    expect(drop.evidence.ratio).toBeLessThan(0.5)
    expect(drop.evidence.tamperIntervals).toBeGreaterThan(0)

    // 公摊: every common meter's energy is allocated exactly.
    const alloc = await service.allocation({ site, month: '2026-10' })
    expect(alloc.pools).toHaveLength(4)
    const allocated = alloc.lines.reduce((a, l) => a + l.sharedWh, 0)
    expect(allocated).toBe(alloc.pools.reduce((a, p) => a + p.energyWh, 0))
    expect(alloc.lines.every((l) => l.areaM2 !== null && l.areaM2 > 0)).toBe(true)

    // The planted always-on load shows in the advice, in both languages.
    const advice = await service.advice({ meterNo: '58101000005' })
    const night = advice!.advice.find((a) => a.code === 'nightBase')
    expect(night?.text.en).toMatch(/night-time base load/)
    expect(night?.text['zh-CN']).toMatch(/夜间基础负荷/)
    expect(await service.advice({ meterNo: '99999999999' })).toBeNull()
  }, 60_000)

  it('rolls new readings up incrementally and keeps staff acknowledgements', async () => {
    const { repo, clock, service } = await demo(engine, 6)
    await service.refresh(true)
    const meterNo = '58101000001'
    // The meter starts reporting (a fresh register, as after the fleet starts): two hours of readings.
    const t0 = NOW + 2 * HOUR_MS
    for (let k = 0; k <= 8; k++) {
      expect(
        await repo.insertReading({
          meterNo,
          at: t0 + k * 15 * 60_000,
          energyWh: 100 * k,
          creditWh: 50_000 - 100 * k,
          powerW: 400,
          relay: 'closed',
          tamper: false,
        }),
      ).toBe(true)
    }
    clock.set(t0 + 3 * HOUR_MS)
    const first = await service.refresh(true)
    expect(first.meters).toBe(1)
    expect(first.hoursWritten).toBe(2)
    const hours = await repo.hourlyEnergy([meterNo], t0, t0 + 2 * HOUR_MS)
    expect(hours.map((h) => h.wh)).toEqual([400, 400])
    // Nothing new: nothing written. A redelivered reading changes nothing either.
    expect((await service.refresh(true)).meters).toBe(0)
    await repo.insertReading({
      meterNo,
      at: t0,
      energyWh: 0,
      creditWh: 50_000,
      powerW: 400,
      relay: 'closed',
      tamper: false,
    })
    expect((await service.refresh(true)).meters).toBe(0)
    // A later reading rolls forward (the hours within LATE_MS of the watermark are re-read, so a
    // late reading there still counts); today's daily row is the sum of its hours.
    await repo.insertReading({
      meterNo,
      at: t0 + 3 * HOUR_MS,
      energyWh: 1_300,
      creditWh: 48_700,
      powerW: 400,
      relay: 'closed',
      tamper: false,
    })
    expect((await service.refresh(true)).hoursWritten).toBe(3)
    expect((await repo.hourlyEnergy([meterNo], t0, t0 + 3 * HOUR_MS)).map((h) => h.wh)).toEqual([
      400, 400, 500,
    ])
    const today = (await repo.dailyEnergy([meterNo], '2026-11-24', '2026-11-24'))[0]!
    const all = await repo.hourlyEnergy(
      [meterNo],
      Date.UTC(2026, 10, 23, 16),
      Date.UTC(2026, 10, 24, 16),
    )
    expect(today.wh).toBe(all.reduce((a, h) => a + h.wh, 0))
    expect(today.covered).toBe(all.length)

    // Acknowledging an alert is kept across re-detection and audited.
    const [alert] = await service.alerts({ state: 'open', limit: 10 })
    if (alert !== undefined) {
      const acked = await service.acknowledge({
        id: alert.id,
        staffId: 'S002',
        note: 'Checked on site',
      })
      expect(acked).toMatchObject({ acknowledgedBy: 'S002', ackNote: 'Checked on site' })
      await service.refresh(true)
      expect((await service.alerts({ state: 'open', limit: 10 })).map((a) => a.id)).not.toContain(
        alert.id,
      )
      expect((await repo.verifyAuditChain()).ok).toBe(true)
    }
    expect(await service.acknowledge({ id: 'silent:1:1', staffId: 'S002', note: 'x' })).toBeNull()
  }, 60_000)
})
