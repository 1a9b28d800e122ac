import type { Transport } from '../../transport/transport.ts'
import type { BillAcceptorSimulatorOptions } from '../bill-acceptor.ts'
import type { DecodeResult } from '../driver-core.ts'
import { SimulatorCore } from '../simulator-core.ts'
import {
  Cmd,
  CountryCode,
  decode,
  encode,
  encodeCurrencyAssign,
  FIRST_ESCROW_CODE,
  frame,
  Status,
  type Id003Frame,
} from './codec.ts'

type Phase =
  | 'idle'
  | 'accepting'
  | 'escrow'
  | 'holding'
  | 'stacking'
  | 'vendValid'
  | 'stacked'
  | 'rejecting'
  | 'returning'
  | 'cheated'

/** Phases whose status is shown for `transientMs` and reported at least once before moving on. */
const TRANSIENT: ReadonlySet<Phase> = new Set<Phase>([
  'stacked',
  'rejecting',
  'returning',
  'cheated',
])

const REJECT_FAKE = 0x7f // true-bill feature
const REJECT_INHIBITED = 0x79 // inhibit: denomination inhibited / no answer to ESCROW
const REJECT_UNKNOWN_NOTE = 0x76 // denomination discrimination

const SETTING_LENGTH: Readonly<Record<number, number>> = {
  [Cmd.SET_DENOMINATION]: 2,
  [Cmd.SET_SECURITY]: 2,
  [Cmd.SET_COMMUNICATION_MODE]: 1,
  [Cmd.SET_INHIBIT]: 1,
  [Cmd.SET_DIRECTION]: 1,
  [Cmd.SET_OPTIONAL_FUNCTION]: 2,
}

/**
 * A JCM ID-003 unit on the device end of a transport, byte for byte (kiosk-hardware.md §2.1): it
 * answers STATUS REQUEST with the status of the bill cycle, echoes setting commands, ACKs operation
 * commands, repeats VEND VALID until the host's ACK, and reports POWER UP WITH BILL IN ACCEPTOR /
 * STACKER after a power cut mid-cycle.
 */
export class Id003Simulator extends SimulatorCore<Id003Frame> {
  readonly protocol = 'id003' as const
  private phase: Phase = 'idle'
  private note:
    { valueFen: number; escrowCode: number | undefined; fake: boolean; inBox: boolean } | undefined
  private rejectReason = 0
  /** POWER UP (0x40/41/42) until the host sends RESET. */
  private powerUp: number | undefined = Status.POWER_UP
  private initializing = false
  private inhibit = true
  private settings: Record<number, Uint8Array> = {}
  private transientElapsed = false
  private transientReported = false
  private vendAcked = false
  private creditRepeatsLeft = 0

  constructor(transport: Transport, options: BillAcceptorSimulatorOptions = {}) {
    super(transport, options)
    this.resetSettings()
  }

  private get table(): { escrowCode: number; country: number; valueFen: number }[] {
    const country = CountryCode[this.currency] ?? 0
    return this.notesFen.map((valueFen, i) => ({
      escrowCode: FIRST_ESCROW_CODE + i,
      country,
      valueFen,
    }))
  }

  // --- the person at the machine --------------------------------------------------------------

  insertNote(valueFen: number): boolean {
    return this.feed({
      valueFen,
      escrowCode: this.table.find((e) => e.valueFen === valueFen)?.escrowCode,
      fake: false,
      inBox: false,
    })
  }

  insertFake(): boolean {
    return this.feed({ valueFen: 0, escrowCode: undefined, fake: true, inBox: false })
  }

  fraudAttempt(_valueFen?: number): void {
    // ID-003's CHEATED (0x48) carries no denomination
    if (!this.ready() || this.phase !== 'idle') return
    this.enter('cheated')
  }

  // --- SimulatorCore --------------------------------------------------------------------------

  protected decodeFrame(buf: Uint8Array): DecodeResult<Id003Frame> {
    return decode(buf)
  }

  protected rawOf(f: Id003Frame): Uint8Array {
    return encode(f)
  }

  protected describe(): string {
    if (!this.powered) return 'off'
    if (this.powerUp !== undefined)
      return this.powerUp === Status.POWER_UP
        ? 'powerUp'
        : this.powerUp === Status.POWER_UP_BILL_IN_STACKER
          ? 'powerUpWithBillInStacker'
          : 'powerUpWithBillInAcceptor'
    if (this.initializing) return 'initializing'
    if (this.jammed) return `jam(${this.jammed})`
    if (this.cashboxOut) return 'cashboxOpen'
    if (this.phase === 'idle')
      return this.isStackerFull() ? 'stackerFull' : this.inhibit ? 'disabled' : 'idling'
    return this.phase
  }

  protected escrowValue(): number | undefined {
    return this.phase === 'escrow' || this.phase === 'holding' ? this.note?.valueFen : undefined
  }

  protected acceptanceEnabled(): boolean {
    return this.powered && this.powerUp === undefined && !this.inhibit
  }

  protected onPowerCut(): void {
    // where the bill is when the power goes decides the power-up status (§2.1 safety rules)
    const n = this.note
    if (n && (this.phase === 'stacking' || this.phase === 'vendValid'))
      this.powerUp = Status.POWER_UP_BILL_IN_STACKER
    else if (n && this.phase !== 'idle' && this.phase !== 'stacked' && this.phase !== 'cheated')
      this.powerUp = Status.POWER_UP_BILL_IN_ACCEPTOR
    else {
      this.powerUp = Status.POWER_UP
      this.note = undefined
    }
    this.phase = 'idle'
    this.initializing = false
    this.resetSettings()
  }

  protected onPowerOn(): void {
    this.powerUp ??= Status.POWER_UP
  }

  protected restoreMidStack(note: { valueFen: number; inBox: boolean }): void {
    const escrowCode = this.table.find((e) => e.valueFen === note.valueFen)?.escrowCode
    this.note = { valueFen: note.valueFen, escrowCode, fake: false, inBox: note.inBox }
    this.phase = note.inBox ? 'vendValid' : 'stacking'
  }

  protected resume(): void {
    this.enter(this.phase, true)
  }

  protected onCommand(f: Id003Frame): void {
    this.emitEvent({ type: 'command', code: f.cmd, encrypted: false })
    switch (f.cmd) {
      case Cmd.STATUS_REQUEST:
        this.reply(this.statusFrame())
        this.afterStatusReported()
        return
      case Cmd.RESET:
        this.reply(frame(Status.ACK))
        this.reset()
        return
      case Cmd.STACK_1:
      case Cmd.STACK_2:
        if (!this.inEscrow()) return this.invalid()
        this.reply(frame(Status.ACK))
        this.enter('stacking')
        return
      case Cmd.RETURN:
        if (!this.inEscrow()) return this.invalid()
        this.reply(frame(Status.ACK))
        this.enter('returning')
        return
      case Cmd.HOLD:
        if (!this.inEscrow()) return this.invalid()
        this.reply(frame(Status.ACK))
        this.enter('holding') // restarts the escrow timer
        return
      case Cmd.WAIT:
        this.reply(frame(Status.ACK))
        return
      case Cmd.ACK:
        // the answer to VEND VALID; the unit sends nothing back
        if (this.phase === 'vendValid') this.onVendAck()
        return
      case Cmd.GET_VERSION:
        this.reply(
          encode({
            cmd: Cmd.GET_VERSION,
            data: new TextEncoder().encode(`GRIDTILL-SIM ID003 ${this.currency} V1.00`),
          }),
        )
        return
      case Cmd.GET_BOOT_VERSION:
        this.reply(
          encode({ cmd: Cmd.GET_BOOT_VERSION, data: new TextEncoder().encode('BOOT V1.00') }),
        )
        return
      case Cmd.GET_CURRENCY_ASSIGN:
        this.reply(encode({ cmd: Cmd.GET_CURRENCY_ASSIGN, data: encodeCurrencyAssign(this.table) }))
        return
      default:
        break
    }
    const len = SETTING_LENGTH[f.cmd]
    if (len !== undefined) {
      if (f.data.length !== len) return this.invalid()
      this.settings[f.cmd] = f.data
      if (f.cmd === Cmd.SET_INHIBIT) this.inhibit = (f.data[0] ?? 1) !== 0
      this.reply(encode(f)) // setting commands are echoed
      this.changed()
      return
    }
    if (f.cmd >= Cmd.GET_DENOMINATION && f.cmd <= Cmd.GET_OPTIONAL_FUNCTION) {
      const data = this.settings[f.cmd + 0x40] ?? new Uint8Array(0)
      this.reply(encode({ cmd: f.cmd, data }))
      return
    }
    this.invalid()
  }

  // --- internals ------------------------------------------------------------------------------

  private invalid(): void {
    this.reply(frame(Status.INVALID_COMMAND))
  }

  private resetSettings(): void {
    this.inhibit = true
    this.settings = {
      [Cmd.SET_DENOMINATION]: Uint8Array.of(0, 0),
      [Cmd.SET_SECURITY]: Uint8Array.of(0, 0),
      [Cmd.SET_COMMUNICATION_MODE]: Uint8Array.of(0),
      [Cmd.SET_INHIBIT]: Uint8Array.of(1),
      [Cmd.SET_DIRECTION]: Uint8Array.of(0),
      [Cmd.SET_OPTIONAL_FUNCTION]: Uint8Array.of(0, 0),
    }
  }

  private ready(): boolean {
    return (
      this.powered &&
      this.powerUp === undefined &&
      !this.initializing &&
      !this.jammed &&
      !this.cashboxOut
    )
  }

  private inEscrow(): boolean {
    return this.ready() && (this.phase === 'escrow' || this.phase === 'holding')
  }

  private feed(note: NonNullable<typeof this.note>): boolean {
    if (!this.ready() || this.inhibit || this.phase !== 'idle' || this.isStackerFull()) return false
    this.note = note
    this.enter('accepting')
    return true
  }

  /** RESET: the unit finishes what it physically can — a bill in the stacker is stacked (§2.1, 0x42). */
  private reset(): void {
    const n = this.note
    if (
      n &&
      !n.inBox &&
      (this.powerUp === Status.POWER_UP_BILL_IN_STACKER ||
        this.phase === 'stacking' ||
        this.phase === 'vendValid')
    ) {
      n.inBox = true
      this.addToCassette(n.valueFen)
    }
    this.note = undefined
    this.noteSettled()
    this.powerUp = undefined
    this.phase = 'idle'
    this.resetSettings()
    this.initializing = true
    this.setTimer(this.timings.initMs, () => {
      this.initializing = false
    })
    this.changed()
  }

  private isInhibited(escrowCode: number): boolean {
    const mask = this.settings[Cmd.SET_DENOMINATION] ?? Uint8Array.of(0, 0)
    const bit = escrowCode - FIRST_ESCROW_CODE
    const byte = mask[bit >> 3] ?? 0
    return ((byte >> (bit & 7)) & 1) === 1
  }

  private enter(phase: Phase, resumed = false): void {
    this.phase = phase
    if (!resumed) {
      this.transientElapsed = false
      this.transientReported = false
    }
    if (this.jammed || this.cashboxOut) return // frozen until cleared; resume() re-arms
    const t = this.timings
    switch (phase) {
      case 'idle':
        this.clearTimer()
        break
      case 'accepting':
        this.setTimer(t.acceptMs, () => this.validated())
        break
      case 'escrow':
      case 'holding':
        // an unanswered ESCROW ends in a return with reason 0x79 (§2.1)
        this.setTimer(t.escrowTimeoutMs, () => this.reject(REJECT_INHIBITED))
        break
      case 'stacking':
        if (this.note && !this.note.inBox && !resumed) this.noteCommitted(this.note.valueFen)
        this.setTimer(t.stackMs, () => {
          const n = this.note
          if (n && !n.inBox) {
            n.inBox = true
            this.addToCassette(n.valueFen)
          }
          this.vendAcked = false
          this.creditRepeatsLeft = 0
          this.enter('vendValid')
        })
        break
      case 'vendValid':
        this.clearTimer() // waits for the host's ACK
        break
      case 'stacked':
      case 'rejecting':
      case 'returning':
      case 'cheated':
        this.setTimer(t.transientMs, () => {
          this.transientElapsed = true
          this.maybeLeaveTransient()
        })
        break
    }
    this.changed()
  }

  private validated(): void {
    const n = this.note
    if (!n) return this.enter('idle')
    if (n.fake) return this.reject(REJECT_FAKE)
    if (n.escrowCode === undefined) return this.reject(REJECT_UNKNOWN_NOTE)
    if (this.isInhibited(n.escrowCode)) return this.reject(REJECT_INHIBITED)
    this.enter('escrow')
  }

  private reject(reason: number): void {
    this.rejectReason = reason
    this.enter('rejecting')
  }

  private onVendAck(): void {
    if (this.vendAcked) return
    if (this.faults.neverAckCredit) return // the broken unit keeps repeating VEND VALID
    this.vendAcked = true
    this.noteSettled()
    const n = this.note
    if (n) this.emitEvent({ type: 'creditAcked', valueFen: n.valueFen })
    this.creditRepeatsLeft = this.faults.repeatCreditEvent
    if (this.creditRepeatsLeft <= 0) this.enter('stacked')
  }

  private afterStatusReported(): void {
    if (
      this.phase === 'vendValid' &&
      this.vendAcked &&
      this.powerUp === undefined &&
      !this.jammed &&
      !this.cashboxOut
    ) {
      if (--this.creditRepeatsLeft <= 0) this.enter('stacked')
      return
    }
    if (TRANSIENT.has(this.phase)) {
      this.transientReported = true
      this.maybeLeaveTransient()
    }
  }

  private maybeLeaveTransient(): void {
    if (!this.transientElapsed || !this.transientReported) return
    if (this.phase === 'stacked' || this.phase === 'rejecting' || this.phase === 'returning')
      this.note = undefined
    this.enter('idle')
  }

  private statusFrame(): Uint8Array {
    if (this.powerUp !== undefined) return frame(this.powerUp)
    if (this.initializing) return frame(Status.INITIALIZE)
    if (this.jammed)
      return frame(this.jammed === 'safe' ? Status.JAM_IN_STACKER : Status.JAM_IN_ACCEPTOR)
    if (this.cashboxOut) return frame(Status.STACKER_OPEN)
    switch (this.phase) {
      case 'idle':
        if (this.isStackerFull()) return frame(Status.STACKER_FULL)
        return frame(this.inhibit ? Status.DISABLE : Status.ENABLE)
      case 'accepting':
        return frame(Status.ACCEPTING)
      case 'escrow':
        return frame(Status.ESCROW, this.note?.escrowCode ?? 0)
      case 'holding':
        return frame(Status.HOLDING)
      case 'stacking':
        return frame(Status.STACKING)
      case 'vendValid':
        return frame(Status.VEND_VALID)
      case 'stacked':
        return frame(Status.STACKED)
      case 'rejecting':
        return frame(Status.REJECTING, this.rejectReason)
      case 'returning':
        return frame(Status.RETURNING)
      case 'cheated':
        return frame(Status.CHEATED)
    }
  }
}
