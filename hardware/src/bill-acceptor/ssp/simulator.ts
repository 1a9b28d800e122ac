import type { Transport } from '../../transport/transport.ts'
import type { BillAcceptorSimulatorOptions } from '../bill-acceptor.ts'
import type { DecodeResult } from '../driver-core.ts'
import { SimulatorCore } from '../simulator-core.ts'
import {
  Cmd,
  decode,
  encode,
  encodeEvents,
  encodeSetup,
  Event,
  Reply,
  STEX,
  type SspEvent,
  type SspPacket,
} from './codec.ts'
import {
  aesKey,
  decryptPayload,
  DEFAULT_FIXED_KEY,
  defaultRandom,
  encryptPayload,
  isPrime,
  modPow,
  randomU64,
  readU64le,
  u64le,
  type RandomBytes,
} from './essp.ts'

export interface SspSimulatorOptions extends BillAcceptorSimulatorOptions {
  address?: number
  fixedKey?: string
  serialNumber?: number
  random?: RandomBytes
}

type Phase = 'idle' | 'reading' | 'escrow' | 'stacking' | 'stacked' | 'rejecting'

/** A queued poll event; `acked` once EVENT ACK took it (a repeat fault may keep it queued). */
interface Queued {
  event: SspEvent
  acked: boolean
}

const REJECT_NOT_RECOGNISED = 0x02
const REJECT_CHANNEL_INHIBIT = 0x06
const REJECT_BY_HOST = 0x08
const REJECT_ESCROW_TIMEOUT = 0x13

/**
 * An ITL banknote validator speaking SSP/eSSP on the device end of a transport (kiosk-hardware.md
 * §2.3; GA138): sequence-flag retransmission replay, DH key exchange, AES-128 with eCOUNT checking,
 * POLL WITH ACK events that repeat until EVENT ACK, HOLD / any-poll-accepts escrow, and E1/E2 at
 * power-up for a note caught mid-way.
 */
export class SspSimulator extends SimulatorCore<SspPacket> {
  readonly protocol = 'ssp' as const
  private readonly address: number
  private readonly fixedKey: string
  private readonly serialNumber: number
  private readonly rand: RandomBytes
  private phase: Phase = 'idle'
  private note: { valueFen: number; channel: number; fake: boolean; inBox: boolean } | undefined
  private enabled = false
  private channelMask = 0
  private hostProtocol = 6
  private lastReject = 0
  private queue: Queued[] = [{ event: { code: Event.SLAVE_RESET }, acked: false }]
  /** How many queued events the last POLL WITH ACK reported (EVENT ACK clears those). */
  private reported = 0
  private creditRepeatsLeft = 0
  /** READ NOTE (channel) has gone out in a poll reply: the next poll accepts the note. */
  private escrowReported = false
  private lastSeq: 0 | 1 | undefined
  private lastReply: Uint8Array | undefined
  private generator: bigint | undefined
  private modulus: bigint | undefined
  private key: Uint8Array | undefined
  private count = 0
  /** What power-up will report, decided at the power cut. */
  private powerUpEvents: SspEvent[] = []

  constructor(transport: Transport, options: SspSimulatorOptions = {}) {
    super(transport, options)
    this.address = (options.address ?? 0) & 0x7f
    this.fixedKey = options.fixedKey ?? DEFAULT_FIXED_KEY
    this.serialNumber = options.serialNumber ?? 0x00c0ffee
    this.rand = options.random ?? defaultRandom
  }

  // --- the person at the machine --------------------------------------------------------------

  insertNote(valueFen: number): boolean {
    const index = this.notesFen.indexOf(valueFen)
    return this.feed({ valueFen, channel: index + 1, fake: false, inBox: false })
  }

  insertFake(): boolean {
    return this.feed({ valueFen: 0, channel: 0, fake: true, inBox: false })
  }

  fraudAttempt(valueFen?: number): void {
    if (!this.powered) return
    const channel = valueFen === undefined ? 0 : this.notesFen.indexOf(valueFen) + 1
    this.push({ code: Event.FRAUD_ATTEMPT, channel })
    this.changed()
  }

  override replaceCashbox(): void {
    const wasOut = this.cashboxOut
    super.replaceCashbox()
    if (wasOut) this.push({ code: Event.CASHBOX_REPLACED })
  }

  // --- SimulatorCore --------------------------------------------------------------------------

  protected decodeFrame(buf: Uint8Array): DecodeResult<SspPacket> {
    return decode(buf)
  }

  protected rawOf(p: SspPacket): Uint8Array {
    return encode(p)
  }

  protected describe(): string {
    if (!this.powered) return 'off'
    if (this.jammed) return `jam(${this.jammed})`
    if (this.cashboxOut) return 'cashboxRemoved'
    if (this.phase === 'idle')
      return this.isStackerFull() ? 'stackerFull' : this.enabled ? 'idle' : 'disabled'
    return this.phase
  }

  protected escrowValue(): number | undefined {
    return this.phase === 'escrow' ? this.note?.valueFen : undefined
  }

  protected acceptanceEnabled(): boolean {
    return this.powered && this.enabled
  }

  protected onPowerCut(): void {
    this.powerUpEvents = this.afterRestart()
  }

  protected onPowerOn(): void {
    this.restart(this.powerUpEvents)
    this.powerUpEvents = []
  }

  protected restoreMidStack(note: { valueFen: number; inBox: boolean }): void {
    const channel = this.notesFen.indexOf(note.valueFen) + 1
    this.note = { valueFen: note.valueFen, channel, fake: false, inBox: note.inBox }
    this.phase = note.inBox ? 'stacked' : 'stacking'
    // in the box with its CREDIT NOTE never acknowledged: the restart reports it cleared to the cashbox
    if (note.inBox) this.queue.push({ event: { code: Event.CREDIT_NOTE, channel }, acked: false })
  }

  protected resume(): void {
    this.enter(this.phase)
  }

  protected onCommand(p: SspPacket): void {
    if (p.address !== this.address) return
    if (p.data[0] === Cmd.SYNC && p.data.length === 1) {
      // SYNC always executes and resets the sequence flag (GA138)
      this.emitEvent({ type: 'command', code: Cmd.SYNC, encrypted: false })
      this.send(p.seq, Uint8Array.of(Reply.OK), undefined)
      return
    }
    if (this.lastSeq !== undefined && p.seq === this.lastSeq && this.lastReply) {
      // same flag as last time: the host missed our answer; repeat it, do not execute again
      this.reply(this.lastReply)
      return
    }
    let command = p.data
    let count: number | undefined
    if (p.data[0] === STEX) {
      if (!this.key) {
        this.send(p.seq, Uint8Array.of(Reply.KEY_NOT_SET), undefined)
        return
      }
      const d = decryptPayload(this.key, p.data)
      // a bad block or a wrong eCOUNT is ignored: replay protection (§2.3 eSSP step 4)
      if (!d.ok || d.count !== this.count) return
      command = d.data
      count = d.count
    }
    this.emitEvent({ type: 'command', code: command[0] ?? 0, encrypted: count !== undefined })
    const after: (() => void)[] = []
    const answer = this.execute(command, count !== undefined, after)
    this.send(p.seq, Uint8Array.from(answer), count)
    for (const fn of after) fn()
  }

  // --- commands -------------------------------------------------------------------------------

  private send(seq: 0 | 1, answer: Uint8Array, count: number | undefined): void {
    let data = answer
    if (count !== undefined && this.key) {
      data = encryptPayload(this.key, count, answer, this.rand)
      this.count = (count + 1) >>> 0
    }
    const bytes = encode({ seq, address: this.address, data })
    this.lastSeq = seq
    this.lastReply = bytes
    this.reply(bytes)
  }

  private execute(c: Uint8Array, encrypted: boolean, after: (() => void)[]): number[] {
    const code = c[0] ?? 0
    const args = c.length - 1
    const ok = Reply.OK
    switch (code) {
      case Cmd.RESET:
        after.push(() => this.restart(this.afterRestart()))
        return [ok]
      case Cmd.HOST_PROTOCOL_VERSION:
        if (args !== 1) return [Reply.WRONG_PARAMETERS]
        if ((c[1] ?? 0) < 3 || (c[1] ?? 0) > 8) return [Reply.FAIL]
        this.hostProtocol = c[1] ?? 6
        return [ok]
      case Cmd.SETUP_REQUEST:
        return [ok, ...this.setupData()]
      case Cmd.CHANNEL_VALUE_REQUEST:
        return [ok, ...this.channelValueData()]
      case Cmd.SET_CHANNEL_INHIBITS:
        if (args !== 2) return [Reply.WRONG_PARAMETERS]
        this.channelMask = (c[1] ?? 0) | ((c[2] ?? 0) << 8)
        return [ok]
      case Cmd.ENABLE:
        this.enabled = true
        return [ok]
      case Cmd.DISABLE:
        this.enabled = false
        return [ok]
      case Cmd.GET_SERIAL_NUMBER:
        return [
          ok,
          (this.serialNumber >>> 24) & 0xff,
          (this.serialNumber >>> 16) & 0xff,
          (this.serialNumber >>> 8) & 0xff,
          this.serialNumber & 0xff,
        ]
      case Cmd.POLL:
      case Cmd.POLL_WITH_ACK: {
        if (code === Cmd.POLL_WITH_ACK && !encrypted) return [Reply.KEY_NOT_SET]
        const events = [...this.queue.map((q) => q.event), ...this.stateEvents()]
        if (code === Cmd.POLL)
          this.queue = this.queue.filter(
            (q) => q.event.code === Event.CREDIT_NOTE && this.faults.neverAckCredit,
          )
        else this.reported = this.queue.length
        // GA138 HOLD: any poll after the one that reported READ NOTE accepts the note in escrow
        if (this.phase === 'escrow' && !this.jammed && !this.cashboxOut) {
          if (this.escrowReported) after.push(() => this.enter('stacking'))
          else this.escrowReported = true
        }
        return [ok, ...encodeEvents(events)]
      }
      case Cmd.EVENT_ACK:
        if (!encrypted) return [Reply.KEY_NOT_SET]
        this.acknowledge()
        return [ok]
      case Cmd.HOLD:
        if (this.phase !== 'escrow') return [Reply.CANNOT_PROCESS]
        this.enter('escrow') // restarts the 10 s escrow timer
        return [ok]
      case Cmd.REJECT_BANKNOTE:
        if (this.phase !== 'escrow') return [Reply.CANNOT_PROCESS]
        this.reject(REJECT_BY_HOST)
        return [ok]
      case Cmd.LAST_REJECT_CODE:
        return [ok, this.lastReject]
      case Cmd.SET_GENERATOR:
      case Cmd.SET_MODULUS: {
        if (args !== 8) return [Reply.WRONG_PARAMETERS]
        const n = readU64le(c, 1)
        if (!isPrime(n)) return [Reply.PARAMETER_OUT_OF_RANGE]
        if (code === Cmd.SET_GENERATOR) this.generator = n
        else this.modulus = n
        this.key = undefined
        return [ok]
      }
      case Cmd.REQUEST_KEY_EXCHANGE: {
        if (args !== 8) return [Reply.WRONG_PARAMETERS]
        const g = this.generator
        const m = this.modulus
        if (g === undefined || m === undefined || m < 5n) return [Reply.PARAMETER_OUT_OF_RANGE]
        const hostInterKey = readU64le(c, 1) % m
        const secret = randomU64(this.rand, m)
        const slaveInterKey = modPow(g, secret, m)
        this.key = aesKey(this.fixedKey, modPow(hostInterKey, secret, m))
        this.count = 0
        return [ok, ...u64le(slaveInterKey)]
      }
      default:
        return [Reply.UNKNOWN_COMMAND]
    }
  }

  /** EVENT ACK clears what the last POLL WITH ACK reported, credit events subject to the faults. */
  private acknowledge(): void {
    const reported = this.queue.slice(0, this.reported)
    const rest = this.queue.slice(this.reported)
    this.reported = 0
    const keep: Queued[] = []
    for (const q of reported) {
      if (q.event.code === Event.NOTE_CLEARED_TO_CASHBOX) this.noteSettled()
      if (q.event.code !== Event.CREDIT_NOTE) continue
      if (this.faults.neverAckCredit) {
        keep.push(q)
        continue
      }
      if (!q.acked) {
        q.acked = true
        this.noteSettled()
        this.creditRepeatsLeft = this.faults.repeatCreditEvent
        this.emitEvent({
          type: 'creditAcked',
          valueFen: this.notesFen[(q.event.channel ?? 0) - 1] ?? 0,
        })
      }
      if (this.creditRepeatsLeft > 0) {
        this.creditRepeatsLeft--
        keep.push(q)
      }
    }
    this.queue = [...keep, ...rest]
  }

  private setupData(): number[] {
    const wholeYuan = this.notesFen.every((v) => v % 100 === 0)
    const multiplier = wholeYuan ? 100 : 1
    const values = this.notesFen.map((v) => v / multiplier)
    return encodeSetup({
      unitType: 0x00,
      firmware: '0100',
      country: this.currency,
      valueMultiplier: 1,
      channelValues: values.map((v) => (v <= 0xff ? v : 0)),
      channelSecurity: values.map(() => 2),
      realValueMultiplier: multiplier,
      protocolVersion: this.hostProtocol,
      channelCountries: values.map(() => this.currency),
      expandedValues: values,
    })
  }

  private channelValueData(): number[] {
    const multiplier = this.notesFen.every((v) => v % 100 === 0) ? 100 : 1
    const values = this.notesFen.map((v) => v / multiplier)
    const out = [values.length, ...values.map((v) => (v <= 0xff ? v : 0))]
    if (this.hostProtocol >= 6) {
      for (let k = 0; k < values.length; k++)
        out.push(
          ...this.currency
            .padEnd(3)
            .slice(0, 3)
            .split('')
            .map((ch) => ch.charCodeAt(0)),
        )
      for (const v of values)
        out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff)
    }
    return out
  }

  // --- the note path --------------------------------------------------------------------------

  private push(event: SspEvent): void {
    this.queue.push({ event, acked: false })
    if (this.queue.length > 64) this.queue.splice(0, this.queue.length - 64)
  }

  /** Repeated on every poll while they last (GA138 lists them as status-type events). */
  private stateEvents(): SspEvent[] {
    const out: SspEvent[] = []
    if (this.jammed) out.push({ code: this.jammed === 'safe' ? Event.SAFE_JAM : Event.UNSAFE_JAM })
    if (this.cashboxOut) out.push({ code: Event.CASHBOX_REMOVED })
    if (this.phase === 'reading') out.push({ code: Event.READ_NOTE, channel: 0 })
    if (this.phase === 'stacking' || this.phase === 'stacked') out.push({ code: Event.STACKING })
    if (this.phase === 'rejecting') out.push({ code: Event.REJECTING })
    if (this.phase === 'idle' && this.isStackerFull()) out.push({ code: Event.STACKER_FULL })
    if (this.phase === 'idle' && !this.enabled) out.push({ code: Event.DISABLED })
    return out
  }

  private feed(note: NonNullable<typeof this.note>): boolean {
    if (
      !this.powered ||
      !this.enabled ||
      this.phase !== 'idle' ||
      this.jammed ||
      this.cashboxOut ||
      this.isStackerFull()
    )
      return false
    this.note = note
    this.enter('reading')
    return true
  }

  private enter(phase: Phase): void {
    this.phase = phase
    if (this.jammed || this.cashboxOut) return // frozen; resume() re-arms
    const t = this.timings
    switch (phase) {
      case 'idle':
        this.clearTimer()
        break
      case 'reading':
        this.setTimer(t.acceptMs, () => this.validated())
        break
      case 'escrow':
        this.setTimer(t.escrowTimeoutMs, () => this.reject(REJECT_ESCROW_TIMEOUT))
        break
      case 'stacking':
        if (this.note && !this.note.inBox) this.noteCommitted(this.note.valueFen)
        this.setTimer(t.stackMs, () => {
          const n = this.note
          if (n && !n.inBox) {
            n.inBox = true
            this.addToCassette(n.valueFen)
            // "passed the point of possible recovery; host can safely issue credit"
            this.push({ code: Event.CREDIT_NOTE, channel: n.channel })
          }
          this.enter('stacked')
        })
        break
      case 'stacked':
        this.setTimer(t.transientMs, () => {
          this.push({ code: Event.STACKED })
          this.note = undefined
          this.enter('idle')
        })
        break
      case 'rejecting':
        this.setTimer(t.transientMs, () => {
          this.push({ code: Event.REJECTED })
          this.note = undefined
          this.enter('idle')
        })
        break
    }
    this.changed()
  }

  private validated(): void {
    const n = this.note
    if (!n) return this.enter('idle')
    if (n.fake || n.channel < 1) return this.reject(REJECT_NOT_RECOGNISED)
    if (((this.channelMask >> (n.channel - 1)) & 1) === 0)
      return this.reject(REJECT_CHANNEL_INHIBIT)
    this.push({ code: Event.READ_NOTE, channel: n.channel })
    this.escrowReported = false
    this.enter('escrow')
  }

  private reject(code: number): void {
    this.lastReject = code
    this.enter('rejecting')
  }

  /** What the unit will say after a restart, given where the note is now (§2.3: E1 / E2). */
  private afterRestart(): SspEvent[] {
    const events: SspEvent[] = [{ code: Event.SLAVE_RESET }]
    const n = this.note
    const unackedCredit = this.queue.find((q) => q.event.code === Event.CREDIT_NOTE && !q.acked)
    if (n && (this.phase === 'stacking' || this.phase === 'stacked')) {
      if (!n.inBox) {
        n.inBox = true
        this.addToCassette(n.valueFen)
        events.push({ code: Event.NOTE_CLEARED_TO_CASHBOX, channel: n.channel })
      } else if (unackedCredit) {
        events.push({ code: Event.NOTE_CLEARED_TO_CASHBOX, channel: n.channel })
      }
    } else if (n && this.phase !== 'idle') {
      events.push({ code: Event.NOTE_CLEARED_FROM_FRONT, channel: n.channel })
    } else if (unackedCredit) {
      events.push({
        code: Event.NOTE_CLEARED_TO_CASHBOX,
        channel: unackedCredit.event.channel ?? 0,
      })
    }
    this.clearTimer()
    this.note = undefined
    this.phase = 'idle'
    return events
  }

  /** Volatile state is gone: no key, no sequence, disabled, all channels inhibited. */
  private restart(events: SspEvent[]): void {
    this.queue = events.map((event) => ({ event, acked: false }))
    this.reported = 0
    this.creditRepeatsLeft = 0
    this.enabled = false
    this.channelMask = 0
    this.hostProtocol = 6
    this.lastSeq = undefined
    this.lastReply = undefined
    this.key = undefined
    this.generator = undefined
    this.modulus = undefined
    this.count = 0
    this.phase = 'idle'
    this.changed()
  }
}
