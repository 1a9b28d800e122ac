/**
 * The vend (DESIGN.md, picture): validate → tariff → security module → one transaction writing
 * the vend, its notes, the ledger legs, the TID, the receipt number, the delivery outbox row and
 * the audit row. The kiosk gets its answer only after that transaction commits.
 */
import type { FastifyBaseLogger } from 'fastify'
import { ErrorCode, tidFromTime, type Clock, type QuoteRequest, type QuoteResponse, type VendRequest } from '@gridtill/shared'
import { Errors } from '../errors.ts'
import type { Metrics } from '../plugins/metrics.ts'
import type { AccountView, MeterRecord, Repository, TariffInForce, VendRecord } from '../storage/repository.ts'
import { computeFlatVend, type VendComputation } from './compute.ts'
import { businessDay } from './receipt-no.ts'
import { vendRequestHash } from './request-hash.ts'
import { allocateTid } from './tid.ts'
import type { CreditMinter } from './token-minter.ts'

/** A vend that loses the compare-and-set this often is racing something it should not be. */
const MAX_COMMIT_ATTEMPTS = 5

export interface VendServiceDeps {
  repo: Repository
  minter: CreditMinter
  clock: Clock
  timeZone: string
  metrics: Metrics
  /** Told after each commit so the delivery worker publishes at once. */
  onCommitted: (deliveryId: string) => void
}

export interface VendOutcome {
  vend: VendRecord
  replayed: boolean
}

export class VendService {
  /** Vend ids being processed by this process: a concurrent duplicate is told 409, retry later. */
  private readonly inFlight = new Set<string>()

  constructor(private readonly deps: VendServiceDeps) {}

  async quote(req: QuoteRequest): Promise<QuoteResponse> {
    const { meter, account, tariff } = await this.load(req.meterNo, this.deps.clock.now())
    const c = compute(tariff, req.amountFen, account.walletFen)
    return { meterNo: meter.meterNo, amountFen: req.amountFen, energyWh: c.energyWh, breakdown: c.breakdown, tariffName: tariff.tariffName }
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
    if (this.inFlight.has(body.vendId)) throw new Errors.vendInFlight()
    this.inFlight.add(body.vendId)
    try {
      for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
        const existing = await this.deps.repo.getVend(body.vendId)
        if (existing !== null) return this.replay(existing, requestHash)

        const now = this.deps.clock.now()
        const { meter, account, tariff } = await this.load(body.meterNo, Math.min(paidAt, now))
        const computation = compute(tariff, body.amountFen, account.walletFen)
        const tid = nextTid(meter, now)
        const tokens = await mint(this.deps.minter, meter, tid, computation.units01)

        const result = await this.deps.repo.commitVend({
          vendId: body.vendId,
          requestHash,
          kioskId,
          meterNo: meter.meterNo,
          cardNo: body.cardNo ?? null,
          amountFen: body.amountFen,
          notes: body.notes,
          paidAt,
          now,
          businessDay: businessDay(now, this.deps.timeZone),
          expected: { accountId: account.accountId, lastTid: meter.lastTid, walletFen: account.walletFen, tariffEffectiveFrom: tariff.effectiveFrom },
          customerName: account.customerName,
          tariffName: tariff.tariffName,
          computation,
          tid,
          tokens,
        })
        switch (result.kind) {
          case 'created': {
            const r = result.vend.response
            this.deps.metrics.recordVend(body.amountFen, body.notes.length)
            log.info(
              { vendId: r.vendId, receiptNo: r.receiptNo, meterNo: r.meterNo, amountFen: r.amountFen, energyWh: r.energyWh, tid, deliveryId: result.deliveryId, noteIds: [...noteIds] },
              'vend committed',
            )
            log.debug({ vendId: r.vendId, tokens }, 'tokens minted')
            this.deps.onCommitted(result.deliveryId)
            return { vend: result.vend, replayed: false }
          }
          case 'replayed':
            return this.replay(result.vend, requestHash)
          case 'stale':
            log.info({ vendId: body.vendId, attempt }, 'meter or wallet moved while minting; minting again')
            continue
        }
      }
      throw new Error(`vend ${body.vendId} lost the compare-and-set ${MAX_COMMIT_ATTEMPTS} times`)
    } finally {
      this.inFlight.delete(body.vendId)
    }
  }

  private replay(existing: VendRecord, requestHash: string): VendOutcome {
    if (existing.requestHash !== requestHash) throw new Errors.vendIdReused()
    this.deps.metrics.vendsReplayedTotal++
    return { vend: existing, replayed: true }
  }

  private async load(meterNo: string, at: number): Promise<{ meter: MeterRecord; account: AccountView; tariff: TariffInForce }> {
    const meter = await this.deps.repo.findMeter(meterNo)
    if (meter === null) throw new Errors.meterUnknown()
    const account = await this.deps.repo.getAccount(meter.accountId, at)
    if (account === null) throw new Errors.meterUnknown()
    if (account.status !== 'open') throw new Errors.accountClosed()
    if (account.tariff === null) throw new Errors.tariffMissing()
    return { meter, account, tariff: account.tariff }
  }
}

function compute(tariff: TariffInForce, amountFen: number, walletFen: number): VendComputation {
  const r = computeFlatVend(tariff, amountFen, walletFen)
  if (r.ok) return r
  throw r.reason === 'belowMinimum' ? new Errors.vendBelowMinimum(r.limitFen) : new Errors.vendAboveMaximum(r.limitFen)
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
