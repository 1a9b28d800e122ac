/**
 * The audit log's hash chain (DESIGN.md, Security): each entry's hash covers the previous hash and
 * the entry itself, so removing or editing any row breaks every hash after it.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.ts'

export const GENESIS_HASH = '0'.repeat(64)

export interface AuditFields {
  at: number
  actor: string
  action: string
  /** Canonical JSON text of the details, exactly as stored. */
  details: string
}

export function auditDetailsText(details: Record<string, unknown>): string {
  return canonicalJson(details)
}

export function auditHash(prevHash: string, e: AuditFields): string {
  return createHash('sha256').update([prevHash, String(e.at), e.actor, e.action, e.details].join('\n')).digest('hex')
}
