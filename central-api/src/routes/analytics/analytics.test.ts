import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '@gridtill/shared'
import { makeApp, staffHeaders, type TestApp } from '../../test-support.ts'

const base = `${API_PREFIX}/console/analytics`
let t: TestApp
beforeAll(async () => {
  t = await makeApp({ config: { meterCount: 50, demoHistory: true } })
}, 60_000)
afterAll(async () => {
  await t.close()
})

const get = (url: string, staff = 'S001') =>
  t.app.inject({ method: 'GET', url: `${base}${url}`, headers: staffHeaders(staff) })

describe('analytics routes', () => {
  it('answer every view with data for the demo estate', async () => {
    const scopes = (await get('/scopes')).json<{ sites: { key: string }[]; firstDay: string }>()
    expect(scopes.sites).toHaveLength(1)
    const site = encodeURIComponent(scopes.sites[0]!.key)
    for (const url of [
      '/consumption?level=building&granularity=week',
      '/consumption?level=unit&from=2026-11-01&to=2026-11-23',
      '/profile',
      '/top?level=meter&limit=5',
      '/comparison?level=unit',
      '/forecasts/days-left',
      `/forecasts/sales?site=${site}&weeks=6`,
      '/alerts?state=all',
      `/allocation?site=${site}&month=2026-10`,
      '/advice?meterNo=58101000005',
    ]) {
      const res = await get(url, 'S005')
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200)
    }
    const sales = (await get(`/forecasts/sales?site=${site}`)).json<{
      method: string
      holdout: { weeks: number; mapePct: number }
    }>()
    expect(sales.method).toMatch(/Holt-Winters/)
    expect(sales.holdout.weeks).toBe(4)
  })

  it('exports every table as CSV with a BOM and bilingual headers', async () => {
    for (const url of [
      '/consumption',
      '/profile',
      '/top',
      '/comparison',
      '/forecasts/days-left',
      '/forecasts/sales',
      '/alerts',
      '/allocation',
      '/advice?meterNo=58101000005',
    ]) {
      const res = await get(`${url}${url.includes('?') ? '&' : '?'}format=csv`)
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="gridtill-[A-Za-z0-9._-]+\.csv"$/,
      )
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
      const lines = res.body.replace(/^\uFEFF/, '').split('\r\n')
      expect(lines[0]).toMatch(/[\u4e00-\u9fff].* [A-Z]/)
      expect(lines.length, url).toBeGreaterThan(2)
    }
  })

  it('lets support acknowledge an alert (audited) but not a cashier read, nor anyone without credentials', async () => {
    const alerts = (await get('/alerts')).json<{ id: string; kind: string }[]>()
    expect(alerts.map((a) => a.kind).sort()).toEqual([
      'silent',
      'suddenDrop',
      'suddenRise',
      'zeroWithRelayClosed',
    ])
    const url = `${base}/alerts/${encodeURIComponent(alerts[0]!.id)}/acknowledge`
    const forbidden = await t.app.inject({
      method: 'POST',
      url,
      headers: staffHeaders('S005'),
      payload: { note: 'seen' },
    })
    expect(forbidden.statusCode).toBe(403)
    const ok = await t.app.inject({
      method: 'POST',
      url,
      headers: staffHeaders('S002'),
      payload: { note: 'Meter inspected' },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ acknowledgedBy: 'S002', ackNote: 'Meter inspected' })
    expect((await get('/alerts')).json<unknown[]>()).toHaveLength(3)
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
    expect((await get('/consumption', 'S003')).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: `${base}/consumption` })).statusCode).toBe(401)
  })

  it('refuses bad input with a 4xx and an error code', async () => {
    for (const url of [
      '/consumption?from=2026-11-10&to=2026-11-01',
      '/consumption?from=2024-01-01&to=2026-11-01',
      '/consumption?level=planet',
      '/top?limit=0',
      '/consumption?extra=1',
      '/advice?meterNo=1',
    ]) {
      const res = await get(url)
      expect(res.statusCode, url).toBe(400)
      expect(res.json()).toMatchObject({ statusCode: 400, code: expect.any(String) as string })
    }
    expect((await get('/advice?meterNo=99999999999')).statusCode).toBe(404)
  })
})
