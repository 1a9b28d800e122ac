import { createHash, generateKeyPairSync, verify } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { ManualClock, SIGNATURE_HEADERS, canonicalSigningString, type AccountHistoryResponse } from '@gridtill/shared'
import { CentralError } from './central-client.ts'
import { createHistoryClient } from './history.ts'

const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const clock = new ManualClock(Date.UTC(2026, 0, 1))
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const months = Array.from({ length: 12 }, (_, i) => ({ month: `2025-${String(i + 1).padStart(2, '0')}`, energyWh: i === 0 ? null : 1000 * i }))
const HISTORY: AccountHistoryResponse = {
  accountId: 'A1',
  vends: [
    {
      vendId: 'v1',
      receiptNo: 'K001-20260101-000001',
      meterNo: '58101000001',
      meterNoDisplay: '5810 1000 0015',
      paidAt: '2026-01-01T02:00:00.000Z',
      amountFen: 2000,
      energyWh: 33_300,
      tokens: ['12345678901234567890'],
      delivery: { state: 'cancelled', reason: null, updatedAt: '2026-01-01T02:00:05.000Z' },
    },
  ],
  months,
  timeZone: 'Asia/Shanghai',
}

function client(respond: (url: string) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = []
  const f: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    calls.push({ url, init: init ?? {} })
    return respond(url)
  }
  return { calls, c: createHistoryClient({ baseUrl: 'http://central/', clock, timeoutMs: 1000, fetch: f, credentials: () => ({ kioskId: 'K001', privateKey }) }) }
}

describe('card history client', () => {
  it('signs GET …/cards/:cardNo/history?limit=5 (path with query, empty body) and returns the checked body', async () => {
    const { c, calls } = client(() => json(200, HISTORY))
    expect(await c.cardHistory('8800010001')).toEqual(HISTORY)
    const call = calls[0]!
    expect(call.url).toBe('http://central/api/v1/cards/8800010001/history?limit=5')
    expect(call.init.method).toBe('GET')
    const h = call.init.headers as Record<string, string>
    expect(h[SIGNATURE_HEADERS.kiosk]).toBe('K001')
    const signed = canonicalSigningString({
      method: 'GET',
      path: '/api/v1/cards/8800010001/history?limit=5',
      timestamp: h[SIGNATURE_HEADERS.timestamp]!,
      nonce: h[SIGNATURE_HEADERS.nonce]!,
      bodySha256Hex: createHash('sha256').update(Buffer.alloc(0)).digest('hex'),
    })
    expect(verify(null, Buffer.from(signed), publicKey, Buffer.from(h[SIGNATURE_HEADERS.signature]!, 'base64'))).toBe(true)
  })

  it('carries the central’s error code; no answer is unreachable; a body off the contract is refused', async () => {
    const refused = await client(() => json(403, { statusCode: 403, code: 'ERR_CARD_BLOCKED', error: 'Forbidden', message: 'Card is blocked' })).c.cardHistory('8800010001').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(CentralError)
    expect(refused).toMatchObject({ status: 403, code: 'ERR_CARD_BLOCKED' })
    const down = await client(() => Promise.reject(new TypeError('fetch failed'))).c.cardHistory('8800010001').catch((e: unknown) => e)
    expect(down).toMatchObject({ status: 0, code: 'ERR_CENTRAL_UNREACHABLE' })
    const proxy = await client(() => new Response('bad gateway', { status: 502 })).c.cardHistory('8800010001').catch((e: unknown) => e)
    expect(proxy).toMatchObject({ status: 0, code: 'ERR_CENTRAL_UNREACHABLE' })
    const odd = await client(() => json(200, { ...HISTORY, months: months.slice(1) })).c.cardHistory('8800010001').catch((e: unknown) => e)
    expect(odd).toMatchObject({ status: 502, code: 'ERR_CENTRAL_BAD_RESPONSE' })
  })

  it('without an injected fetch it goes over node:http, not the global fetch (undici costs ~80 ms CPU on first use)', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/api/v1/cards/8800010001/history?limit=5' ? 200 : 404, { 'content-type': 'application/json' })
      res.end(JSON.stringify(HISTORY))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const spy = vi.spyOn(globalThis, 'fetch')
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const c = createHistoryClient({ baseUrl: url, clock, timeoutMs: 1000, credentials: () => ({ kioskId: 'K001', privateKey }) })
      expect(await c.cardHistory('8800010001')).toEqual(HISTORY)
      expect(spy).not.toHaveBeenCalled()
    } finally {
      spy.mockRestore()
      await new Promise((r) => server.close(r))
    }
  })
})
