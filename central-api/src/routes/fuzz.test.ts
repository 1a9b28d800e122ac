/**
 * Validation fuzz (DESIGN.md, Security: bad input gets a 4xx with an error code, never a crash):
 * more than 10 000 generated invalid bodies across every route that takes one — wrong types,
 * strings for numbers, negative and absurd amounts, unknown and missing fields, huge strings,
 * nested junk, text that is not JSON — plus junk path and query parameters for the rest. Every
 * request is properly signed (or carries staff credentials), so it reaches validation.
 */
import fc from 'fast-check'
import type { TSchema } from '@sinclair/typebox'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { API_PREFIX, EnrollRequest, QuoteRequest, Uuid, VendRequest } from '@gridtill/shared'
import { enrollDemoKiosk, FIRST_METER, makeApp, signed, staffHeaders, vendBody, type TestApp, type TestKiosk } from '../test-support.ts'

// Fastify checks date-time; so must the filter that keeps only invalid bodies.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(v) && !Number.isNaN(Date.parse(v)))

type Json = unknown
const REQUEST_ID = '01900000-0000-7000-8000-000000000001'

interface BodyRoute {
  name: string
  url: string
  auth: 'kiosk' | 'staff' | 'none'
  schema: TSchema
  base: Record<string, Json>
  count: number
}

const strict = { additionalProperties: false } as const
const ROUTES: BodyRoute[] = [
  { name: 'vend', url: `${API_PREFIX}/vends`, auth: 'kiosk', schema: VendRequest, base: {}, count: 3200 },
  { name: 'quote', url: `${API_PREFIX}/vends/quote`, auth: 'kiosk', schema: QuoteRequest, base: { meterNo: FIRST_METER, amountFen: 1000 }, count: 2200 },
  { name: 'enroll', url: `${API_PREFIX}/kiosks/enroll`, auth: 'none', schema: EnrollRequest, base: { enrollmentCode: 'NOT-A-CODE', publicKey: 'A'.repeat(44) }, count: 1200 },
  {
    name: 'reversal',
    url: `${API_PREFIX}/staff/reversals`,
    auth: 'staff',
    schema: Type.Object({ vendId: Uuid, reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) }, strict),
    base: { vendId: REQUEST_ID, reason: 'wrong meter' },
    count: 1300,
  },
  {
    name: 'refund',
    url: `${API_PREFIX}/staff/refunds`,
    auth: 'staff',
    schema: Type.Object(
      { accountId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), amountFen: Type.Integer({ minimum: 1, maximum: 100_000_000 }), reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) },
      strict,
    ),
    base: { accountId: 'A00001', amountFen: 1, reason: 'moving out' },
    count: 1300,
  },
  {
    name: 'reject',
    url: `${API_PREFIX}/staff/requests/${REQUEST_ID}/reject`,
    auth: 'staff',
    schema: Type.Object({ note: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) }, strict),
    base: { note: 'no' },
    count: 1200,
  },
]

/** Values of every wrong kind, the absurd numbers included. */
const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, -100_000, 0, 0.5, 1.5, 1e20, 1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 53)),
  fc.constantFrom('1000', '-1', '1e3', '0x10', ' ', '', 'null', 'true', '58101000001 ', '２０００'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }),
  fc.integer({ min: 1000, max: 60_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 20, max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as Json),
)

function mutations(base: Record<string, Json>): fc.Arbitrary<Json> {
  const keys = Object.keys(base)
  const oneField = fc.tuple(fc.constantFrom(...keys), junk).map(([k, v]) => ({ ...base, [k]: v }))
  const missing = fc.subarray(keys, { minLength: 1 }).map((gone) => Object.fromEntries(Object.entries(base).filter(([k]) => !gone.includes(k))))
  const unknown = fc.tuple(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !keys.includes(k)), junk).map(([k, v]) => ({ ...base, [k]: v }))
  const nested = fc.constantFrom(...keys).chain((k) => fc.jsonValue({ maxDepth: 6 }).map((v) => ({ ...base, [k]: { nested: v, again: [v, [v]] } })))
  const several = fc.array(fc.tuple(fc.constantFrom(...keys), junk), { minLength: 2, maxLength: 4 }).map((pairs) => ({ ...base, ...Object.fromEntries(pairs) }))
  const notObject = fc.oneof(fc.jsonValue(), fc.array(fc.constant(base), { minLength: 1, maxLength: 3 }))
  return fc.oneof(
    { arbitrary: oneField, weight: 4 },
    { arbitrary: missing, weight: 2 },
    { arbitrary: unknown, weight: 2 },
    { arbitrary: nested, weight: 1 },
    { arbitrary: several, weight: 2 },
    { arbitrary: notObject, weight: 1 },
  )
}

/** The body bytes: JSON, or now and then text that is not JSON at all. */
const rawJunk = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.constantFrom('{', '{"a":', '[1,2', 'undefined', "{'a':1}", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '{"a":1}{"b":2}'),
)

describe('validation fuzz: generated invalid input never gets a 5xx, and every 4xx carries a code', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp({ config: { meterCount: 6 } })
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const statuses = new Map<number, number>()
  const problems: string[] = []
  const record = (what: string, res: LightMyRequestResponse) => {
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    let code: unknown
    try {
      code = (JSON.parse(res.body) as { code?: unknown }).code
    } catch {
      code = undefined
    }
    if (res.statusCode >= 500 || (res.statusCode >= 400 && (typeof code !== 'string' || !code.startsWith('ERR_')))) {
      if (problems.length < 10) problems.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`)
    }
  }

  const send = (route: BodyRoute, payload: string) => {
    if (route.auth === 'kiosk') return signed(t.app, kiosk, { method: 'POST', url: route.url, body: payload })
    // An admin may ask and decide: every staff route reaches validation.
    const headers = { 'content-type': 'application/json', ...(route.auth === 'staff' ? staffHeaders('S001') : {}) }
    return t.app.inject({ method: 'POST', url: route.url, headers, payload })
  }

  it('refuses more than 10 000 generated invalid bodies across every body-taking route', async () => {
    let sent = 0
    for (const [i, route] of ROUTES.entries()) {
      const base = route.name === 'vend' ? { ...vendBody(FIRST_METER, [1000, 500], t.clock.now()) } : route.base
      const bodies = fc.sample(
        fc.oneof({ arbitrary: mutations(base).map((b) => ({ json: b })), weight: 9 }, { arbitrary: rawJunk.map((raw) => ({ raw })), weight: 1 }),
        { numRuns: route.count, seed: 20261124 + i },
      )
      // Only what is invalid counts (a random body that happens to be valid is not fuzz).
      const payloads = bodies.filter((b) => !('json' in b) || !Value.Check(route.schema, b.json)).map((b) => ('raw' in b ? b.raw : JSON.stringify(b.json) ?? 'null'))
      for (let k = 0; k < payloads.length; k += 100) {
        const chunk = payloads.slice(k, k + 100)
        const answers = await Promise.all(chunk.map((p) => send(route, p)))
        answers.forEach((res, j) => record(`${route.name} ${chunk[j]!.slice(0, 120)}`, res))
      }
      sent += payloads.length
    }
    console.log(`validation fuzz: ${sent} invalid bodies, answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`)
    expect(problems).toEqual([])
    expect(sent).toBeGreaterThanOrEqual(10_000)
    // None of it moved money.
    expect(await t.app.repo.ledgerCheck()).toMatchObject({ balanced: true, transfers: 0 })
  })

  it('refuses junk path and query parameters on every other route', async () => {
    const segments = fc.sample(
      fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), fc.constantFrom('..', '%00', '%2e%2e', '-1', '1e9', '00000000000', 'x'.repeat(500))),
      { numRuns: 300, seed: 7 },
    )
    const enc = (s: string) => encodeURIComponent(s)
    let sent = 0
    for (const seg of segments) {
      for (const url of [
        `${API_PREFIX}/cards/${enc(seg)}`,
        `${API_PREFIX}/meters/${enc(seg)}/account`,
        `${API_PREFIX}/meters/${FIRST_METER}/readings?limit=${enc(seg)}`,
        `${API_PREFIX}/vends/${enc(seg)}`,
      ]) {
        record(`GET ${url}`, await signed(t.app, kiosk, { method: 'GET', url }))
        sent++
      }
      record(`reprint ${seg}`, await signed(t.app, kiosk, { method: 'POST', url: `${API_PREFIX}/vends/${enc(seg)}/reprint` }))
      record(`deliveries ${seg}`, await t.app.inject({ method: 'GET', url: `${API_PREFIX}/meters/${enc(seg)}/deliveries?limit=${enc(seg)}`, headers: staffHeaders('S001') }))
      record(`request ${seg}`, await t.app.inject({ method: 'GET', url: `${API_PREFIX}/staff/requests/${enc(seg)}`, headers: staffHeaders('S001') }))
      record(`approve ${seg}`, await t.app.inject({ method: 'POST', url: `${API_PREFIX}/staff/requests/${enc(seg)}/approve`, headers: staffHeaders('S001') }))
      record(`staff ${seg}`, await t.app.inject({ method: 'GET', url: `${API_PREFIX}/staff/requests/${REQUEST_ID}`, headers: { ...staffHeaders('S001'), 'x-gridtill-staff': enc(seg) } }))
      sent += 5
    }
    console.log(`parameter fuzz: ${sent} requests with junk path, query or header values`)
    expect(problems).toEqual([])
  })
})
