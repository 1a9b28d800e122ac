/**
 * One simulated prepayment meter: the STS decoder (the same one its keypad feeds) plus the energy
 * side a real meter has — a credit register in Wh, a cumulative energy register, a relay and a
 * tamper flag — driven by a deterministic load model. No timers and no I/O: the fleet ticks it.
 */
import type { Clock, MeterReading, TokenAck, TokenDelivery } from '@gridtill/shared'
import { systemClock } from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import { DAY_MS, WMS_PER_WH, demandW, nextMinute, seedFrom, type LoadModel } from './consumption.ts'
import type { MeterProfile } from './programming.ts'
import type { DecoderVerdict, TokenDecoder } from './token-decoder.ts'

/** A token carries 0.1 kWh units. */
export const WH_PER_UNIT = 100
/** A meter left unticked longer than this (fleet down for days) only simulates the most recent span. */
const MAX_CATCH_UP_MS = 31 * DAY_MS
/** Duplicate deliveries (QoS 1 redelivery, central retry after a lost ack) replay the stored acks. */
const REMEMBERED_DELIVERIES = 16
const REMEMBERED_TOKENS = 10

export type AckReason = NonNullable<TokenAck['reason']>
const ACK_REASONS: ReadonlySet<string> = new Set<AckReason>([
  'CRC',
  'USED',
  'OLD',
  'KEY_EXPIRED',
  'KEY_CHANGE_INCOMPLETE',
  'LOCKED_OUT',
  'FORMAT',
  'OTHER',
])

/** The decoder's rejection in the meter-link vocabulary; anything the link has no word for is OTHER. */
export function ackReasonFor(reason: string): AckReason {
  return ACK_REASONS.has(reason) ? (reason as AckReason) : 'OTHER'
}

export interface SupplyContext {
  simNowMs: number
  creditWh: number
  debtWh: number
}

/**
 * Whether the relay stays closed with no credit left. Emergency credit and friendly hours (no
 * disconnection at night, at weekends, on holidays) are policies here; energy supplied this way is
 * recorded as debt and recovered from the next credit token.
 */
export interface SupplyPolicy {
  supplyWithoutCredit(ctx: SupplyContext): boolean
}

/** The standard prepayment behaviour: the relay opens when credit reaches zero. */
export const disconnectAtZeroCredit: SupplyPolicy = { supplyWithoutCredit: () => false }

export type TokenSource = 'link' | 'keypad'

export interface EnteredToken {
  token: string
  source: TokenSource
  at: number
  result: 'accepted' | 'rejected'
  kind?: string
  reason?: AckReason
  creditedWh?: number
}

/** What a keypad entry shows the resident (and what the status server returns). */
export type KeypadResult =
  | { result: 'accepted'; kind: string; creditedWh?: number; value?: number; creditWh: number }
  | { result: 'rejected'; reason: AckReason; detail: string; creditWh: number }

export interface SimulatedMeterSnapshot {
  v: 1
  meterNo: string
  creditWh: number
  debtWh: number
  energyWh: number
  /** Energy (W·ms) consumed towards the next whole Wh. */
  partialWms: number
  tamper: boolean
  maxPowerW: number | null
  /** The decoder's own state (key, TID memory, lockout). */
  sts: unknown
  deliveries: Array<{ deliveryId: string; acks: TokenAck[] }>
  entered: EnteredToken[]
}

export interface SimulatedMeterOptions {
  meterNo: string
  profile: MeterProfile
  decoder: TokenDecoder
  /** Wall clock for ack and reading times (the meter's RTC). */
  clock?: Clock
  /** Speeds the load up for demos; shared by every meter of a fleet. */
  time?: AcceleratedTime
  /** Load noise seed; defaults to one derived from the meter number. */
  seed?: number
  utcOffsetMinutes?: number
  /** Scales the profile's curve (a bigger flat, a smaller shop). */
  loadScale?: number
  supplyPolicy?: SupplyPolicy
}

export class SimulatedMeter {
  readonly meterNo: string
  readonly profile: MeterProfile
  private readonly decoder: TokenDecoder
  private readonly clock: Clock
  private readonly time: AcceleratedTime
  private readonly model: LoadModel
  private readonly supplyPolicy: SupplyPolicy

  private creditWhValue = 0
  private debtWhValue = 0
  private energyWhValue = 0
  private partialWms = 0
  private tamperValue = false
  private maxPowerWValue: number | null = null
  /** Demand exceeded the power limit in the current minute: the load switch has tripped. */
  private overloaded = false
  private lastSimMs: number | undefined
  private powerWValue = 0
  private readonly deliveries = new Map<string, TokenAck[]>()
  private enteredTokens: EnteredToken[] = []
  /** Bumped on every change worth persisting; the fleet compares it to decide what to save. */
  private revision = 0

  constructor(opts: SimulatedMeterOptions) {
    this.meterNo = opts.meterNo
    this.profile = opts.profile
    this.decoder = opts.decoder
    this.clock = opts.clock ?? systemClock
    this.time = opts.time ?? new AcceleratedTime()
    this.model = {
      profile: opts.profile,
      seed: opts.seed ?? seedFrom(opts.meterNo),
      utcOffsetMinutes: opts.utcOffsetMinutes ?? 480,
      ...(opts.loadScale !== undefined ? { scale: opts.loadScale } : {}),
    }
    this.supplyPolicy = opts.supplyPolicy ?? disconnectAtZeroCredit
  }

  get creditWh(): number {
    return this.creditWhValue
  }
  get debtWh(): number {
    return this.debtWhValue
  }
  get energyWh(): number {
    return this.energyWhValue
  }
  get powerW(): number {
    return this.powerWValue
  }
  get tamper(): boolean {
    return this.tamperValue
  }
  get maxPowerW(): number | null {
    return this.maxPowerWValue
  }
  get changeCount(): number {
    return this.revision
  }
  /** Newest first. */
  get entered(): readonly EnteredToken[] {
    return this.enteredTokens
  }

  get relay(): 'closed' | 'open' {
    return this.supplying(this.lastSimMs ?? this.time.sim(this.clock.now())) ? 'closed' : 'open'
  }

  /** A case switch or magnet sensor fired (or a test says so); cleared by a clear-tamper token. */
  setTamper(tamper: boolean): void {
    if (tamper !== this.tamperValue) this.changed()
    this.tamperValue = tamper
    // The decoder keeps its own tamper register, the one a clear-tamper token resets.
    if (tamper) this.decoder.raiseTamper?.()
  }

  /** Advances consumption to `nowMs` (wall clock); the load runs at the accelerated time. */
  tick(nowMs: number): void {
    const sim = this.time.sim(nowMs)
    if (this.lastSimMs === undefined || sim <= this.lastSimMs) {
      // First tick after start or restore: a baseline, no catch-up for time the simulator was down.
      this.lastSimMs ??= sim
      this.refreshPower()
      return
    }
    const before = this.energyWhValue
    let t = Math.max(this.lastSimMs, sim - MAX_CATCH_UP_MS)
    while (t < sim) {
      const end = Math.min(nextMinute(t), sim)
      this.consume(demandW(this.model, t), end - t, t)
      t = end
    }
    this.lastSimMs = sim
    this.refreshPower()
    if (this.energyWhValue !== before) this.changed()
  }

  reading(nowMs: number = this.clock.now()): MeterReading {
    this.tick(nowMs)
    return {
      meterNo: this.meterNo,
      at: nowMs,
      energyWh: this.energyWhValue,
      creditWh: this.creditWhValue,
      powerW: this.powerWValue,
      relay: this.relay,
      tamper: this.tamperValue,
    }
  }

  /**
   * Enters each token of a delivery in order through the decoder, one ack per token. A delivery
   * seen before (QoS 1 redelivery, the central retrying after a lost ack) gets the same acks again
   * instead of a second entry that would come back USED.
   */
  receiveDelivery(delivery: TokenDelivery): TokenAck[] {
    const seen = this.deliveries.get(delivery.deliveryId)
    if (seen) return seen
    const acks = delivery.tokens.map((token) => {
      const r = this.enter(token, 'link')
      const ack: TokenAck = {
        deliveryId: delivery.deliveryId,
        token,
        result: r.result,
        creditWh: r.creditWh,
        at: this.clock.now(),
      }
      if (r.result === 'rejected') ack.reason = r.reason
      else if (r.creditedWh !== undefined) ack.creditedWh = r.creditedWh
      return ack
    })
    this.deliveries.set(delivery.deliveryId, acks)
    if (this.deliveries.size > REMEMBERED_DELIVERIES) {
      const oldest = this.deliveries.keys().next()
      if (!oldest.done) this.deliveries.delete(oldest.value)
    }
    this.changed()
    return acks
  }

  /** This delivery was entered before (its acks are remembered). */
  knowsDelivery(deliveryId: string): boolean {
    return this.deliveries.has(deliveryId)
  }

  /** A resident keys in a token (e.g. from the receipt, grouped with spaces or hyphens). */
  keypadEntry(token: string): KeypadResult {
    const digits = token.replace(/[\s-]+/g, '')
    // A keypad cannot send anything but digits; 20 of them or the meter does not even try.
    if (!/^[0-9]{20}$/.test(digits)) {
      return {
        result: 'rejected',
        reason: 'FORMAT',
        detail: 'a token is 20 digits',
        creditWh: this.creditWhValue,
      }
    }
    return this.enter(digits, 'keypad')
  }

  /** What the meter's display shows about its STS side (key revision, lockout); never the key. */
  decoderInfo(): Record<string, unknown> | undefined {
    const d = this.decoder
    if (d.keyInfo === undefined && d.isLockedOut === undefined) return undefined
    const tids = d.tidMemory ?? []
    return {
      ...d.keyInfo,
      ...(d.isLockedOut ? { lockedOut: d.isLockedOut() } : {}),
      ...(d.tidMemory
        ? { tidsRemembered: tids.length, newestTid: tids[tids.length - 1] ?? null }
        : {}),
    }
  }

  snapshot(): SimulatedMeterSnapshot {
    return {
      v: 1,
      meterNo: this.meterNo,
      creditWh: this.creditWhValue,
      debtWh: this.debtWhValue,
      energyWh: this.energyWhValue,
      partialWms: this.partialWms,
      tamper: this.tamperValue,
      maxPowerW: this.maxPowerWValue,
      sts: this.decoder.exportState(),
      deliveries: [...this.deliveries].map(([deliveryId, acks]) => ({ deliveryId, acks })),
      entered: this.enteredTokens,
    }
  }

  /**
   * Puts the registers back from a snapshot. The decoder's part (`sts`) is not touched here: the
   * decoder was built from it by the fleet's decoder factory.
   */
  restore(s: SimulatedMeterSnapshot): void {
    if (s.meterNo !== this.meterNo)
      throw new Error(`snapshot of meter ${s.meterNo} restored into meter ${this.meterNo}`)
    this.creditWhValue = s.creditWh
    this.debtWhValue = s.debtWh
    this.energyWhValue = s.energyWh
    this.partialWms = s.partialWms
    this.tamperValue = s.tamper
    this.maxPowerWValue = s.maxPowerW
    this.deliveries.clear()
    for (const d of s.deliveries) this.deliveries.set(d.deliveryId, d.acks)
    this.enteredTokens = s.entered.slice(0, REMEMBERED_TOKENS)
    this.lastSimMs = undefined
    this.refreshPower()
  }

  private enter(token: string, source: TokenSource): KeypadResult {
    const now = this.clock.now()
    // Bring consumption up to the moment of entry so the credit lands on an up-to-date register.
    this.tick(now)
    let verdict: DecoderVerdict
    try {
      verdict = this.decoder.enterToken(token)
    } catch (err) {
      // A decoder fault is the meter's problem, not the link's: report it, keep the meter alive.
      verdict = { result: 'rejected', reason: `DECODER_FAULT: ${(err as Error).message}` }
    }
    let result: KeypadResult
    if (verdict.result === 'rejected') {
      const reason = ackReasonFor(verdict.reason)
      this.record({ token, source, at: now, result: 'rejected', reason })
      this.refreshPower()
      result = { result: 'rejected', reason, detail: verdict.reason, creditWh: this.creditWhValue }
    } else {
      const creditedWh = this.apply(verdict)
      const entry: EnteredToken = { token, source, at: now, result: 'accepted', kind: verdict.kind }
      if (creditedWh !== undefined) entry.creditedWh = creditedWh
      this.record(entry)
      this.refreshPower()
      result = { result: 'accepted', kind: verdict.kind, creditWh: this.creditWhValue }
      if (creditedWh !== undefined) result.creditedWh = creditedWh
      if (verdict.value !== undefined) result.value = verdict.value
    }
    this.changed()
    return result
  }

  /** Applies an accepted token to the registers; returns the energy credited, for credit tokens. */
  private apply(v: Extract<DecoderVerdict, { result: 'accepted' }>): number | undefined {
    switch (v.kind) {
      case 'credit': {
        const wh = (v.units ?? 0) * WH_PER_UNIT
        this.creditWhValue += wh
        // Energy supplied on emergency credit or in friendly hours is paid back first.
        const repay = Math.min(this.debtWhValue, this.creditWhValue)
        this.debtWhValue -= repay
        this.creditWhValue -= repay
        return wh
      }
      case 'clearCredit':
        // Register 0 is electricity, 0xFFFF all registers (sts.md §2, class 2/1).
        if (v.value === undefined || v.value === 0 || v.value === 0xffff) {
          this.creditWhValue = 0
          this.partialWms = 0
        }
        return undefined
      case 'maxPowerLimit':
        // 0 W would switch a meter off for good; meters treat it as "no limit".
        this.maxPowerWValue = v.value !== undefined && v.value > 0 ? v.value : null
        return undefined
      case 'clearTamper':
        this.tamperValue = false
        return undefined
      default:
        // Key changes, test tokens, tariff/phase/water settings: the decoder's business only.
        return undefined
    }
  }

  private record(e: EnteredToken): void {
    this.enteredTokens = [e, ...this.enteredTokens].slice(0, REMEMBERED_TOKENS)
  }

  private supplying(simMs: number): boolean {
    if (this.overloaded) return false
    return (
      this.creditWhValue > 0 ||
      this.supplyPolicy.supplyWithoutCredit({
        simNowMs: simMs,
        creditWh: this.creditWhValue,
        debtWh: this.debtWhValue,
      })
    )
  }

  private refreshPower(): void {
    const sim = this.lastSimMs ?? this.time.sim(this.clock.now())
    const demand = demandW(this.model, sim)
    this.overloaded = this.maxPowerWValue !== null && demand > this.maxPowerWValue
    this.powerWValue = this.supplying(sim) ? demand : 0
  }

  /** `demand` W for `dtMs` starting at simulated `t`, paid from credit, else debt, else not supplied. */
  private consume(demand: number, dtMs: number, t: number): void {
    // Over the power limit the load switch trips for the minute (a real meter retries after a delay).
    this.overloaded = this.maxPowerWValue !== null && demand > this.maxPowerWValue
    if (this.overloaded) return
    let wms = demand * dtMs
    while (wms > 0) {
      if (this.creditWhValue > 0) {
        const untilEmpty = this.creditWhValue * WMS_PER_WH - this.partialWms
        if (wms < untilEmpty) {
          this.addEnergy(wms, 'credit')
          return
        }
        // Credit runs out inside this span: the relay opens at the exact Wh it reaches zero.
        this.energyWhValue += this.creditWhValue
        this.creditWhValue = 0
        this.partialWms = 0
        wms -= untilEmpty
      } else if (
        this.supplyPolicy.supplyWithoutCredit({
          simNowMs: t,
          creditWh: 0,
          debtWh: this.debtWhValue,
        })
      ) {
        this.addEnergy(wms, 'debt')
        return
      } else {
        return
      }
    }
  }

  private addEnergy(wms: number, payer: 'credit' | 'debt'): void {
    const total = this.partialWms + wms
    const whole = Math.floor(total / WMS_PER_WH)
    this.partialWms = total - whole * WMS_PER_WH
    this.energyWhValue += whole
    if (payer === 'credit') this.creditWhValue -= whole
    else this.debtWhValue += whole
  }

  private changed(): void {
    this.revision++
  }
}
