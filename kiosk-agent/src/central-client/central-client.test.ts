import { createHash, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock, SIGNATURE_HEADERS, canonicalSigningString } from '@gridtill/shared'
import { CentralError, createCentralClient } from './central-client.ts'

function recordingFetch(respond: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = []
  const f: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    calls.push({ url, init: init ?? {} })
    return Promise.resolve(respond(url, init ?? {}))
  }
  return { f, calls }
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('central client', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const clock = new ManualClock(Date.UTC(2026, 0, 1))

  it('signs method, path, timestamp, nonce and the exact body bytes', async () => {
    const { f, calls } = recordingFetch(() => json(200, { meterNo: '58101000001', amountFen: 1000, energyWh: 1600, breakdown: { energyFen: 1000, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 }, tariffName: 't' }))
    const c = createCentralClient({ baseUrl: 'http://central/', clock, timeoutMs: 1000, fetch: f, credentials: () => ({ kioskId: 'K001', privateKey }) })
    await c.quote('58101000001', 1000)
    const call = calls[0]!
    expect(call.url).toBe('http://central/api/v1/vends/quote')
    const h = call.init.headers as Record<string, string>
    const body = Buffer.from(call.init.body as Uint8Array)
    expect(h[SIGNATURE_HEADERS.kiosk]).toBe('K001')
    expect(h[SIGNATURE_HEADERS.timestamp]).toBe(String(clock.now()))
    expect(h[SIGNATURE_HEADERS.nonce]).toMatch(/^[0-9a-f]{32}$/)
    const signed = canonicalSigningString({
      method: 'POST',
      path: '/api/v1/vends/quote',
      timestamp: h[SIGNATURE_HEADERS.timestamp]!,
      nonce: h[SIGNATURE_HEADERS.nonce]!,
      bodySha256Hex: createHash('sha256').update(body).digest('hex'),
    })
    expect(verify(null, Buffer.from(signed), publicKey, Buffer.from(h[SIGNATURE_HEADERS.signature]!, 'base64'))).toBe(true)
  })

  it('posts a journaled vend body byte for byte', async () => {
    const { f, calls } = recordingFetch(() => json(500, { statusCode: 500, code: 'ERR_INTERNAL', error: 'x', message: 'x' }))
    const c = createCentralClient({ baseUrl: 'http://central', clock, timeoutMs: 1000, fetch: f, credentials: () => ({ kioskId: 'K001', privateKey }) })
    const body = '{"vendId":"x",  "odd":"spacing"}'
    await expect(c.postVend(body)).rejects.toBeInstanceOf(CentralError)
    expect(Buffer.from(calls[0]!.init.body as Uint8Array).toString('utf8')).toBe(body)
  })

  it('an answer is an answer (status and code); no answer is status 0 and ERR_CENTRAL_UNREACHABLE', async () => {
    const reach: boolean[] = []
    const notFound = recordingFetch(() => json(404, { statusCode: 404, code: 'ERR_CARD_UNKNOWN', error: 'Not Found', message: 'no card' }))
    const c = createCentralClient({ baseUrl: 'http://c', clock, timeoutMs: 1000, fetch: notFound.f, credentials: () => ({ kioskId: 'K001', privateKey }), onReachability: (r) => reach.push(r) })
    await expect(c.lookupCard('8800010009')).rejects.toMatchObject({ status: 404, code: 'ERR_CARD_UNKNOWN', answered: true })
    const down: typeof fetch = () => Promise.reject(new TypeError('fetch failed'))
    const d = createCentralClient({ baseUrl: 'http://c', clock, timeoutMs: 1000, fetch: down, credentials: () => ({ kioskId: 'K001', privateKey }), onReachability: (r) => reach.push(r) })
    await expect(d.lookupCard('8800010009')).rejects.toMatchObject({ status: 0, code: 'ERR_CENTRAL_UNREACHABLE', answered: false })
    expect(reach).toEqual([true, false])
  })

  it('refuses a response that breaks the contract', async () => {
    const { f } = recordingFetch(() => json(200, { kind: 'resident' }))
    const c = createCentralClient({ baseUrl: 'http://c', clock, timeoutMs: 1000, fetch: f, credentials: () => ({ kioskId: 'K001', privateKey }) })
    await expect(c.lookupCard('8800010001')).rejects.toMatchObject({ code: 'ERR_CENTRAL_BAD_RESPONSE' })
  })

  it('enrolment is unsigned; signed calls need an enrolment', async () => {
    const { f, calls } = recordingFetch(() => json(200, { kioskId: 'K001', name: 'n', siteName: 's', location: 'l' }))
    const c = createCentralClient({ baseUrl: 'http://c', clock, timeoutMs: 1000, fetch: f, credentials: () => null })
    await c.enroll({ enrollmentCode: 'DEMO-ENROLL-K001', publicKey: 'x'.repeat(60) })
    expect((calls[0]!.init.headers as Record<string, string>)[SIGNATURE_HEADERS.signature]).toBeUndefined()
    await expect(c.lookupCard('8800010001')).rejects.toMatchObject({ code: 'ERR_AUTH_MISSING' })
  })
})
