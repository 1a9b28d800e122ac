import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX } from '@gridtill/shared'
import { enrollDemoKiosk, FIRST_METER, makeApp, signed, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'

type Json = Record<string, unknown>

/** Applies f to each note when notes is still an array (an earlier mutation may have replaced it). */
const eachNote = (b: Json, f: (n: Json) => unknown): Json =>
  Array.isArray(b.notes) ? { ...b, notes: (b.notes as unknown[]).map((n) => (n !== null && typeof n === 'object' ? f(n as Json) : n)) } : b

/** Mutations that each make a valid vend body invalid by schema. */
const MUTATIONS: ((b: Json) => Json)[] = [
  (b) => ({ ...b, extra: 1 }),
  (b) => ({ ...b, amountFen: String(b.amountFen) }),
  (b) => ({ ...b, amountFen: -100 }),
  (b) => ({ ...b, amountFen: 10.5 }),
  (b) => ({ ...b, amountFen: 1e20 }),
  (b) => ({ ...b, amountFen: null }),
  (b) => ({ ...b, amountFen: true }),
  (b) => ({ ...b, amountFen: [1000] }),
  (b) => ({ ...b, meterNo: Number(b.meterNo) }),
  (b) => ({ ...b, meterNo: '5810100000' }),
  (b) => ({ ...b, meterNo: '5810100000x' }),
  (b) => ({ ...b, meterNo: `${String(b.meterNo)}0` }),
  (b) => ({ ...b, vendId: 'not-a-uuid' }),
  (b) => ({ ...b, vendId: String(b.vendId).toUpperCase() }),
  (b) => ({ ...b, paidAt: 'yesterday' }),
  (b) => ({ ...b, paidAt: 1732406400000 }),
  (b) => ({ ...b, cardNo: 'ABC' }),
  (b) => ({ ...b, cardNo: 8800010001 }),
  (b) => ({ ...b, notes: [] }),
  (b) => ({ ...b, notes: 'many' }),
  (b) => ({ ...b, notes: Array.from({ length: 201 }, () => ({ noteId: b.vendId, valueFen: 100 })) }),
  (b) => eachNote(b, (n) => ({ ...n, valueFen: -Number(n.valueFen) })),
  (b) => eachNote(b, (n) => ({ ...n, valueFen: String(n.valueFen) })),
  (b) => eachNote(b, (n) => ({ ...n, serial: 'AB123' })),
  (b) => eachNote(b, (n) => ({ valueFen: n.valueFen })),
  (b) => ({ ...b, notes: [null] }),
  (b) => {
    const { meterNo: _m, ...rest } = b
    return rest
  },
  (b) => {
    const { notes: _n, ...rest } = b
    return rest
  },
  (b) => {
    const { paidAt: _p, ...rest } = b
    return rest
  },
  (b) => ({ ...b, __proto__: { amountFen: 1 } }),
]

describe('input validation: bad input is a 400 with ERR_VALIDATION, never a 5xx', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp()
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const expect400 = (res: { statusCode: number; body: string }, what: string) => {
    expect(res.statusCode, `${what}: ${res.body}`).toBe(400)
    expect(JSON.parse(res.body), what).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION', error: 'Bad Request' })
  }

  it('refuses a few hundred generated invalid vend and quote bodies', async () => {
    // Each sample: a valid body with 1–3 mutations applied (deterministic seed).
    const samples = fc.sample(
      fc.tuple(fc.array(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(100, 500, 1000, 2000, 5000, 10000), { minLength: 1, maxLength: 5 })),
      { numRuns: 300, seed: 20261124 },
    )
    let n = 0
    for (const [mutations, notes] of samples) {
      let body: Json = { ...vendBody(FIRST_METER, notes, t.clock.now()) }
      for (const m of mutations) body = MUTATIONS[m]!(body)
      const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends`, body })
      expect400(res, `mutations ${mutations.join(',')}`)
      n++
    }
    expect(n).toBe(300)
    for (const body of [{ meterNo: FIRST_METER }, { meterNo: FIRST_METER, amountFen: '1000' }, { meterNo: FIRST_METER, amountFen: -1 }, { meterNo: FIRST_METER, amountFen: 1000, x: 1 }]) {
      expect400(await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body }), JSON.stringify(body))
    }
    // None of it was recorded.
    expect((await t.app.repo.ledgerCheck()).totalDebitsFen).toBe(0)
  })

  it('refuses bodies that are not JSON objects', async () => {
    for (const raw of ['', 'not json', '{"meterNo":', '[]', '"text"', '123', 'null']) {
      expect400(await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body: raw }), `raw ${JSON.stringify(raw)}`)
    }
    // Prototype poisoning is refused by the JSON parser itself.
    expect400(await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body: '{"meterNo":"58101000001","amountFen":1000,"__proto__":{"x":1}}' }), 'proto')
  })

  it('refuses other content types and oversized bodies with a 4xx code', async () => {
    const res = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body: 'meterNo=1', headers: { 'content-type': 'text/plain' } })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 'ERR_VALIDATION' })
    const big = JSON.stringify({ meterNo: FIRST_METER, amountFen: 1000, pad: 'x'.repeat(300 * 1024) })
    const tooBig = await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/quote`, body: big })
    expect(tooBig.statusCode).toBe(413)
    expect(tooBig.json()).toMatchObject({ code: 'ERR_VALIDATION' })
  })

  it('refuses bad path and query parameters', async () => {
    for (const url of [
      `${API_PREFIX}/cards/abc`,
      `${API_PREFIX}/cards/1234567`,
      `${API_PREFIX}/meters/123/account`,
      `${API_PREFIX}/vends/not-a-uuid`,
      `${API_PREFIX}/meters/${FIRST_METER}/readings?limit=abc`,
      `${API_PREFIX}/meters/${FIRST_METER}/readings?limit=0`,
      `${API_PREFIX}/meters/${FIRST_METER}/readings?other=1`,
    ]) {
      expect400(await signed(t.app, kiosk, { method: 'GET', url }), url)
    }
  })

  it('answers unknown routes with ERR_NOT_FOUND', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ statusCode: 404, code: 'ERR_NOT_FOUND', error: 'Not Found', message: 'Route GET:/api/v1/nothing-here not found' })
  })

  it('refuses an unsigned enrolment body with unknown fields', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${API_PREFIX}/kiosks/enroll`, payload: { enrollmentCode: 'ABCDEFGH', publicKey: 'x'.repeat(44), admin: true } })
    expect400(res, 'enroll extra field')
  })
})
