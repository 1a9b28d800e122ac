import type { Transport } from '../../transport/transport.ts'
import {
  BillAcceptorError,
  BillAcceptorErrorCode,
  type BillAcceptorDriverOptions,
} from '../bill-acceptor.ts'
import { CommError, DriverCore, type DecodeResult, type NoteCycle } from '../driver-core.ts'
import {
  channelValuesMinor,
  Cmd,
  decode,
  encode,
  Event,
  parseChannelValues,
  parseEvents,
  parseSetup,
  RejectCode,
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
  generateDhParameters,
  modPow,
  randomU64,
  readU64le,
  u64le,
  type RandomBytes,
} from './essp.ts'

export interface SspDriverOptions extends BillAcceptorDriverOptions {
  /** Slave id (0 = banknote validator). */
  address?: number
  /** The unit's 64-bit fixed eSSP key as 16 hex digits. Default ITL's 0123456701234567. */
  fixedKey?: string
  /** Retransmissions of an unanswered packet (same sequence flag, same eCOUNT). Default 2. */
  retransmits?: number
  /** HOST PROTOCOL VERSION to request; 6+ gives the expanded channel table. Default 6. */
  protocolVersion?: number
  random?: RandomBytes
}

/** Commands that travel in clear: the link setup and the key exchange itself. */
const PLAIN: ReadonlySet<number> = new Set<number>([
  Cmd.SYNC,
  Cmd.SET_GENERATOR,
  Cmd.SET_MODULUS,
  Cmd.REQUEST_KEY_EXCHANGE,
])

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`

function startsWith(events: readonly SspEvent[], prefix: readonly SspEvent[]): boolean {
  if (prefix.length === 0 || prefix.length > events.length) return false
  return prefix.every((p, i) => events[i]?.code === p.code && events[i]?.channel === p.channel)
}

/**
 * ITL SSP/eSSP host driver (kiosk-hardware.md §2.3). Every command after the key exchange is
 * encrypted; events come from POLL WITH ACK and are acknowledged with EVENT ACK only after they were
 * handled, so a CREDIT NOTE repeats until the credit handler has resolved. While a note waits in
 * escrow the driver sends HOLD instead of POLL, because any poll accepts the note (GA138 HOLD).
 */
export class SspDriver extends DriverCore<SspPacket> {
  readonly protocol = 'ssp' as const
  private readonly address: number
  private readonly fixedKey: string
  private readonly retransmits: number
  private readonly hostProtocol: number
  private readonly random: RandomBytes
  private seq: 0 | 1 = 0
  private key: Uint8Array | undefined
  private count = 0
  private keyStale = true
  /** Fen by channel (index = channel − 1). */
  private channels: number[] = []
  /** The events of the last poll whose EVENT ACK was not confirmed: the unit will repeat them. */
  private unacked: SspEvent[] | undefined
  /** No poll answered since start(): a CREDIT NOTE now belongs to a note from before this host. */
  private fresh = true
  private needsApply = false
  private reportedUnknown = new Set<number>()

  constructor(transport: Transport, options: SspDriverOptions = {}) {
    super(transport, options, 1000)
    this.address = (options.address ?? 0) & 0x7f
    this.fixedKey = options.fixedKey ?? DEFAULT_FIXED_KEY
    this.retransmits = Math.max(0, options.retransmits ?? 2)
    this.hostProtocol = options.protocolVersion ?? 6
    this.random = options.random ?? defaultRandom
  }

  protected decodeFrame(buf: Uint8Array): DecodeResult<SspPacket> {
    return decode(buf)
  }

  protected async initialize(kind: 'start' | 'recover'): Promise<void> {
    if (kind === 'start') {
      this.fresh = true
      this.unacked = undefined
    }
    await this.establish()
    await this.readChannels()
    await this.applyDesired()
  }

  protected async pollOnce(): Promise<void> {
    if (this.keyStale) await this.establish()
    const c = this.cycle
    if (c && c.phase === 'escrow' && !c.stackSent) {
      // GA138 HOLD: any poll would accept the escrowed note; HOLD keeps it and restarts its 10 s timer
      const r = await this.exchange([Cmd.HOLD])
      if (r.code === Reply.OK) return
      // CANNOT PROCESS: nothing in escrow any more (the unit returned it); polling is safe again
    }
    await this.pollEvents()
    if (this.needsApply) {
      this.needsApply = false
      await this.applyDesired()
    }
  }

  protected async applyDesired(): Promise<void> {
    const { enabled, valuesFen } = this.desired
    let mask = 0
    this.channels.forEach((fen, i) => {
      if (i < 16 && fen > 0 && (!valuesFen || valuesFen.includes(fen))) mask |= 1 << i
    })
    // SET CHANNEL INHIBITS: a set bit *enables* that channel (bit 0 = channel 1)
    await this.command([Cmd.SET_CHANNEL_INHIBITS, mask & 0xff, mask >>> 8])
    await this.command([enabled ? Cmd.ENABLE : Cmd.DISABLE])
  }

  protected async sendStack(c: NoteCycle): Promise<void> {
    c.stackSent = true
    c.phase = 'stacking'
    // The poll itself is the accept (GA138: "any poll accepts the escrowed note"). From here on the
    // loop polls instead of holding, so a poll lost now is simply the next one: the decision stands.
    try {
      await this.pollEvents()
    } catch (err) {
      if (!(err instanceof CommError)) throw err
      this.opts.log?.warn(
        { err: err.message },
        'poll after stack went unanswered; the next poll accepts',
      )
    }
  }

  protected async sendReturn(c: NoteCycle): Promise<void> {
    const r = await this.exchange([Cmd.REJECT_BANKNOTE])
    if (r.code !== Reply.OK)
      throw new BillAcceptorError(
        BillAcceptorErrorCode.NO_ESCROW,
        `REJECT BANKNOTE refused (${hex(r.code)})`,
      )
    this.noteReturned(c)
  }

  protected async sendHold(_c: NoteCycle): Promise<void> {
    const r = await this.exchange([Cmd.HOLD])
    if (r.code !== Reply.OK)
      throw new BillAcceptorError(BillAcceptorErrorCode.NO_ESCROW, `HOLD refused (${hex(r.code)})`)
  }

  protected override onOffline(): void {
    this.key = undefined
    this.keyStale = true
  }

  // --- link and session -----------------------------------------------------------------------

  /** SYNC, HOST PROTOCOL VERSION, then a fresh eSSP key (§2.3 steps 1–2). */
  private async establish(): Promise<void> {
    this.key = undefined
    this.seq = 0 // SYNC goes out with the flag set; the next command clears it
    await this.command([Cmd.SYNC])
    await this.command([Cmd.HOST_PROTOCOL_VERSION, this.hostProtocol])
    const { generator, modulus } = generateDhParameters()
    await this.command([Cmd.SET_GENERATOR, ...u64le(generator)])
    await this.command([Cmd.SET_MODULUS, ...u64le(modulus)])
    const secret = randomU64(this.random, modulus)
    const reply = await this.command([
      Cmd.REQUEST_KEY_EXCHANGE,
      ...u64le(modPow(generator, secret, modulus)),
    ])
    if (reply.length < 8)
      throw new BillAcceptorError(BillAcceptorErrorCode.COMMAND_FAILED, 'short key exchange reply')
    const slaveInterKey = readU64le(reply) % modulus
    this.key = aesKey(this.fixedKey, modPow(slaveInterKey, secret, modulus))
    this.count = 0
    this.keyStale = false
  }

  private async readChannels(): Promise<void> {
    const setup = parseSetup(await this.command([Cmd.SETUP_REQUEST]))
    if (!setup)
      throw new BillAcceptorError(
        BillAcceptorErrorCode.COMMAND_FAILED,
        'malformed SETUP REQUEST reply',
      )
    let values = channelValuesMinor(setup)
    const cv = parseChannelValues(await this.command([Cmd.CHANNEL_VALUE_REQUEST]))
    if (cv?.expanded) {
      const fromChannelRequest = cv.expanded.map((v) => v * Math.max(1, setup.realValueMultiplier))
      if (fromChannelRequest.join() !== values.join()) {
        this.opts.log?.warn(
          { setup: values, channels: fromChannelRequest },
          'SETUP REQUEST and CHANNEL VALUE REQUEST disagree; using the latter',
        )
        values = fromChannelRequest
      }
    }
    this.channels = values
    this.denominations = [...new Set(values.filter((v) => v > 0))].sort((a, b) => a - b)
  }

  /**
   * One command, with retransmission of the identical packet on silence (the unit answers a
   * repeated sequence flag with its previous reply instead of executing again).
   */
  private async exchange(command: readonly number[]): Promise<{ code: number; data: Uint8Array }> {
    this.seq = this.seq ? 0 : 1
    const seq = this.seq
    const encrypt = this.key !== undefined && !PLAIN.has(command[0] ?? 0)
    const key = encrypt ? this.key : undefined
    const count = this.count
    const payload = key
      ? encryptPayload(key, count, Uint8Array.from(command), this.random)
      : Uint8Array.from(command)
    const bytes = encode({ seq, address: this.address, data: payload })
    let plain: Uint8Array = new Uint8Array(0)
    let clearReply = false
    let last: unknown
    for (let attempt = 0; attempt <= this.retransmits; attempt++) {
      try {
        await this.request(bytes, (f) => {
          if (f.seq !== seq || f.address !== this.address) return false
          if (!key) {
            plain = f.data
            return true
          }
          if (f.data[0] !== STEX) {
            // an answer in clear to an encrypted command: the unit has no key (it restarted)
            plain = f.data
            clearReply = true
            return true
          }
          const d = decryptPayload(key, f.data)
          if (!d.ok || d.count !== count) return false // not the answer to this packet (§2.3 step 4)
          plain = d.data
          return true
        })
        last = undefined
        break
      } catch (err) {
        if (!(err instanceof CommError)) throw err
        last = err
      }
    }
    if (last !== undefined) {
      if (key) this.keyStale = true // the unit may have counted a packet we never saw answered
      throw last instanceof Error ? last : new CommError('no answer')
    }
    if (key && !clearReply) this.count = (count + 1) >>> 0
    if (clearReply) {
      this.keyStale = true
      throw new CommError(`unit answered in clear (${hex(plain[0] ?? 0)}); renegotiating the key`)
    }
    return { code: plain[0] ?? 0, data: plain.subarray(1) }
  }

  /** Like exchange(), but anything but OK is an error. */
  private async command(command: readonly number[]): Promise<Uint8Array> {
    const r = await this.exchange(command)
    if (r.code === Reply.KEY_NOT_SET) {
      this.keyStale = true
      throw new CommError('the unit has no encryption key')
    }
    if (r.code !== Reply.OK) {
      throw new BillAcceptorError(
        BillAcceptorErrorCode.COMMAND_FAILED,
        `command ${hex(command[0] ?? 0)} answered ${hex(r.code)}`,
      )
    }
    return r.data
  }

  // --- events ---------------------------------------------------------------------------------

  private async pollEvents(): Promise<void> {
    const r = await this.exchange([Cmd.POLL_WITH_ACK])
    if (r.code === Reply.KEY_NOT_SET) {
      this.keyStale = true
      throw new CommError('the unit has no encryption key')
    }
    if (r.code !== Reply.OK) {
      this.opts.log?.warn({ reply: hex(r.code) }, 'POLL WITH ACK refused')
      return
    }
    const { events, unknown } = parseEvents(r.data)
    if (unknown !== undefined && !this.reportedUnknown.has(unknown)) {
      this.reportedUnknown.add(unknown)
      this.emit({ type: 'fault', code: `SSP_UNKNOWN_EVENT_${hex(unknown)}` })
    }
    // a repeat of the list we could not acknowledge: handle only what is new after it
    const prev = this.unacked
    const from = prev && startsWith(events, prev) ? prev.length : 0
    const fresh = this.fresh
    this.fresh = false
    for (const e of events.slice(from)) await this.handleEvent(e, fresh)
    this.applyConditions(events)
    if (events.length > 0) {
      this.unacked = events
      // EVENT ACK only now: every credit in this list has been handled (§2.3 safety)
      const ack = await this.exchange([Cmd.EVENT_ACK])
      if (ack.code === Reply.KEY_NOT_SET) {
        this.keyStale = true
        throw new CommError('the unit has no encryption key')
      }
      this.unacked = undefined
    }
  }

  private channelValue(channel: number | undefined): number | undefined {
    if (channel === undefined || channel < 1) return undefined
    const v = this.channels[channel - 1]
    return v !== undefined && v > 0 ? v : undefined
  }

  private async handleEvent(e: SspEvent, fresh: boolean): Promise<void> {
    switch (e.code) {
      case Event.SLAVE_RESET:
        // the unit restarted: settings and inhibits are gone; what happened to a note follows as E1/E2
        this.forgetMode()
        this.needsApply = true
        return
      case Event.READ_NOTE: {
        const c = this.cycle
        if (!e.channel) {
          if (c && (c.phase === 'credited' || c.phase === 'leaving')) this.closeCycle()
          this.openCycle('accepting')
          return
        }
        const valueFen = this.channelValue(e.channel)
        if (valueFen === undefined) {
          this.emit({ type: 'fault', code: `SSP_UNKNOWN_CHANNEL_${e.channel}` })
          return
        }
        this.noteInEscrow(valueFen)
        return
      }
      case Event.CREDIT_NOTE: {
        const c = this.cycle
        if (c?.credited) return // repeated until EVENT ACK: never credit twice
        if (c?.stackSent) {
          if (c.valueFen === undefined) {
            const v = this.channelValue(e.channel)
            if (v !== undefined) c.valueFen = v
          }
          if (c.valueFen !== undefined) await this.credit(c)
          return
        }
        if (fresh) {
          // a note accepted before this host started: the journal decides (§7.7), not a second credit
          const orphan = this.openCycle('leaving')
          orphan.outcomeReported = true
          this.suspect('stacker', this.channelValue(e.channel))
          return
        }
        this.opts.log?.warn(
          { channel: e.channel },
          'CREDIT NOTE for no note this host stacked; ignored',
        )
        return
      }
      case Event.STACKING: {
        const c = this.cycle
        if (c?.stackSent && c.phase === 'escrow') c.phase = 'stacking'
        return
      }
      case Event.STACKED:
        this.closeCycle()
        return
      case Event.REJECTING:
        return
      case Event.REJECTED: {
        const c = this.openCycle('leaving')
        if (c.valueFen !== undefined) this.noteReturned(c)
        else if (!c.outcomeReported) this.noteRejected(c, await this.lastRejectReason())
        this.closeCycle()
        return
      }
      case Event.FRAUD_ATTEMPT: {
        const valueFen = this.channelValue(e.channel)
        this.emit(
          valueFen === undefined ? { type: 'fraudAttempt' } : { type: 'fraudAttempt', valueFen },
        )
        return
      }
      case Event.NOTE_CLEARED_FROM_FRONT:
        // power-up with a note in the head: it went back to the customer (§2.3)
        this.suspect('acceptor', this.channelValue(e.channel) ?? this.cycle?.valueFen)
        this.dropCycle()
        return
      case Event.NOTE_CLEARED_TO_CASHBOX: {
        // power-up with a note in the path: it went to the cashbox; money only if we credited it
        const c = this.cycle
        if (!c?.credited) this.suspect('stacker', this.channelValue(e.channel) ?? c?.valueFen)
        this.dropCycle()
        return
      }
      case Event.CASHBOX_REPLACED:
        this.setCashboxOut(false)
        return
      default:
        return // state-like events are read by applyConditions
    }
  }

  /** DISABLED, jams, stacker full and cashbox out are repeated while they last: read them as state. */
  private applyConditions(events: readonly SspEvent[]): void {
    const has = (code: number): boolean => events.some((e) => e.code === code)
    this.setJam(
      has(Event.SAFE_JAM) ? { safe: true } : has(Event.UNSAFE_JAM) ? { safe: false } : undefined,
    )
    this.setStackerFull(has(Event.STACKER_FULL))
    this.setCashboxOut(has(Event.CASHBOX_REMOVED))
    if (has(Event.DISABLED)) this.setMode('disabled')
    else if (!this.cycle) this.setMode('enabled')
  }

  private async lastRejectReason(): Promise<string> {
    try {
      const code = (await this.command([Cmd.LAST_REJECT_CODE]))[0] ?? 0
      return RejectCode[code] ?? `reject ${hex(code)}`
    } catch (err) {
      if (err instanceof CommError) throw err
      return 'unknown'
    }
  }
}
