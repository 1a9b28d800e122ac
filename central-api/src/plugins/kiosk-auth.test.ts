import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PREFIX, DEMO_KIOSK, SIGNATURE_HEADERS, SIGNATURE_WINDOW_MS } from '@gridtill/shared'
import { signRequest } from './kiosk-signing.ts'
import { ADMIN, enrollDemoKiosk, FIRST_CARD, FIRST_METER, kioskKeys, makeApp, signed, type TestApp, type TestKiosk } from '../test-support.ts'

const cardUrl = `${API_PREFIX}/cards/${FIRST_CARD}`

describe('kiosk enrolment', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await makeApp()
  })
  afterAll(() => t.close())

  it('refuses a wrong code, a key that is not Ed25519, and the right code a second time', async () => {
    const keys = kioskKeys()
    const wrong = await t.app.inject({ method: 'POST', url: `${API_PREFIX}/kiosks/enroll`, payload: { enrollmentCode: 'NOT-THE-CODE', publicKey: keys.publicKeyB64 } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json()).toMatchObject({ code: 'ERR_ENROLL_BAD_CODE' })

    const badKey = await t.app.inject({
      method: 'POST',
      url: `${API_PREFIX}/kiosks/enroll`,
      payload: { enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: Buffer.alloc(44, 7).toString('base64') },
    })
    expect(badKey.statusCode).toBe(400)
    expect(badKey.json()).toMatchObject({ code: 'ERR_VALIDATION' })

    const first = await enrollDemoKiosk(t.app)
    expect(first.kioskId).toBe('K001')
    const again = await t.app.inject({ method: 'POST', url: `${API_PREFIX}/kiosks/enroll`, payload: { enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: keys.publicKeyB64 } })
    expect(again.statusCode).toBe(401)
    expect(again.json()).toMatchObject({ code: 'ERR_ENROLL_BAD_CODE' })
    // The first kiosk's key still works; the attempted second key does not.
    expect((await signed(t.app, first, { method: 'GET', url: cardUrl })).statusCode).toBe(200)
    expect((await signed(t.app, { kioskId: 'K001', ...keys }, { method: 'GET', url: cardUrl })).json()).toMatchObject({ code: 'ERR_AUTH_BAD_SIGNATURE' })
  })
})

describe('kiosk request signatures', () => {
  let t: TestApp
  let kiosk: TestKiosk
  beforeAll(async () => {
    t = await makeApp()
    kiosk = await enrollDemoKiosk(t.app)
  })
  afterAll(() => t.close())

  const expect401 = (res: { statusCode: number; json: () => unknown }, code: string) => {
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ statusCode: 401, code, error: 'Unauthorized' })
  }

  it('accepts a good signature', async () => {
    expect((await signed(t.app, kiosk, { method: 'GET', url: cardUrl })).statusCode).toBe(200)
  })

  it('signs the query string too', async () => {
    const res = await signed(t.app, kiosk, { method: 'GET', url: `${API_PREFIX}/meters/${FIRST_METER}/readings?limit=5` })
    expect(res.statusCode).toBe(200)
  })

  it('refuses unsigned requests', async () => {
    expect401(await t.app.inject({ method: 'GET', url: cardUrl }), 'ERR_AUTH_MISSING')
  })

  it('refuses a signature by another key', async () => {
    const other = { kioskId: kiosk.kioskId, ...kioskKeys() }
    expect401(await signed(t.app, other, { method: 'GET', url: cardUrl }), 'ERR_AUTH_BAD_SIGNATURE')
  })

  it('refuses a signature over another path or another body', async () => {
    // Same headers, different URL: the signature covers the path.
    const sig = signedHeaders(t, kiosk, 'GET', cardUrl)
    expect401(await t.app.inject({ method: 'GET', url: `${API_PREFIX}/cards/8800010002`, headers: sig }), 'ERR_AUTH_BAD_SIGNATURE')
    // A body changed after signing.
    const body = JSON.stringify({ meterNo: FIRST_METER, amountFen: 1000 })
    const bodySig = signedHeaders(t, kiosk, 'POST', `${API_PREFIX}/vends/quote`, body)
    const tampered = body.replace('1000', '9000')
    expect401(
      await t.app.inject({ method: 'POST', url: `${API_PREFIX}/vends/quote`, headers: { ...bodySig, 'content-type': 'application/json' }, payload: tampered }),
      'ERR_AUTH_BAD_SIGNATURE',
    )
    // The same body with other whitespace is other bytes: refused too (the digest is over raw bytes).
    const spaced = JSON.stringify(JSON.parse(body) as unknown, null, 1)
    expect401(
      await t.app.inject({ method: 'POST', url: `${API_PREFIX}/vends/quote`, headers: { ...bodySig, 'content-type': 'application/json' }, payload: spaced }),
      'ERR_AUTH_BAD_SIGNATURE',
    )
  })

  it('refuses malformed headers without crashing', async () => {
    const sig = signedHeaders(t, kiosk, 'GET', cardUrl)
    for (const [name, value] of [
      [SIGNATURE_HEADERS.signature, 'not base64 !!'],
      [SIGNATURE_HEADERS.timestamp, '12e5'],
      [SIGNATURE_HEADERS.nonce, 'short'],
      [SIGNATURE_HEADERS.kiosk, '../../etc'],
    ] as const) {
      expect401(await t.app.inject({ method: 'GET', url: cardUrl, headers: { ...sig, [name]: value } }), 'ERR_AUTH_BAD_SIGNATURE')
    }
  })

  it('refuses timestamps outside the 5-minute window, both ways', async () => {
    const now = t.clock.now()
    expect401(await signed(t.app, kiosk, { method: 'GET', url: cardUrl, now: now - SIGNATURE_WINDOW_MS - 1 }), 'ERR_AUTH_CLOCK_SKEW')
    expect401(await signed(t.app, kiosk, { method: 'GET', url: cardUrl, now: now + SIGNATURE_WINDOW_MS + 1 }), 'ERR_AUTH_CLOCK_SKEW')
    expect((await signed(t.app, kiosk, { method: 'GET', url: cardUrl, now: now - SIGNATURE_WINDOW_MS + 1000 })).statusCode).toBe(200)
  })

  it('refuses a replayed nonce', async () => {
    const sig = signedHeaders(t, kiosk, 'GET', cardUrl)
    expect((await t.app.inject({ method: 'GET', url: cardUrl, headers: sig })).statusCode).toBe(200)
    expect401(await t.app.inject({ method: 'GET', url: cardUrl, headers: sig }), 'ERR_AUTH_REPLAYED_NONCE')
  })

  it('refuses an unknown kiosk', async () => {
    expect401(await signed(t.app, { ...kiosk, kioskId: 'K999' }, { method: 'GET', url: cardUrl }), 'ERR_AUTH_UNKNOWN_KIOSK')
  })

  it('admin routes take the admin token or a kiosk signature, nothing else', async () => {
    const url = `${API_PREFIX}/ledger/check`
    expect((await t.app.inject({ method: 'GET', url, headers: ADMIN })).statusCode).toBe(200)
    expect((await signed(t.app, kiosk, { method: 'GET', url })).statusCode).toBe(200)
    expect401(await t.app.inject({ method: 'GET', url, headers: { 'x-gridtill-admin-token': 'wrong-token' } }), 'ERR_STAFF_UNAUTHENTICATED')
    expect401(await t.app.inject({ method: 'GET', url }), 'ERR_AUTH_MISSING')
  })

  it('refuses a revoked kiosk (last, it revokes the shared one)', async () => {
    expect(await t.app.repo.revokeKiosk(kiosk.kioskId, 'test', t.clock.now())).toBe(true)
    expect401(await signed(t.app, kiosk, { method: 'GET', url: cardUrl }), 'ERR_AUTH_KIOSK_REVOKED')
    expect((await t.app.repo.verifyAuditChain()).ok).toBe(true)
  })
})

function signedHeaders(t: TestApp, kiosk: TestKiosk, method: 'GET' | 'POST', url: string, body?: string): Record<string, string> {
  return signRequest({ privateKey: kiosk.privateKey, kioskId: kiosk.kioskId, method, path: url, body, now: t.clock.now() })
}
