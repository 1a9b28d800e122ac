/**
 * One simulated prepayment meter: the STS decoder (the same one its keypad feeds) plus the energy
 * side a real meter has — a credit register in Wh, a cumulative energy register, a relay and a
 * tamper flag — driven by a deterministic load model. No timers and no I/O: the fleet ticks it.
 */
import type {
  Clock,
  MeterCommand,
  MeterEvent,
  MeterReading,
  TokenAck,
  TokenDelivery,
} from '@gridtill/shared'
import { systemClock } from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import {
  DAY_MS,
  MINUTE_MS,
  WMS_PER_WH,
  dailyEnergyWh,
  demandW,
  nextMinute,
  seedFrom,
  type LoadModel,
} from './consumption.ts'
import { isFriendly, type FriendlyHours } from './friendly-hours.ts'
import type { MeterProfile } from './programming.ts'
import type { DecoderVerdict, TokenDecoder } from './token-decoder.ts'

/** A token carries 0.1 kWh units. */
export const WH_PER_UNIT = 100
/** A meter left unticked longer than this (fleet down for days) only simulates the most recent span. */
const MAX_CATCH_UP_MS = 31 * DAY_MS
/** Duplicate deliveries (QoS 1 redelivery, central retry after a lost ack) replay the stored acks. */
const REMEMBERED_DELIVERIES = 16
const REMEMBERED_TOKENS = 10
/** Command answers kept for idempotency: a repeated command id gets the same answer, no second action. */
const REMEMBERED_COMMANDS = 32
/** A tripped load switch (power limit) tries again after this much simulated time. */
const TRIP_MS = MINUTE_MS
/** Low-credit warning: at least this much, or a day of the meter's average use if more. */
const MIN_LOW_CREDIT_WH = 5_000

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

/** Why the relay is where it is; sent as the `reason` of relayOpened / relayClosed. */
export type RelayReason =
  | 'manual'
  | 'powerLimit'
  | 'creditExhausted'
  | 'credit'
  | 'emergencyCredit'
  | 'friendlyHours'
  | 'supplyPolicy'

/** Remote-control settings and event memory, persisted with the registers. */
export interface MeterControlState {
  /** The utility opened the relay (relayOpen); only relayClose closes it again. */
  manualOpen: boolean
  emergencyCreditWh: number
  friendlyHours: FriendlyHours | null
  /** Simulated ms until which the power-limit trip holds the relay open. */
  trippedUntilSim: number | null
  /** Credit has been at or above the low-credit level since the last lowCredit event. */
  lowCreditArmed: boolean
  /** The relay as last reported, so a restart does not announce a change that did not happen. */
  relayClosed: boolean
  commands: Array<{ commandId: string; answer: MeterEvent }>
}

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
  /** Absent in snapshots written before remote control existed. */
  control?: MeterControlState
}

/** What a command did: the answer for …/events, and whether to publish a reading now. */
export interface CommandOutcome {
  answer: MeterEvent
  duplicate: boolean
  readNow: boolean
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
  /** Local dates (YYYY-MM-DD) that friendly hours with `weekends` treat as a weekend. */
  holidays?: ReadonlySet<string>
  /** Credit level (Wh) below which lowCredit is raised; default a day of average use, ≥ 5 kWh. */
  lowCreditWh?: number
}

const initialControl = (): MeterControlState => ({
  manualOpen: false,
  emergencyCreditWh: 0,
  friendlyHours: null,
  trippedUntilSim: null,
  lowCreditArmed: false,
  relayClosed: false,
  commands: [],
})

export class SimulatedMeter {
  readonly meterNo: string
  readonly profile: MeterProfile
  /** Credit below this raises lowCredit (once per crossing). */
  readonly lowCreditWh: number
  private readonly decoder: TokenDecoder
  private readonly clock: Clock
  private readonly time: AcceleratedTime
  private readonly model: LoadModel
  private readonly supplyPolicy: SupplyPolicy
  private readonly holidays: ReadonlySet<string> | undefined

  private creditWhValue = 0
  private debtWhValue = 0
  private energyWhValue = 0
  private partialWms = 0
  private tamperValue = false
  private maxPowerWValue: number | null = null
  private control: MeterControlState = initialControl()
  private lastSimMs: number | undefined
  private powerWValue = 0
  private relayReasonValue: RelayReason = 'creditExhausted'
  private readonly deliveries = new Map<string, TokenAck[]>()
  private enteredTokens: EnteredToken[] = []
  /** Spontaneous events waiting for the fleet to publish them. */
  private outbox: MeterEvent[] = []
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
    this.holidays = opts.holidays
    this.lowCreditWh =
      opts.lowCreditWh ??
      Math.max(MIN_LOW_CREDIT_WH, dailyEnergyWh(opts.profile, opts.loadScale ?? 1))
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
  get emergencyCreditWh(): number {
    return this.control.emergencyCreditWh
  }
  get friendlyHours(): FriendlyHours | null {
    return this.control.friendlyHours
  }
  get changeCount(): number {
    return this.revision
  }
  /** Newest first. */
  get entered(): readonly EnteredToken[] {
    return this.enteredTokens
  }
  /** The relay as of the last time the meter was advanced (tick, token, command). */
  get relay(): 'closed' | 'open' {
    return this.control.relayClosed ? 'closed' : 'open'
  }
  get relayReason(): RelayReason {
    return this.relayReasonValue
  }
  /** Simulated ms the registers are up to date with. */
  get simNow(): number | undefined {
    return this.lastSimMs
  }

  /** Events raised since the last call (relay changes, low credit, tamper, power limit). */
  takeEvents(): MeterEvent[] {
    if (this.outbox.length === 0) return []
    const out = this.outbox
    this.outbox = []
    return out
  }

  /** A case switch or magnet sensor fired (or a test says so); cleared by a clear-tamper token. */
  setTamper(tamper: boolean): void {
    if (tamper === this.tamperValue) return
    this.changed()
    this.tamperValue = tamper
    if (!tamper) return
    // The decoder keeps its own tamper register, the one a clear-tamper token resets.
    this.decoder.raiseTamper?.()
    this.emit('tamper', this.clock.now(), { reason: 'tamper detected' })
  }

  /**
   * Advances consumption to `nowMs` (wall clock); the load runs at the accelerated time. The
   * fleet calls it only when the meter is touched or a reading is due, so it must give the same
   * registers however the time is split: power is constant per simulated minute.
   */
  tick(nowMs: number): void {
    const sim = this.time.sim(nowMs)
    if (this.lastSimMs === undefined || sim <= this.lastSimMs) {
      // First tick after start or restore: a baseline, no catch-up for time the simulator was down.
      this.lastSimMs ??= sim
      this.refresh(this.lastSimMs)
      return
    }
    const before = this.energyWhValue
    let t = Math.max(this.lastSimMs, sim - MAX_CATCH_UP_MS)
    while (t < sim) {
      const end = Math.min(nextMinute(t), sim)
      const demand = demandW(this.model, t)
      // The relay's state for this whole span (policies change on minute boundaries at most).
      this.checkTrip(t, demand)
      this.observeRelay(t)
      this.consume(demand, end - t, t)
      t = end
    }
    this.lastSimMs = sim
    this.refresh(sim)
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

  /**
   * A remote-control command from the utility. Answered once per command id: a repeat (QoS 1
   * redelivery, the central retrying) gets the first answer and does nothing again.
   */
  command(cmd: MeterCommand): CommandOutcome {
    const seen = this.control.commands.find((c) => c.commandId === cmd.commandId)
    if (seen) return { answer: seen.answer, duplicate: true, readNow: false }
    const now = this.clock.now()
    this.tick(now)
    const c = this.control
    let refused: string | undefined
    let note: string | undefined
    switch (cmd.command) {
      case 'relayOpen':
        c.manualOpen = true
        break
      case 'relayClose':
        // Releases a manual open and a power-limit trip; credit rules still apply.
        c.manualOpen = false
        c.trippedUntilSim = null
        break
      case 'readNow':
        break
      case 'setEmergencyCredit':
        if (cmd.emergencyCreditWh === undefined) refused = 'emergencyCreditWh is required'
        else c.emergencyCreditWh = cmd.emergencyCreditWh
        break
      case 'setFriendlyHours':
        if (cmd.friendlyHours === undefined) refused = 'friendlyHours is required'
        else if (cmd.friendlyHours.toHour > 24) refused = 'toHour must be 0–24'
        else c.friendlyHours = { ...cmd.friendlyHours }
        break
      default: {
        const never: never = cmd.command
        refused = `unknown command ${String(never)}`
      }
    }
    if (refused === undefined) this.refresh(this.lastSimMs ?? this.time.sim(now))
    if (cmd.command === 'relayClose' && this.relay === 'open')
      note = `relay stays open: ${this.relayReasonValue}`
    const answer: MeterEvent = {
      meterNo: this.meterNo,
      at: now,
      event: refused === undefined ? 'commandDone' : 'commandRefused',
      commandId: cmd.commandId,
      creditWh: this.creditWhValue,
    }
    const reason = refused ?? note
    if (reason !== undefined) answer.reason = reason
    c.commands = [{ commandId: cmd.commandId, answer }, ...c.commands].slice(0, REMEMBERED_COMMANDS)
    this.changed()
    return { answer, duplicate: false, readNow: refused === undefined && cmd.command === 'readNow' }
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
      control: {
        ...this.control,
        friendlyHours: this.control.friendlyHours && { ...this.control.friendlyHours },
      },
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
    this.control = s.control
      ? { ...s.control, commands: s.control.commands.slice(0, REMEMBERED_COMMANDS) }
      : { ...initialControl(), relayClosed: s.creditWh > 0 }
    this.lastSimMs = undefined
    this.outbox = []
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
      result = { result: 'rejected', reason, detail: verdict.reason, creditWh: this.creditWhValue }
    } else {
      const creditedWh = this.apply(verdict, now)
      const entry: EnteredToken = { token, source, at: now, result: 'accepted', kind: verdict.kind }
      if (creditedWh !== undefined) entry.creditedWh = creditedWh
      this.record(entry)
      this.refresh(this.lastSimMs ?? this.time.sim(now))
      result = { result: 'accepted', kind: verdict.kind, creditWh: this.creditWhValue }
      if (creditedWh !== undefined) result.creditedWh = creditedWh
      if (verdict.value !== undefined) result.value = verdict.value
    }
    this.changed()
    return result
  }

  /** Applies an accepted token to the registers; returns the energy credited, for credit tokens. */
  private apply(
    v: Extract<DecoderVerdict, { result: 'accepted' }>,
    now: number,
  ): number | undefined {
    switch (v.kind) {
      case 'credit': {
        const wh = (v.units ?? 0) * WH_PER_UNIT
        this.creditWhValue += wh
        // Energy supplied on emergency credit or in friendly hours is paid back first.
        const repay = Math.min(this.debtWhValue, this.creditWhValue)
        this.debtWhValue -= repay
        this.creditWhValue -= repay
        this.checkLowCredit(now)
        return wh
      }
      case 'clearCredit':
        // Register 0 is electricity, 0xFFFF all registers (sts.md §2, class 2/1).
        if (v.value === undefined || v.value === 0 || v.value === 0xffff) {
          const had = this.creditWhValue > 0
          this.creditWhValue = 0
          this.partialWms = 0
          if (had) this.emit('creditExhausted', now, { reason: 'credit cleared by token' })
          this.checkLowCredit(now)
        }
        return undefined
      case 'maxPowerLimit':
        // 0 W would switch a meter off for good; meters treat it as "no limit".
        this.maxPowerWValue = v.value !== undefined && v.value > 0 ? v.value : null
        // A new limit is judged afresh against the present load.
        this.control.trippedUntilSim = null
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

  /** Where the relay would be at simulated `simMs`, and why. */
  private relayAt(simMs: number): { closed: boolean; reason: RelayReason } {
    const c = this.control
    if (c.manualOpen) return { closed: false, reason: 'manual' }
    if (c.trippedUntilSim !== null && simMs < c.trippedUntilSim)
      return { closed: false, reason: 'powerLimit' }
    if (this.creditWhValue > 0) return { closed: true, reason: 'credit' }
    const why = this.withoutCredit(simMs)
    return why ? { closed: true, reason: why } : { closed: false, reason: 'creditExhausted' }
  }

  /** Why supply may continue with no credit at `simMs`, if it may. */
  private withoutCredit(simMs: number): RelayReason | undefined {
    const c = this.control
    if (this.debtWhValue < c.emergencyCreditWh) return 'emergencyCredit'
    if (
      c.friendlyHours &&
      isFriendly(c.friendlyHours, simMs, this.model.utcOffsetMinutes, this.holidays)
    )
      return 'friendlyHours'
    if (
      this.supplyPolicy.supplyWithoutCredit({
        simNowMs: simMs,
        creditWh: this.creditWhValue,
        debtWh: this.debtWhValue,
      })
    )
      return 'supplyPolicy'
    return undefined
  }

  /**
   * The load switch: demand over the power limit trips it for a minute; it then recloses and trips
   * again if the load is still too high. Only the first trip of a run is an event.
   */
  private checkTrip(simMs: number, demand: number): void {
    const c = this.control
    if (c.trippedUntilSim !== null && simMs >= c.trippedUntilSim) c.trippedUntilSim = null
    if (c.trippedUntilSim !== null || this.maxPowerWValue === null) return
    if (demand <= this.maxPowerWValue || !this.relayAt(simMs).closed) return
    c.trippedUntilSim = simMs + TRIP_MS
    this.changed()
    if (c.relayClosed)
      this.emit('powerLimitExceeded', this.time.real(simMs), {
        reason: `load ${demand} W over the ${this.maxPowerWValue} W limit`,
      })
  }

  /** After any change: trip check, relay events and the power shown, all at `simMs`. */
  private refresh(simMs: number): void {
    const demand = demandW(this.model, simMs)
    this.checkTrip(simMs, demand)
    this.observeRelay(simMs)
    this.powerWValue = this.control.relayClosed ? demand : 0
  }

  private observeRelay(simMs: number): void {
    const state = this.relayAt(simMs)
    this.relayReasonValue = state.reason
    if (state.closed === this.control.relayClosed) return
    this.control.relayClosed = state.closed
    this.changed()
    this.emit(state.closed ? 'relayClosed' : 'relayOpened', this.time.real(simMs), {
      reason: state.reason,
    })
  }

  /** Low credit once per crossing: re-armed only when credit climbs back to the level. */
  private checkLowCredit(at: number): void {
    const c = this.control
    if (this.creditWhValue >= this.lowCreditWh) {
      if (!c.lowCreditArmed) this.changed()
      c.lowCreditArmed = true
    } else if (c.lowCreditArmed) {
      c.lowCreditArmed = false
      this.changed()
      this.emit('lowCredit', at, { reason: `credit below ${this.lowCreditWh} Wh` })
    }
  }

  private emit(
    event: MeterEvent['event'],
    at: number,
    extra: { reason?: string; commandId?: string } = {},
  ): void {
    // Catch-up finds events in the past; never stamp one later than now.
    const stamp = Math.max(0, Math.min(at, this.clock.now()))
    this.outbox.push({
      meterNo: this.meterNo,
      at: stamp,
      event,
      creditWh: this.creditWhValue,
      ...extra,
    })
  }

  /** `demand` W for `dtMs` from simulated `t`: paid from credit, then emergency credit, then debt. */
  private consume(demand: number, dtMs: number, t: number): void {
    if (!this.relayAt(t).closed) return
    let wms = demand * dtMs
    while (wms > 0) {
      if (this.creditWhValue > 0) {
        const untilEmpty = this.creditWhValue * WMS_PER_WH - this.partialWms
        if (wms < untilEmpty) {
          this.addEnergy(wms, 'credit')
          this.checkLowCredit(this.time.real(t + dtMs))
          return
        }
        // Credit runs out inside this span: the relay opens at the exact Wh it reaches zero.
        this.energyWhValue += this.creditWhValue
        this.creditWhValue = 0
        this.partialWms = 0
        wms -= untilEmpty
        const at = this.time.real(t + Math.floor((dtMs * (demand * dtMs - wms)) / (demand * dtMs)))
        this.checkLowCredit(at)
        this.emit('creditExhausted', at)
        continue
      }
      const emergencyLeft = this.control.emergencyCreditWh - this.debtWhValue
      if (emergencyLeft > 0) {
        const room = emergencyLeft * WMS_PER_WH - this.partialWms
        if (wms < room) {
          this.addEnergy(wms, 'debt')
          return
        }
        this.energyWhValue += emergencyLeft
        this.debtWhValue += emergencyLeft
        this.partialWms = 0
        wms -= room
        continue
      }
      const why = this.withoutCredit(t)
      if (why === undefined) return
      this.addEnergy(wms, 'debt')
      return
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
