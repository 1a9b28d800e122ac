/**
 * The two per-request guards of a kiosk request, kept in this process's memory on SQLite, so a vend
 * visits the writer thread once (its commit) instead of three times, each possibly behind an fsync.
 * SQLite serves one central process (DESIGN.md, Storage), so this process sees every request:
 *
 *  - Nonces: memory decides (loaded from kiosk_nonces at start), and the row is still written, in
 *    the next group commit; settled() waits for it, so no reply leaves before its nonce is durable
 *    and a restart inside the signature window still refuses a replay.
 *  - Vend claims: the claim only has to outlive the attempt that holds it, and a crash ends every
 *    attempt of the one process, so it needs no row at all. A completed vend is found in the
 *    database (committed vends only: a claim is dropped only after its vend's commit is durable).
 *
 * PostgreSQL (several instances) keeps both in the database.
 */
import type { VendClaimRequest, VendClaimResult, VendCommitResult } from '../repository.ts'

/** Expired nonces are forgotten every this many (their timestamps are outside the window anyway). */
const NONCE_SWEEP_EVERY = 1000

interface Claim {
  requestHash: string
  owner: string
  expiresAt: number
}

export class ProcessGuards {
  private readonly nonces = new Map<string, number>()
  private readonly claims = new Map<string, Claim>()
  private nonceInserts = 0

  /** Nonces already spent, from the database (kioskId, nonce, expiresAt). */
  constructor(spent: Iterable<{ kioskId: string; nonce: string; expiresAt: number }>) {
    for (const n of spent) this.nonces.set(nonceKey(n.kioskId, n.nonce), n.expiresAt)
  }

  /** True if the nonce was unused (and is now spent). */
  spendNonce(kioskId: string, nonce: string, expiresAt: number, now: number): boolean {
    if (++this.nonceInserts % NONCE_SWEEP_EVERY === 0) {
      for (const [k, exp] of this.nonces) if (exp < now) this.nonces.delete(k)
    }
    const key = nonceKey(kioskId, nonce)
    if (this.nonces.has(key)) return false
    this.nonces.set(key, expiresAt)
    return true
  }

  /** The claim step after the database said the vend is not completed. */
  claim(req: VendClaimRequest): VendClaimResult {
    const held = this.claims.get(req.vendId)
    // A live claim holds; an expired one (an attempt that hung past its lease) may be taken over.
    if (held !== undefined && held.expiresAt >= req.now) return { kind: 'inFlight', requestHash: held.requestHash }
    this.claims.set(req.vendId, { requestHash: req.requestHash, owner: req.owner, expiresAt: req.now + req.leaseMs })
    return { kind: 'claimed' }
  }

  release(vendId: string, owner: string): void {
    if (this.claims.get(vendId)?.owner === owner) this.claims.delete(vendId)
  }

  /** After a commit attempt: a durable vend ends its claim (as the commit's DELETE does in the database). */
  committed(vendId: string, owner: string, result: VendCommitResult): void {
    if (result.kind === 'created') this.release(vendId, owner)
  }
}

function nonceKey(kioskId: string, nonce: string): string {
  return `${kioskId}\n${nonce}`
}
