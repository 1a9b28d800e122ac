import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto'
import { SIGNATURE_HEADERS, canonicalSigningString } from '@gridtill/shared'

/** The four headers of a signed request (kiosk-signature.ts). */
export function signatureHeaders(p: {
  kioskId: string
  privateKey: KeyObject
  method: string
  /** Path with query, exactly as sent. */
  path: string
  body: Uint8Array
  nowMs: number
  nonce?: string
}): Record<string, string> {
  const timestamp = String(p.nowMs)
  const nonce = p.nonce ?? randomBytes(16).toString('hex')
  const bodySha256Hex = createHash('sha256').update(p.body).digest('hex')
  const signed = canonicalSigningString({ method: p.method, path: p.path, timestamp, nonce, bodySha256Hex })
  // Ed25519 takes no digest algorithm: null.
  const signature = sign(null, Buffer.from(signed, 'utf8'), p.privateKey).toString('base64')
  return {
    [SIGNATURE_HEADERS.kiosk]: p.kioskId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  }
}
