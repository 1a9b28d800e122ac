import type { KeyObject } from 'node:crypto'
import { Type, type TSchema, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import {
  API_PREFIX,
  CardLookupResponse,
  CollectionReceipt,
  EnrollResponse,
  ErrorCode,
  MeterLookupResponse,
  QuoteResponse,
  VendResponse,
  VendStatusResponse,
  type Clock,
  type EnrollRequest,
  type HeartbeatRequest,
  type VendRequest,
} from '@gridtill/shared'
import { nodeHttpRequest, type HttpAnswer, type HttpRequestFn } from './http-transport.ts'
import { signatureHeaders } from './sign.ts'
import './formats.ts'

/**
 * A failed call. `status` 0 means the central never answered (network, timeout): the caller may
 * retry. Any other status is the central's answer, with its error code.
 */
export class CentralError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'CentralError'
  }

  get answered(): boolean {
    return this.status !== 0
  }
}

export interface CentralClientOptions {
  baseUrl: string
  clock: Clock
  timeoutMs: number
  /** The signing identity, set after enrolment. */
  credentials?: () => { kioskId: string; privateKey: KeyObject } | null
  /** Tests inject a fetch; by default requests go over node:http (http-transport.ts). */
  fetch?: typeof fetch
  /** Told after every call whether the central answered at all (for the online indicator). */
  onReachability?: (reachable: boolean) => void
}

export interface CentralClient {
  enroll(req: EnrollRequest): Promise<EnrollResponse>
  lookupCard(cardNo: string): Promise<CardLookupResponse>
  lookupMeter(meterNo: string): Promise<MeterLookupResponse>
  quote(meterNo: string, amountFen: number): Promise<QuoteResponse>
  /** `body` is the journaled request text, sent byte for byte on every retry. */
  postVend(body: string | VendRequest): Promise<VendResponse>
  vendStatus(vendId: string): Promise<VendStatusResponse>
  /** The stored answer again, for a duplicate receipt (never a new token). */
  reprint(vendId: string): Promise<VendResponse>
  /** The central's unsigned /health: only whether it answers (drives the online indicator). */
  ping(): Promise<void>
  /** Signed kiosk state (shared HeartbeatRequest); any 2xx is an answer. */
  heartbeat(body: HeartbeatRequest): Promise<void>
  /** A closed cash box cycle (shared CollectionRequest), the journaled text byte for byte. */
  postCollection(body: string): Promise<CollectionReceipt>
  /** A field-staff action for the central's audit log (shared ServiceEventRequest); any 2xx is an answer. */
  postServiceEvent(body: string): Promise<void>
}

export function createCentralClient(options: CentralClientOptions): CentralClient {
  const doFetch: HttpRequestFn = options.fetch ? (url, init) => (options.fetch as typeof fetch)(url, init) : nodeHttpRequest
  const base = options.baseUrl.replace(/\/+$/, '')

  async function call<S extends TSchema>(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    schema: S,
    signed = true,
  ): Promise<Static<S>> {
    const bytes = Buffer.from(body ?? '', 'utf8')
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== null) headers['content-type'] = 'application/json'
    if (signed) {
      const creds = options.credentials?.()
      if (!creds) throw new CentralError(0, ErrorCode.AUTH_MISSING, 'kiosk is not enrolled yet')
      Object.assign(headers, signatureHeaders({ ...creds, method, path, body: bytes, nowMs: options.clock.now() }))
    }
    let res: HttpAnswer
    try {
      res = await doFetch(base + path, {
        method,
        headers,
        ...(body !== null ? { body: bytes } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      })
    } catch (err) {
      options.onReachability?.(false)
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      throw new CentralError(0, ErrorCode.CENTRAL_UNREACHABLE, `central unreachable (${method} ${path}): ${why}`)
    }
    let text: string
    try {
      text = await res.text()
    } catch (err) {
      options.onReachability?.(false)
      throw new CentralError(0, ErrorCode.CENTRAL_UNREACHABLE, `central connection dropped: ${String(err)}`)
    }
    // A proxy's 502/503/504 means the central itself did not answer.
    const reachable = !(res.status === 502 || res.status === 503 || res.status === 504)
    options.onReachability?.(reachable)
    let json: unknown = undefined
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      // handled below
    }
    if (!res.ok) {
      const e = (json ?? {}) as { code?: unknown; message?: unknown }
      const code = typeof e.code === 'string' ? e.code : res.status >= 500 ? ErrorCode.INTERNAL : `HTTP_${res.status}`
      const message = typeof e.message === 'string' ? e.message : `HTTP ${res.status}`
      throw new CentralError(reachable ? res.status : 0, reachable ? code : ErrorCode.CENTRAL_UNREACHABLE, message)
    }
    if (!Value.Check(schema, json)) {
      const first = [...Value.Errors(schema, json)][0]
      // A 5xx-like answer: the body is not what the contract promises; retrying is safe (ids are idempotent).
      throw new CentralError(502, 'ERR_CENTRAL_BAD_RESPONSE', `unexpected response to ${method} ${path}: ${first?.path ?? ''} ${first?.message ?? ''}`)
    }
    return json
  }

  const enc = encodeURIComponent
  return {
    enroll: (req) => call('POST', `${API_PREFIX}/kiosks/enroll`, JSON.stringify(req), EnrollResponse, false),
    lookupCard: (cardNo) => call('GET', `${API_PREFIX}/cards/${enc(cardNo)}`, null, CardLookupResponse),
    lookupMeter: (meterNo) => call('GET', `${API_PREFIX}/meters/${enc(meterNo)}/account`, null, MeterLookupResponse),
    quote: (meterNo, amountFen) => call('POST', `${API_PREFIX}/vends/quote`, JSON.stringify({ meterNo, amountFen }), QuoteResponse),
    postVend: (body) => call('POST', `${API_PREFIX}/vends`, typeof body === 'string' ? body : JSON.stringify(body), VendResponse),
    vendStatus: (vendId) => call('GET', `${API_PREFIX}/vends/${enc(vendId)}`, null, VendStatusResponse),
    reprint: (vendId) => call('POST', `${API_PREFIX}/vends/${enc(vendId)}/reprint`, null, VendResponse),
    heartbeat: async (body) => {
      // 204 has no body: accept anything for a 2xx
      await call('POST', `${API_PREFIX}/kiosks/heartbeat`, JSON.stringify(body), Type.Unknown())
    },
    postCollection: (body) => call('POST', `${API_PREFIX}/kiosks/collections`, body, CollectionReceipt),
    postServiceEvent: async (body) => {
      await call('POST', `${API_PREFIX}/kiosks/service-events`, body, Type.Unknown())
    },
    ping: async () => {
      try {
        await call('GET', '/health', null, Type.Unknown(), false)
      } catch (err) {
        // 503 "not ready" is still an answer: the central is there.
        if (!(err instanceof CentralError && err.answered)) throw err
      }
    },
  }
}
