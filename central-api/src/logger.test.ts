import { Writable } from 'node:stream'
import type { RouteOptions } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_STS } from '@gridtill/shared'
import { DEMO_MASTER_KEY_HEX } from './config.ts'
import { loggerOptions } from './logger.ts'
import { maskCardNo } from './privacy.ts'
import { ADMIN, enrollDemoKiosk, FIRST_CARD, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from './test-support.ts'

describe('logging', () => {
  const lines: string[] = []
  let t: TestApp
  const routes: RouteOptions[] = []
  /** The demo kiosk's code is single-use: the first test enrols, the later ones reuse it. */
  let enrolled: TestKiosk | undefined
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
        cb()
      },
    })
    t = await makeApp({ logger: pino(loggerOptions('debug'), sink), onRoute: (r) => routes.push(r) })
  })
  afterAll(() => t.close())

  it('ties a vend to its notes and delivery, and never logs a card number, a key or the admin token', async () => {
    const kiosk = await enrollDemoKiosk(t.app)
    enrolled = kiosk
    await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/${FIRST_CARD}` })
    await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/8800099999` })
    const body = vendBody(FIRST_METER, [1000], t.clock.now(), { cardNo: FIRST_CARD })
    await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
    await t.app.inject({ method: 'GET', url: `${API_PREFIX}/ledger/check`, headers: ADMIN })

    const text = lines.join('\n')
    expect(text).toContain(`/cards/${maskCardNo(FIRST_CARD)}`)
    expect(text).not.toContain(FIRST_CARD)
    expect(text).not.toContain('8800099999')
    expect(text).not.toContain(DEMO_MASTER_KEY_HEX)
    expect(text).not.toContain(DEMO_STS.vendingKeyHex)
    expect(text).not.toContain(ADMIN['x-gridtill-admin-token'])
    const committed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'vend committed')
    expect(committed).toMatchObject({ vendId: body.vendId, noteIds: [body.notes[0]!.noteId], kioskId: kiosk.kioskId, meterNo: FIRST_METER })
    expect(committed?.deliveryId).toEqual(expect.any(String))
  })

  it('gives a vend one closing line with the incoming line’s facts, and no incoming line', async () => {
    const kiosk = enrolled!
    const body = vendBody(FIRST_METER, [1000], t.clock.now())
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
    expect(res.statusCode).toBe(200)
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const reqId = parsed.find((l) => l.msg === 'vend committed' && l.vendId === body.vendId)?.reqId
    expect(reqId).toEqual(expect.any(String))
    const ofVend = parsed.filter((l) => l.reqId === reqId)
    expect(ofVend.map((l) => l.msg)).not.toContain('incoming request')
    const completed = ofVend.find((l) => l.msg === 'request completed')
    expect(completed).toMatchObject({
      kioskId: kiosk.kioskId,
      req: { method: 'POST', url: `${API_PREFIX}/vends`, kioskId: kiosk.kioskId },
      res: { statusCode: 200 },
    })
    expect(typeof completed?.responseTime).toBe('number')
    // Other routes keep Fastify's two lines.
    await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/cards/${FIRST_CARD}` })
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'incoming request').length).toBeGreaterThan(0)
  })

  it('serves the OpenAPI document with every API route', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>()
    // Every route the app registered (collected as it was built), except the docs UI, the console's
    // static files and WebSocket upgrades, is in the document under its method.
    const expected = routes
      .filter((r) => !r.url.startsWith('/docs') && !r.url.startsWith('/console') && !r.websocket)
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`))
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    expect(expected.length).toBeGreaterThan(60)
    expect(documented.sort()).toEqual(expect.arrayContaining([...new Set(expected)].sort()))
    for (const path of ['/health', '/api/v1/vends', '/api/v1/kiosks/collections', '/api/v1/console/session']) expect(Object.keys(doc.paths)).toContain(path)
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400)
  })
})
