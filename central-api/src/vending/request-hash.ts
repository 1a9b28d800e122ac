/**
 * The fingerprint that decides "same vend id, same request" (DESIGN.md, Exactly once). Computed
 * over the validated body with sorted keys, so a retry that serialises fields in another order is
 * still the same request; the kiosk id is part of it, so another kiosk cannot claim the vend.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.ts'

export function vendRequestHash(kioskId: string, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ kioskId, body })).digest('hex')
}
