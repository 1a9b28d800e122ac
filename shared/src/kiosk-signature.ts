/**
 * What a kiosk signs (DESIGN.md, Security): method, path, timestamp, nonce and body digest, one
 * per line. Pure so both sides build the same bytes; the signing itself (Ed25519) is node:crypto.
 */
export const SIGNATURE_HEADERS = {
  kiosk: 'x-gridtill-kiosk',
  timestamp: 'x-gridtill-timestamp',
  nonce: 'x-gridtill-nonce',
  signature: 'x-gridtill-signature',
} as const

/** A request older or newer than this is refused. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000

export interface SignedParts {
  method: string
  /** Path with query string, exactly as sent. */
  path: string
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string
  nonce: string
  /** Lowercase hex SHA-256 of the raw body bytes ('' for no body hashes the empty string). */
  bodySha256Hex: string
}

export function canonicalSigningString(p: SignedParts): string {
  return ['GRIDTILL-V1', p.method.toUpperCase(), p.path, p.timestamp, p.nonce, p.bodySha256Hex].join('\n')
}
