/**
 * The vend (DESIGN.md, picture): validate → claim the vend id → tariff engine → security module →
 * one transaction writing the vend, its notes, the ledger legs, the account's tariff state, the
 * TID, the receipt number, the delivery outbox row and the audit row. The kiosk gets its answer
 * only after that transaction commits.
 *
 * The claim is a row in the database, so a duplicate arriving at any central instance while the
 * vend is in flight is told 409 (retry later), and afterwards gets the stored answer.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { ErrorCode, tidFromTime, type AccountTariffState, type Clock, type QuoteRequest, type QuoteResponse, type VendRequest } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import type { Metrics } from '../plugins/metrics.ts'
import type { AccountView, DeliveryRecord, MeterRecord, Repository, TariffVersion, VendRecord } from '../storage/repository.ts'
import { backoffMs } from '../meter-link/backoff.ts'
import { KeyedMutex } from './keyed-mutex.ts'
import { businessDay } from './receipt-no.ts'
import { vendRequestHash } from './request-hash.ts'
import { priceVend, quotePrice } from './tariff.ts'
import { allocateTid } from './tid.ts'
import type { CreditMinter } from './token-minter.ts'

/** A vend that loses the compare-and-set this often is racing something it should not be. */
const MAX_COMMIT_ATTEMPTS = 8
/** A claim outlives any sane vend; after this a crashed instance's claim may be taken over. */
export const DEFAULT_CLAIM_LEASE_MS = 30_000

export interface VendServiceDeps {
  repo: Repository
  minter: CreditMinter
  clock: Clock
  timeZone: string
  metrics: Metrics
  /** Handed each committed delivery (first attempt already recorded), so the meter link publishes it at once. */
  onCommitted: (delivery: DeliveryRecord) => void
  claimLeaseMs?: number
}

export interface VendOutcome {
  vend: VendRecord
  replayed: boolean
}

interface Loaded {
  meter: MeterRecord
  account: Omit<AccountView, 'meters'>
  tariff: TariffVersion
  state: AccountTariffState
}

export class VendService {
  private readonly accounts = new KeyedMutex()
  /** meter → account, for the per-account queue's key. */
  private readonly accountOf = new Map<string, string>()

  constructor(private readonly deps: VendServiceDeps) {}

  async quote(req: QuoteRequest): Promise<QuoteResponse> {
    const now = this.deps.clock.now()
    const { meter, tariff, state } = await this.load(req.meterNo, now)
    const q = quotePrice(tariff, state, req.amountFen, now)
    return { meterNo: meter.meterNo, amountFen: req.amountFen, energyWh: q.energyWh, breakdown: q.breakdown, tariffName: tariff.tariffName }
  }

  async vend(kioskId: string, body: VendRequest, log: FastifyBaseLogger): Promise<VendOutcome> {
    let sum = 0
    const noteIds = new Set<string>()
    for (const n of body.notes) {
      sum += n.valueFen
      if (noteIds.has(n.noteId)) throw new Errors.validation(`note ${n.noteId} appears twice in one vend`)
      noteIds.add(n.noteId)
    }
    if (sum !== body.amountFen) throw new Errors.vendNotesMismatch()
    const paidAt = Date.parse(body.paidAt)
    if (!Number.isFinite(paidAt)) throw new Errors.validation('paidAt is not a valid time')

    const requestHash = vendRequestHash(kioskId, body)
    const owner = randomUUID()
    const claim = await this.deps.repo.claimVend({
      vendId: body.vendId,
      requestHash,
      kioskId,
      owner,
      now: this.deps.clock.now(),
      leaseMs: this.deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS,
    })
    switch (claim.kind) {
      case 'completed':
        return this.replay(claim.vend, requestHash)
      case 'inFlight':
        if (claim.requestHash !== requestHash) throw new Errors.vendIdReused()
        throw new Errors.vendInFlight()
      case 'claimed':
        break
    }

    let done = false
    try {
      const accountId = this.accountOf.get(body.meterNo) ?? (await this.load(body.meterNo, this.deps.clock.now())).account.accountId
      const outcome = await this.accounts.run(accountId, () => this.commitLoop(kioskId, body, { paidAt, requestHash, owner, noteIds }, log))
      // A 'created' commit removed the claim in its own transaction.
      done = !outcome.replayed
      return outcome
    } finally {
      if (!done) {
        await this.deps.repo.releaseVendClaim(body.vendId, owner).catch((err: unknown) => log.warn({ err, vendId: body.vendId }, 'could not release a vend claim; it expires'))
      }
    }
  }

  private async commitLoop(
    kioskId: string,
    body: VendRequest,
    ctx: { paidAt: number; requestHash: string; owner: string; noteIds: Set<string> },
    log: FastifyBaseLogger,
  ): Promise<VendOutcome> {
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const now = this.deps.clock.now()
      const at = Math.min(ctx.paidAt, now)
      const { meter, account, tariff, state } = await this.load(body.meterNo, at)
      const outcome = priceVend(tariff, state, body.amountFen, at)
      // All of the money went to fixed charges or debt: recorded, and no token to mint.
      const tid = outcome.units01 > 0 ? nextTid(meter, now) : null
      const tokens = tid === null ? [] : await mint(this.deps.minter, meter, tid, outcome.units01)

      const result = await this.deps.repo.commitVend({
        vendId: body.vendId,
        requestHash: ctx.requestHash,
        kioskId,
        meterNo: meter.meterNo,
        cardNo: body.cardNo ?? null,
        amountFen: body.amountFen,
        notes: body.notes,
        paidAt: ctx.paidAt,
        now,
        businessDay: businessDay(now, this.deps.timeZone),
        claimOwner: ctx.owner,
        expected: { accountId: account.accountId, lastTid: meter.lastTid, tariffVersionId: tariff.versionId, state },
        customerName: account.customerName,
        tariffName: tariff.tariffName,
        outcome,
        tid,
        tokens,
        deliveryRetryAt: now + backoffMs(1),
      })
      switch (result.kind) {
        case 'created': {
          const r = result.vend.response
          this.deps.metrics.recordVend(body.amountFen, body.notes.length)
          log.info(
            {
              vendId: r.vendId,
              receiptNo: r.receiptNo,
              meterNo: r.meterNo,
              amountFen: r.amountFen,
              energyWh: r.energyWh,
              breakdown: r.breakdown,
              tid,
              deliveryId: result.deliveryId,
              noteIds: [...ctx.noteIds],
            },
            'vend committed',
          )
          log.debug({ vendId: r.vendId, tokens }, 'tokens minted')
          if (result.delivery !== null) this.deps.onCommitted(result.delivery)
          return { vend: result.vend, replayed: false }
        }
        case 'replayed':
          return this.replay(result.vend, ctx.requestHash)
        case 'stale':
          log.info({ vendId: body.vendId, attempt }, 'meter or account moved while minting; minting again')
          continue
      }
    }
    throw new Error(`vend ${body.vendId} lost the compare-and-set ${MAX_COMMIT_ATTEMPTS} times`)
  }

  private replay(existing: VendRecord, requestHash: string): VendOutcome {
    if (existing.requestHash !== requestHash) throw new Errors.vendIdReused()
    this.deps.metrics.vendsReplayedTotal++
    return { vend: existing, replayed: true }
  }

  private async load(meterNo: string, at: number): Promise<Loaded> {
    const found = await this.deps.repo.getMeterAccount(meterNo, at)
    if (found === null) throw new Errors.meterUnknown()
    const { meter, account } = found
    // Only the queue's key: a stale entry (a meter moved to another account) costs a re-mint, never money.
    if (this.accountOf.size > 100_000) this.accountOf.clear()
    this.accountOf.set(meterNo, meter.accountId)
    if (account.status !== 'open') throw new Errors.accountClosed()
    if (account.tariff === null || account.tariffState === null) throw new Errors.tariffMissing()
    return { meter, account, tariff: account.tariff, state: account.tariffState }
  }
}

function nextTid(meter: MeterRecord, now: number): number {
  const r = allocateTid(stsCall(() => tidFromTime(now, meter.baseDate)), meter.lastTid, meter.ken)
  if (r.ok) return r.tid
  throw r.reason === 'range' ? new Errors.stsTidRange() : new Errors.stsKeyExpired()
}

async function mint(minter: CreditMinter, meter: MeterRecord, tid: number, units01: number): Promise<string[]> {
  try {
    return await minter.mintCredit(meter, tid, units01)
  } catch (e) {
    throw mapStsError(e)
  }
}

function stsCall<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    throw mapStsError(e)
  }
}

/** The codec's range and expiry failures are the meter's key's fault, not the kiosk's: 503. */
function mapStsError(e: unknown): unknown {
  const code = e instanceof Error && 'code' in e ? (e as { code: unknown }).code : undefined
  if (code === ErrorCode.STS_TID_RANGE) return new Errors.stsTidRange()
  if (code === ErrorCode.STS_KEY_EXPIRED) return new Errors.stsKeyExpired()
  return e
}
