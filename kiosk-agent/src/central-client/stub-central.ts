/**
 * A small central for the agent's tests: Fastify on a real port, every kiosk-ops body checked
 * against the shared schemas (kiosk-ops.ts) exactly as the contract says, every request's
 * signature verified. It keeps what it got, can answer any route with a chosen status, and can
 * play an unreachable central (the connection is dropped without an answer).
 */
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import type {
  CollectionReceipt} from '@gridtill/shared';
import {
  CollectionRequest,
  HeartbeatRequest,
  SIGNATURE_HEADERS,
  ServiceEventRequest,
  canonicalSigningString,
  registerSchemaFormats,
  type AccountSummary,
  type VendRequest,
  type VendResponse,
} from '@gridtill/shared'
import { FAKE_ACCOUNT } from '../testing/fakes.ts'

registerSchemaFormats()

/** The fakes' account, with arrears and a last known credit so the offline roster has something to show. */
export const STUB_ACCOUNT: AccountSummary = { ...FAKE_ACCOUNT, arrearsFen: 1234, lastKnownCreditWh: 56_700 }
export const STUB_RESIDENT_CARD = '8800010001'
export const STUB_STAFF_CARD = '9900000101'

type Answer = { status: number; body?: unknown } | 'drop'

export interface StubCentral {
  url: string
  app: FastifyInstance
  /** Whole central away: every connection dropped. */
  down: boolean
  /** One-off or standing answers per route ("POST /api/v1/kiosks/collections"), before the real handler. */
  override: Map<string, (body: unknown) => Answer | null>
  /** Routes whose next answer is lost on the way back: handled here, the connection dropped before the reply. */
  loseAnswer: Set<string>
  received: { collections: { raw: string; body: CollectionRequest }[]; serviceEvents: ServiceEventRequest[]; heartbeats: HeartbeatRequest[] }
  /** Bodies that failed the shared schema or a signature (a test fails if any). */
  invalid: string[]
  close(): Promise<void>
}

const SCHEMAS: Record<string, TSchema> = {
  '/api/v1/kiosks/collections': CollectionRequest,
  '/api/v1/kiosks/service-events': ServiceEventRequest,
  '/api/v1/kiosks/heartbeat': HeartbeatRequest,
}

export async function startStubCentral(): Promise<StubCentral> {
  const app = Fastify({ logger: false })
  let publicKeyB64: string | null = null
  const nonces = new Set<string>()
  const collections = new Map<string, { raw: string; receipt: CollectionReceipt }>()
  const events = new Set<string>()
  const stub: StubCentral = {
    url: '',
    app,
    down: false,
    override: new Map(),
    loseAnswer: new Set(),
    received: { collections: [], serviceEvents: [], heartbeats: [] },
    invalid: [],
    close: () => app.close(),
  }

  // Keep the raw text: signatures and idempotency compare bytes.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  // No answer at all, and the route's handler never runs: as if the central were not there.
  const drop = (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack()
    req.raw.socket.destroy()
    return reply
  }

  const err = (reply: FastifyReply, statusCode: number, code: string) =>
    reply.code(statusCode).send({ statusCode, code, error: 'error', message: code })

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (stub.down) return drop(req, reply)
    const path = req.url.split('?')[0] ?? ''
    const raw = typeof req.body === 'string' ? req.body : ''
    const o = stub.override.get(`${req.method} ${path}`)?.(raw ? (JSON.parse(raw) as unknown) : null)
    if (o === 'drop') return drop(req, reply)
    if (o) return reply.code(o.status).send(o.body ?? null)
    if (path === '/health' || path === '/api/v1/kiosks/enroll') return
    if (!verifySignature(req.method, req.url, raw, req.headers)) {
      stub.invalid.push(`signature ${req.method} ${req.url}`)
      return err(reply, 401, 'ERR_AUTH_BAD_SIGNATURE')
    }
    const schema = SCHEMAS[path]
    if (schema) {
      const json = JSON.parse(raw) as unknown
      if (!Value.Check(schema, json)) {
        const e = [...Value.Errors(schema, json)][0]
        stub.invalid.push(`${path}: ${e?.path ?? ''} ${e?.message ?? ''}`)
        return err(reply, 400, 'ERR_VALIDATION')
      }
    }
    return
  })

  function verifySignature(method: string, url: string, body: string, h: Record<string, string | string[] | undefined>): boolean {
    const get = (k: string) => (typeof h[k] === 'string' ? h[k] : null)
    const kiosk = get(SIGNATURE_HEADERS.kiosk)
    const timestamp = get(SIGNATURE_HEADERS.timestamp)
    const nonce = get(SIGNATURE_HEADERS.nonce)
    const signature = get(SIGNATURE_HEADERS.signature)
    if (!publicKeyB64 || kiosk !== 'K001' || !timestamp || !nonce || !signature || nonces.has(nonce)) return false
    nonces.add(nonce)
    const signed = canonicalSigningString({ method, path: url, timestamp, nonce, bodySha256Hex: createHash('sha256').update(body).digest('hex') })
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
    return verify(null, Buffer.from(signed), key, Buffer.from(signature, 'base64'))
  }

  app.addHook('onSend', async (req, _reply, payload) => {
    const key = `${req.method} ${req.url.split('?')[0] ?? ''}`
    if (stub.loseAnswer.delete(key)) req.raw.socket.destroy()
    return payload
  })

  app.get('/health', () => ({ ready: true, reasons: [] }))
  app.post('/api/v1/kiosks/enroll', (req) => {
    publicKeyB64 = (JSON.parse(req.body as string) as { publicKey: string }).publicKey
    return { kioskId: 'K001', name: 'GT-K001', siteName: 'site', location: 'lobby' }
  })
  app.get<{ Params: { cardNo: string } }>('/api/v1/cards/:cardNo', (req, reply) => {
    const { cardNo } = req.params
    if (cardNo === STUB_STAFF_CARD) return { kind: 'staff', cardNo, staffName: '李师傅 Li (field)', role: 'field' }
    if (cardNo === STUB_RESIDENT_CARD) return { kind: 'resident', cardNo, account: STUB_ACCOUNT }
    return err(reply, 404, 'ERR_CARD_UNKNOWN')
  })
  app.get<{ Params: { meterNo: string } }>('/api/v1/meters/:meterNo/account', (req, reply) =>
    req.params.meterNo === STUB_ACCOUNT.meters[0]?.meterNo ? { account: STUB_ACCOUNT } : err(reply, 404, 'ERR_METER_UNKNOWN'),
  )
  // Just enough vending for a resident session to end (same id, same body → same answer).
  const vends = new Map<string, { raw: string; response: VendResponse }>()
  const energyWh = (amountFen: number) => Math.floor(amountFen / 6) * 100
  const breakdown = (amountFen: number) => ({ energyFen: amountFen, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 })
  app.post('/api/v1/vends/quote', (req) => {
    const q = JSON.parse(req.body as string) as { meterNo: string; amountFen: number }
    return { meterNo: q.meterNo, amountFen: q.amountFen, energyWh: energyWh(q.amountFen), breakdown: breakdown(q.amountFen), tariffName: 'flat' }
  })
  app.post('/api/v1/vends', (req, reply) => {
    const raw = req.body as string
    const v = JSON.parse(raw) as VendRequest
    const seen = vends.get(v.vendId)
    if (seen) return seen.raw === raw ? seen.response : err(reply, 422, 'ERR_VEND_ID_REUSED')
    const response: VendResponse = {
      vendId: v.vendId,
      receiptNo: `K001-${String(vends.size + 1).padStart(6, '0')}`,
      meterNo: v.meterNo,
      meterNoDisplay: STUB_ACCOUNT.meters[0]?.meterNoDisplay ?? v.meterNo,
      customerNameMasked: STUB_ACCOUNT.customerNameMasked,
      amountFen: v.amountFen,
      energyWh: energyWh(v.amountFen),
      tokens: [String(10_000_000_000_000_000_000n + BigInt(vends.size + 1))],
      breakdown: breakdown(v.amountFen),
      tariffName: 'flat',
      createdAt: new Date().toISOString(),
    }
    vends.set(v.vendId, { raw, response })
    return response
  })
  app.post('/api/v1/kiosks/heartbeat', (req, reply) => {
    stub.received.heartbeats.push(JSON.parse(req.body as string) as HeartbeatRequest)
    return reply.code(204).send()
  })
  app.post('/api/v1/kiosks/service-events', (req, reply) => {
    const ev = JSON.parse(req.body as string) as ServiceEventRequest
    // Idempotent by eventId: a repeat is answered the same and recorded once.
    if (!events.has(ev.eventId)) {
      events.add(ev.eventId)
      stub.received.serviceEvents.push(ev)
    }
    return reply.code(204).send()
  })
  app.post('/api/v1/kiosks/collections', (req, reply) => {
    const raw = req.body as string
    const body = JSON.parse(raw) as CollectionRequest
    const seen = collections.get(body.cycleId)
    if (seen) return seen.raw === raw ? { ...seen.receipt, duplicate: true } : err(reply, 422, 'ERR_IDEMPOTENCY_MISMATCH')
    const sum = body.counts.reduce((a, c) => a + c.valueFen * c.count, 0)
    const n = body.counts.reduce((a, c) => a + c.count, 0)
    if (sum !== body.totalFen || n !== body.noteCount) return err(reply, 422, 'ERR_COLLECTION_COUNTS_MISMATCH')
    const receipt: CollectionReceipt = { collectionId: randomUUID(), cycleId: body.cycleId, duplicate: false, receivedAt: new Date().toISOString() }
    collections.set(body.cycleId, { raw, receipt })
    stub.received.collections.push({ raw, body })
    return receipt
  })

  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  stub.url = address
  return stub
}
