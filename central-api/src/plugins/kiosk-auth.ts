/**
 * Kiosk authentication (DESIGN.md, Security): enrolment with a one-time code, then every request
 * signed with the kiosk's Ed25519 key over method, path, timestamp, nonce and the raw body's
 * digest, inside a 5-minute window on the injected clock, each nonce once.
 */
import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { SIGNATURE_HEADERS, SIGNATURE_WINDOW_MS, canonicalSigningString, type Clock } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import type { KioskRecord, Repository } from '../storage/repository.ts'
import { verifyEnrollmentCode } from './enrollment-code.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The raw JSON body bytes, kept for the signature's body digest. */
    rawBody: Buffer | null
    /** The kiosk that signed this request, once verified. */
    kiosk: KioskRecord | null
  }
  interface FastifyInstance {
    /** preValidation hook: a valid kiosk signature or 401. */
    verifyKiosk: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** preValidation hook: the admin token (when configured) or a valid kiosk signature. */
    verifyKioskOrAdmin: (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export const ADMIN_TOKEN_HEADER = 'x-gridtill-admin-token'

const KIOSK_ID_RE = /^[A-Za-z0-9_-]{1,64}$/
const TIMESTAMP_RE = /^[0-9]{1,16}$/
const NONCE_RE = /^[A-Za-z0-9_-]{8,128}$/
const SIGNATURE_RE = /^[A-Za-z0-9+/]{86}==$/

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}

/** Ed25519 SPKI DER (base64) → key object, or null if it is anything else. */
export function parseKioskPublicKey(b64: string): KeyObject | null {
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null
    const key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' })
    return key.asymmetricKeyType === 'ed25519' ? key : null
  } catch {
    return null
  }
}

export interface KioskAuthOptions {
  repo: Repository
  clock: Clock
  adminToken: string | undefined
}

/**
 * Ed25519 verification on libuv's thread pool (crypto.verify with a callback): a tenth of a
 * millisecond of CPU per request that the event loop, busy with vends, does not have to spend.
 */
function verifyInPool(message: Buffer, key: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(null, message, key, signature, (err, ok) => resolve(err === null && ok))
    } catch {
      resolve(false)
    }
  })
}

export async function verifySignedRequest(req: FastifyRequest, repo: Repository, clock: Clock, keys: Map<string, KeyObject>): Promise<KioskRecord> {
  const kioskId = header(req, SIGNATURE_HEADERS.kiosk)
  const timestamp = header(req, SIGNATURE_HEADERS.timestamp)
  const nonce = header(req, SIGNATURE_HEADERS.nonce)
  const signature = header(req, SIGNATURE_HEADERS.signature)
  if (kioskId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) throw new Errors.authMissing()
  if (!KIOSK_ID_RE.test(kioskId) || !TIMESTAMP_RE.test(timestamp) || !NONCE_RE.test(nonce) || !SIGNATURE_RE.test(signature)) {
    throw new Errors.authBadSignature()
  }
  const kiosk = await repo.getKiosk(kioskId)
  if (kiosk === null || kiosk.publicKey === null) throw new Errors.authUnknownKiosk()
  if (kiosk.revoked) throw new Errors.authKioskRevoked()
  if (Math.abs(clock.now() - Number(timestamp)) > SIGNATURE_WINDOW_MS) throw new Errors.authClockSkew()

  let key = keys.get(kiosk.publicKey)
  if (key === undefined) {
    const parsed = parseKioskPublicKey(kiosk.publicKey)
    if (parsed === null) throw new Errors.authUnknownKiosk()
    key = parsed
    keys.set(kiosk.publicKey, key)
  }
  const bodySha256Hex = createHash('sha256')
    .update(req.rawBody ?? Buffer.alloc(0))
    .digest('hex')
  const message = canonicalSigningString({ method: req.method, path: req.url, timestamp, nonce, bodySha256Hex })
  if (!(await verifyInPool(Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64')))) throw new Errors.authBadSignature()
  // Only a verified request may spend a nonce, so nobody can burn a kiosk's nonces for it.
  if (!(await repo.useNonce(kiosk.id, nonce, Number(timestamp) + SIGNATURE_WINDOW_MS, clock.now()))) throw new Errors.authReplayedNonce()
  // The reply waits for this nonce to be durable (plugins/storage.ts); a reply never sent must not
  // leave the barrier's failure unhandled.
  const barrier = repo.settled()
  barrier.catch(() => undefined)
  req.storageBarrier = barrier
  return kiosk
}

/** Constant-time comparison of the admin token (hashes first, so lengths never leak). */
export function adminTokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * Every later line of the request names the kiosk. The request's logger is its own child (reqId),
 * so its bindings can grow in place: cheaper than a child per request, and the "request completed"
 * line (the reply's logger, the same object) carries the kiosk too.
 */
function bindKiosk(req: FastifyRequest, kioskId: string): void {
  const log = req.log as FastifyRequest['log'] & { setBindings?: (b: Record<string, unknown>) => void }
  if (typeof log.setBindings === 'function' && log !== req.server.log) log.setBindings({ kioskId })
  else req.log = req.log.child({ kioskId })
}

export const kioskAuthPlugin = fp<KioskAuthOptions>(
  (app, opts, done) => {
    const keys = new Map<string, KeyObject>()
    app.decorateRequest('rawBody', null)
    app.decorateRequest('kiosk', null)

    // The API speaks JSON only (anything else is a 415). Keep the exact bytes the kiosk signed,
    // then parse them with Fastify's own proto-safe parser.
    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, doneParse) => {
      const raw = body as Buffer
      req.rawBody = raw
      void parseJson(req, raw.toString('utf8'), doneParse)
    })

    app.decorate('verifyKiosk', async (req: FastifyRequest) => {
      req.kiosk = await verifySignedRequest(req, opts.repo, opts.clock, keys)
      bindKiosk(req, req.kiosk.id)
    })

    app.decorate('verifyKioskOrAdmin', async (req: FastifyRequest) => {
      const token = header(req, ADMIN_TOKEN_HEADER)
      if (token !== undefined) {
        if (opts.adminToken !== undefined && adminTokenMatches(token, opts.adminToken)) return
        throw new Errors.staffUnauthenticated()
      }
      req.kiosk = await verifySignedRequest(req, opts.repo, opts.clock, keys)
    })
    done()
  },
  { name: 'kiosk-auth' },
)

export type EnrollOutcome = { ok: true; kiosk: KioskRecord } | { ok: false; reason: 'badCode' | 'badKey' }

/** Binds a kiosk's public key to the kiosk whose one-time code this is; the code dies with it. */
export async function enrollKiosk(repo: Repository, code: string, publicKeyB64: string, now: number): Promise<EnrollOutcome> {
  if (parseKioskPublicKey(publicKeyB64) === null) return { ok: false, reason: 'badKey' }
  for (const pending of await repo.pendingEnrollments()) {
    if (!(await verifyEnrollmentCode(code, pending.codeHash))) continue
    if (!(await repo.completeEnrollment(pending.kioskId, pending.codeHash, publicKeyB64, now))) return { ok: false, reason: 'badCode' }
    const kiosk = await repo.getKiosk(pending.kioskId)
    return kiosk === null ? { ok: false, reason: 'badCode' } : { ok: true, kiosk }
  }
  return { ok: false, reason: 'badCode' }
}
