import type { Transport } from '../../transport/transport.ts'
import {
  BillAcceptorError,
  BillAcceptorErrorCode,
  type BillAcceptorDriverOptions,
} from '../bill-acceptor.ts'
import { CommError, DriverCore, type DecodeResult, type NoteCycle } from '../driver-core.ts'
import {
  Cmd,
  decode,
  decodeCurrencyAssign,
  FailureCode,
  FIRST_ESCROW_CODE,
  frame,
  isStatusCode,
  RejectReason,
  Status,
  type Id003Frame,
} from './codec.ts'

export interface Id003DriverOptions extends BillAcceptorDriverOptions {
  /** Longest wait for INITIALIZE to finish after RESET. Default 15 s. */
  initTimeoutMs?: number
  /** Attempts per operation command (STACK, RETURN, HOLD, settings) before giving up. Default 3. */
  commandAttempts?: number
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`

/**
 * JCM ID-003 host driver (kiosk-hardware.md §2.1). Polls STATUS REQUEST; one command in flight;
 * credits at VEND VALID exactly once per bill cycle and only for a bill this host sent to the
 * stacker; ACKs VEND VALID only after the credit handler resolved.
 */
export class Id003Driver extends DriverCore<Id003Frame> {
  readonly protocol = 'id003' as const
  private readonly initTimeoutMs: number
  private readonly attempts: number
  /** escrow code → fen, from 0x8A CURRENCY ASSIGN */
  private table = new Map<number, number>()
  private lastStatus: number | undefined
  private needsReset = false
  /** The suspect of the current power-up was reported; cleared once the unit is initialised. */
  private powerUpReported = false

  constructor(transport: Transport, options: Id003DriverOptions = {}) {
    super(transport, options, 500)
    this.initTimeoutMs = options.initTimeoutMs ?? 15_000
    this.attempts = Math.max(1, options.commandAttempts ?? 3)
  }

  protected decodeFrame(buf: Uint8Array): DecodeResult<Id003Frame> {
    return decode(buf)
  }

  protected async initialize(kind: 'start' | 'recover'): Promise<void> {
    let s = await this.statusRequest()
    if (kind === 'start') {
      // A bill left from before this host started (§7.7 boot recovery): let a stacking bill reach
      // VEND VALID, record it as suspect, then RESET. An escrowed bill is returned by the RESET.
      for (let n = 0; s.cmd === Status.STACKING && n < 50; n++) {
        await this.sleep(this.opts.pollIntervalMs)
        s = await this.statusRequest()
      }
      if (s.cmd === Status.VEND_VALID) await this.onVendValid(true)
      else if (
        s.cmd === Status.POWER_UP_BILL_IN_ACCEPTOR ||
        s.cmd === Status.POWER_UP_BILL_IN_STACKER
      )
        this.onPowerUp(s.cmd)
      this.dropCycle()
      await this.resetAndInitialize()
      return
    }
    await this.handleStatus(s)
    if (this.needsReset) await this.resetAndInitialize()
    else await this.applyDesired()
  }

  protected async pollOnce(): Promise<void> {
    await this.handleStatus(await this.statusRequest())
    if (this.needsReset) await this.resetAndInitialize()
  }

  protected async applyDesired(): Promise<void> {
    const { enabled, valuesFen } = this.desired
    let mask = 0
    for (const [code, fen] of this.table) {
      const bit = code - FIRST_ESCROW_CODE
      if (bit < 0 || bit > 15) continue
      if (valuesFen && !valuesFen.includes(fen)) mask |= 1 << bit
    }
    await this.setting(Cmd.SET_DENOMINATION, [mask & 0xff, mask >>> 8])
    await this.setting(Cmd.SET_INHIBIT, [enabled ? 0 : 1])
  }

  protected async sendStack(c: NoteCycle): Promise<void> {
    // mark before the bytes leave: if the answer is lost, VEND VALID still finds its note
    c.stackSent = true
    c.phase = 'stacking'
    const ok = await this.operation(
      Cmd.STACK_1,
      [Status.STACKING, Status.VEND_VALID, Status.STACKED],
      () => {
        c.stackSent = false
        c.phase = 'escrow'
      },
    )
    if (!ok)
      throw new BillAcceptorError(BillAcceptorErrorCode.NO_ESCROW, 'the acceptor refused STACK-1')
  }

  protected async sendReturn(c: NoteCycle): Promise<void> {
    const ok = await this.operation(Cmd.RETURN, [
      Status.RETURNING,
      Status.REJECTING,
      Status.ENABLE,
      Status.DISABLE,
    ])
    if (!ok)
      throw new BillAcceptorError(BillAcceptorErrorCode.NO_ESCROW, 'the acceptor refused RETURN')
    this.noteReturned(c)
  }

  protected async sendHold(_c: NoteCycle): Promise<void> {
    const ok = await this.operation(Cmd.HOLD, [Status.HOLDING])
    if (!ok)
      throw new BillAcceptorError(BillAcceptorErrorCode.NO_ESCROW, 'the acceptor refused HOLD')
  }

  protected override onOffline(): void {
    this.lastStatus = undefined
  }

  // --- exchanges ------------------------------------------------------------------------------

  private statusRequest(): Promise<Id003Frame> {
    return this.request(frame(Cmd.STATUS_REQUEST), (f) => isStatusCode(f.cmd))
  }

  /**
   * Setting commands are echoed (§2.1); they are idempotent, so a lost echo is simply retried.
   */
  private async setting(cmd: number, data: number[]): Promise<Uint8Array> {
    let last: unknown
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      try {
        const reply = await this.request(
          frame(cmd, ...data),
          (f) => f.cmd === cmd || f.cmd === Status.INVALID_COMMAND,
        )
        if (reply.cmd === Status.INVALID_COMMAND)
          throw new BillAcceptorError(BillAcceptorErrorCode.COMMAND_FAILED, `${hex(cmd)} refused`)
        return reply.data
      } catch (err) {
        if (!(err instanceof CommError)) throw err
        last = err
      }
    }
    throw last instanceof Error ? last : new CommError('no answer')
  }

  /**
   * STACK/RETURN/HOLD answer ACK, or INVALID COMMAND when the unit is not in escrow. They are not
   * idempotent, so after a lost answer a repeat may be refused; then the status tells whether the
   * first one took (`progressed`). `refusedFirst` undoes what the caller assumed.
   */
  private async operation(
    cmd: number,
    progressed: readonly number[],
    refusedFirst?: () => void,
    handle = true,
  ): Promise<boolean> {
    let lostAnswer = false
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      let reply: Id003Frame
      try {
        reply = await this.request(
          frame(cmd),
          (f) => f.cmd === Status.ACK || f.cmd === Status.INVALID_COMMAND,
        )
      } catch (err) {
        if (!(err instanceof CommError)) throw err
        lostAnswer = true
        continue
      }
      if (reply.cmd === Status.ACK) return true
      if (!lostAnswer) {
        refusedFirst?.()
        return false
      }
      break
    }
    if (!lostAnswer) return false
    const status = await this.statusRequest()
    const took = progressed.includes(status.cmd)
    if (!took) refusedFirst?.()
    if (handle) await this.handleStatus(status)
    return took
  }

  private async readDenominations(): Promise<void> {
    const reply = await this.request(
      frame(Cmd.GET_CURRENCY_ASSIGN),
      (f) => f.cmd === Cmd.GET_CURRENCY_ASSIGN,
    )
    this.table = new Map(decodeCurrencyAssign(reply.data).map((e) => [e.escrowCode, e.valueFen]))
    this.denominations = [...new Set(this.table.values())].sort((a, b) => a - b)
  }

  /** §2.1 initialization: RESET → INITIALIZE → DISABLE, then C0, C1, C2, C3. */
  private async resetAndInitialize(): Promise<void> {
    this.needsReset = false
    await this.operation(
      Cmd.RESET,
      [Status.INITIALIZE, Status.DISABLE, Status.ENABLE],
      undefined,
      false,
    )
    this.forgetMode()
    const polls = Math.ceil(this.initTimeoutMs / Math.max(1, this.opts.pollIntervalMs))
    for (let n = 0; ; n++) {
      await this.sleep(this.opts.pollIntervalMs)
      const s = await this.statusRequest()
      const stillStarting =
        s.cmd === Status.INITIALIZE ||
        s.cmd === Status.POWER_UP ||
        s.cmd === Status.POWER_UP_BILL_IN_ACCEPTOR ||
        s.cmd === Status.POWER_UP_BILL_IN_STACKER
      if (!stillStarting) {
        this.needsReset = false
        await this.readDenominations()
        await this.setting(Cmd.SET_SECURITY, [0, 0])
        await this.setting(Cmd.SET_COMMUNICATION_MODE, [0]) // polling mode: no ENQ to interpret
        await this.applyDesired()
        this.powerUpReported = false
        await this.handleStatus(s)
        this.needsReset = false
        return
      }
      if (n >= polls) throw new CommError('acceptor stuck in INITIALIZE')
    }
  }

  // --- status handling ------------------------------------------------------------------------

  private async handleStatus(f: Id003Frame): Promise<void> {
    const code = f.cmd
    const previous = this.lastStatus
    this.lastStatus = code
    switch (code) {
      case Status.ENABLE:
      case Status.DISABLE:
        this.clearConditions()
        this.closeCycle()
        this.setMode(code === Status.ENABLE ? 'enabled' : 'disabled')
        return
      case Status.ACCEPTING: {
        this.clearConditions()
        const c = this.cycle
        if (c && (c.phase === 'credited' || c.phase === 'leaving')) this.closeCycle()
        this.openCycle('accepting')
        return
      }
      case Status.ESCROW: {
        this.clearConditions()
        const escrowCode = f.data[0] ?? -1
        const valueFen = this.table.get(escrowCode)
        if (valueFen === undefined) {
          this.emit({ type: 'fault', code: `ERR_ACCEPTOR_UNKNOWN_ESCROW_CODE_${hex(escrowCode)}` })
          this.openCycle('accepting')
          const c = this.cycle
          if (c && !c.stackSent && c.phase !== 'leaving') {
            c.phase = 'leaving'
            await this.operation(Cmd.RETURN, [Status.RETURNING, Status.REJECTING])
          }
          return
        }
        if (this.cycle?.phase === 'stacking' && this.cycle.stackSent) return // a late ESCROW after our STACK-1
        this.noteInEscrow(valueFen)
        return
      }
      case Status.STACKING:
      case Status.HOLDING:
      case Status.PAUSE:
      case Status.INITIALIZE:
        this.clearConditions()
        return
      case Status.VEND_VALID:
        this.clearConditions()
        await this.onVendValid(false)
        return
      case Status.STACKED:
        this.clearConditions()
        return
      case Status.REJECTING: {
        this.clearConditions()
        const c = this.openCycle('leaving')
        const reasonCode = f.data[0] ?? 0
        // a bill that reached escrow and comes back out (host RETURN, escrow timeout 0x79) is a return
        if (c.valueFen !== undefined) this.noteReturned(c)
        else this.noteRejected(c, RejectReason[reasonCode] ?? `reject ${hex(reasonCode)}`)
        return
      }
      case Status.RETURNING: {
        this.clearConditions()
        this.noteReturned(this.openCycle('leaving'))
        return
      }
      case Status.POWER_UP:
      case Status.POWER_UP_BILL_IN_ACCEPTOR:
      case Status.POWER_UP_BILL_IN_STACKER:
        this.onPowerUp(code)
        return
      case Status.STACKER_FULL:
        this.setStackerFull(true)
        return
      case Status.STACKER_OPEN:
        this.setCashboxOut(true)
        return
      case Status.JAM_IN_ACCEPTOR:
        this.setJam({ safe: false })
        return
      case Status.JAM_IN_STACKER:
        this.setJam({ safe: true })
        return
      case Status.CHEATED:
        if (previous !== Status.CHEATED) this.emit({ type: 'fraudAttempt' })
        return
      case Status.FAILURE: {
        const detail = f.data[0] ?? 0
        this.setFailure(
          `ID003_FAILURE_${hex(detail)}${FailureCode[detail] ? ` (${FailureCode[detail]})` : ''}`,
        )
        return
      }
      case Status.COMMUNICATION_ERROR:
      case Status.INVALID_COMMAND:
        this.opts.log?.warn({ status: hex(code) }, 'acceptor reported a communication problem')
        return
      default:
        return
    }
  }

  /**
   * §2.1: credit at VEND VALID, de-duplicated on the transition — it repeats until ACK. Only a
   * bill this host sent to the stacker is credited; a repeat is re-ACKed, never re-credited.
   */
  private async onVendValid(fresh: boolean): Promise<void> {
    const c = this.cycle
    if (c?.credited) {
      await this.send(frame(Cmd.ACK))
      return
    }
    if (c?.stackSent && c.valueFen !== undefined) {
      await this.credit(c)
      await this.send(frame(Cmd.ACK))
      return
    }
    if (fresh) {
      // a bill stacked before this host started: VEND VALID carries no denomination, so it cannot be
      // credited; ACK so the unit finishes, and record it for reconciliation (§7.7)
      this.suspect('stacker', c?.valueFen)
      const orphan = this.openCycle('leaving')
      orphan.outcomeReported = true
      await this.send(frame(Cmd.ACK))
      return
    }
    // a stale or repeated VEND VALID for no bill of ours: acknowledging it is harmless, crediting is not
    this.opts.log?.warn(
      { cycle: c?.phase },
      'VEND VALID without a stacked bill; acknowledged, not credited',
    )
    await this.send(frame(Cmd.ACK))
  }

  /**
   * §2.1 safety rules: 0x42 = a bill in the stacker that may never have been credited → suspect
   * (unless this host already credited it and only the ACK was lost); 0x41 = a bill in the head,
   * returned after RESET. The unit must be RESET either way.
   */
  private onPowerUp(code: number): void {
    const c = this.cycle
    // once per power-up, however often the status is read before the RESET takes
    if (!this.powerUpReported) {
      if (code === Status.POWER_UP_BILL_IN_STACKER && !c?.credited)
        this.suspect('stacker', c?.valueFen)
      if (code === Status.POWER_UP_BILL_IN_ACCEPTOR) this.suspect('acceptor', c?.valueFen)
    }
    this.powerUpReported = true
    this.dropCycle()
    this.forgetMode()
    this.needsReset = true
  }
}
