/**
 * The kiosk side of request signing, for tests and tools (the kiosk agent has its own copy).
 * Signs exactly what the central verifies: canonicalSigningString over the raw body bytes.
 */
import { createHash, randomUUID, sign, type KeyObject } from 'node:crypto'
import { SIGNATURE_HEADERS, canonicalSigningString } from '@gridtill/shared'

export interface SignRequestInput {
  privateKey: KeyObject
  kioskId: string
  method: string
  /** Path with query string, exactly as it will be sent. */
  path: string
  /** The body bytes exactly as they will be sent; omit for no body. */
  body?: string | Uint8Array | undefined
  now: number
  nonce?: string
}

export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = String(input.now)
  const nonce = input.nonce ?? randomUUID()
  const bodyBytes = input.body === undefined ? Buffer.alloc(0) : typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body
  const bodySha256Hex = createHash('sha256').update(bodyBytes).digest('hex')
  const message = canonicalSigningString({ method: input.method, path: input.path, timestamp, nonce, bodySha256Hex })
  const signature = sign(null, Buffer.from(message, 'utf8'), input.privateKey).toString('base64')
  return {
    [SIGNATURE_HEADERS.kiosk]: input.kioskId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  }
}
