import type { Transport } from '../transport/transport.ts'
import {
  CNY_NOTES_FEN,
  defaultFaults,
  defaultTimings,
  realTimers,
  type BillAcceptorProtocol,
  type BillAcceptorSimulator,
  type BillAcceptorSimulatorOptions,
  type CassetteContents,
  type SimulatorEvent,
  type SimulatorFaults,
  type SimulatorSnapshot,
  type SimulatorTimings,
  type Timers,
} from './bill-acceptor.ts'
import type { DecodeResult } from './driver-core.ts'
import { concatBytes, Listeners, seededRandom } from './support.ts'
import { readCassetteFile, writeCassetteFile } from './cassette-file.ts'

const INTER_BYTE_RESET_MS = 100

/**
 * The device side both protocol simulators share (kiosk-hardware.md §7.8): it owns the transport's
 * device end, the cassette (physical: it survives power cuts), the scripted faults on replies and
 * the one timer that moves a note along.
 */
export abstract class SimulatorCore<F> implements BillAcceptorSimulator {
  abstract readonly protocol: BillAcceptorProtocol
  protected readonly timings: SimulatorTimings
  protected readonly timers: Timers
  protected readonly notesFen: readonly number[]
  protected readonly currency: string
  protected readonly capacity: number
  protected powered = true
  protected jammed: 'safe' | 'unsafe' | undefined
  protected cashboxOut = false
  protected stackerFullFlag = false

  private faultState: SimulatorFaults
  private rng: () => number
  private readonly counts = new Map<number, number>()
  private rx: Uint8Array = new Uint8Array(0)
  private readonly events = new Listeners<SimulatorEvent>()
  private unsubscribe: (() => void)[] = []
  private stateTimer: unknown
  /** Bumped on power cut so replies scheduled before it are never sent after it. */
  private epoch = 0
  private lastRxAt = 0
  private readonly cassetteFile: string | undefined
  /** The note past the point of no return, as last written to the cassette file. */
  private pendingNote: { valueFen: number; inBox: boolean } | null = null
  private restored = false

  constructor(
    protected readonly transport: Transport,
    options: BillAcceptorSimulatorOptions = {},
  ) {
    this.timings = { ...defaultTimings, ...options.timings }
    this.timers = options.timers ?? realTimers
    this.notesFen = options.denominationsFen ?? CNY_NOTES_FEN
    this.currency = options.currency ?? 'CNY'
    this.capacity = options.capacity ?? 1000
    this.faultState = { ...defaultFaults, ...options.faults }
    this.rng = seededRandom(this.faultState.seed)
    this.cassetteFile = options.cassetteFile
  }

  protected abstract decodeFrame(buf: Uint8Array): DecodeResult<F>
  /** Handle one well-formed command from the host. */
  protected abstract onCommand(frame: F): void
  protected abstract onPowerCut(): void
  protected abstract onPowerOn(): void
  /** The jam / cashbox condition ended: re-arm the note's timer where it stopped. */
  protected abstract resume(): void
  protected abstract describe(): string
  protected abstract escrowValue(): number | undefined
  protected abstract acceptanceEnabled(): boolean
  abstract insertNote(valueFen: number): boolean
  abstract insertFake(): boolean
  abstract fraudAttempt(valueFen?: number): void
  /**
   * Put `note` back where a restart found it — on its way into the box (`inBox` false) or in it with
   * the credit event unacknowledged — so that the power cut that follows reports it the protocol's way.
   */
  protected abstract restoreMidStack(note: { valueFen: number; inBox: boolean }): void

  async start(): Promise<void> {
    if (this.unsubscribe.length > 0) return
    this.restoreCassette()
    this.unsubscribe = [this.transport.on('data', (chunk) => this.onData(chunk))]
    if (!this.transport.isOpen) await this.transport.open()
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off()
    this.unsubscribe = []
    this.clearTimer()
    this.epoch++
    await this.transport.close()
  }

  // --- the physical machine -------------------------------------------------------------------

  jam(safe: boolean): void {
    this.jammed = safe ? 'safe' : 'unsafe'
    this.clearTimer()
    this.changed()
  }

  clearJam(): void {
    if (!this.jammed) return
    this.jammed = undefined
    if (!this.cashboxOut) this.resume()
    this.changed()
  }

  removeCashbox(): void {
    this.cashboxOut = true
    this.clearTimer()
    this.changed()
  }

  replaceCashbox(): void {
    if (!this.cashboxOut) return
    this.cashboxOut = false
    if (!this.jammed) this.resume()
    this.changed()
  }

  setStackerFull(full: boolean): void {
    this.stackerFullFlag = full
    this.changed()
  }

  powerCut(): void {
    if (!this.powered) return
    this.clearTimer()
    this.epoch++
    this.rx = new Uint8Array(0)
    this.onPowerCut()
    this.powered = false
    this.changed()
  }

  powerOn(): void {
    if (this.powered) return
    this.powered = true
    this.onPowerOn()
    this.changed()
  }

  cassette(): CassetteContents {
    const countsByValueFen: Record<number, number> = {}
    let totalFen = 0
    for (const [value, n] of [...this.counts].sort((a, b) => a[0] - b[0])) {
      countsByValueFen[value] = n
      totalFen += value * n
    }
    return { countsByValueFen, totalFen }
  }

  emptyCassette(): void {
    this.counts.clear()
    this.saveCassette()
    this.changed()
  }

  setFaults(faults: Partial<SimulatorFaults>): void {
    const reseed = faults.seed !== undefined && faults.seed !== this.faultState.seed
    this.faultState = { ...this.faultState, ...faults }
    if (reseed) this.rng = seededRandom(this.faultState.seed)
  }

  get faults(): Readonly<SimulatorFaults> {
    return this.faultState
  }

  snapshot(): SimulatorSnapshot {
    return {
      powered: this.powered,
      state: this.describe(),
      enabled: this.acceptanceEnabled(),
      escrowValueFen: this.escrowValue(),
      jammed: this.jammed,
      cashboxRemoved: this.cashboxOut,
      stackerFull: this.isStackerFull(),
    }
  }

  onEvent(listener: (event: SimulatorEvent) => void): () => void {
    return this.events.add(listener)
  }

  // --- for subclasses -------------------------------------------------------------------------

  protected isStackerFull(): boolean {
    let notes = 0
    for (const n of this.counts.values()) notes += n
    return this.stackerFullFlag || notes >= this.capacity
  }

  protected addToCassette(valueFen: number): void {
    this.counts.set(valueFen, (this.counts.get(valueFen) ?? 0) + 1)
    // in the box before the credit event goes out: the file never shows less cash than the host credited
    if (this.pendingNote?.valueFen === valueFen && !this.pendingNote.inBox) this.pendingNote = { valueFen, inBox: true }
    this.saveCassette()
    this.emitEvent({ type: 'stacked', valueFen })
  }

  /** A note passed the point of no return (it will end in the box even if the power goes now). */
  protected noteCommitted(valueFen: number): void {
    this.pendingNote = { valueFen, inBox: false }
    this.saveCassette()
  }

  /** The host acknowledged the credit event (or the note left otherwise): nothing is mid-stack. */
  protected noteSettled(): void {
    if (this.pendingNote === null) return
    this.pendingNote = null
    this.saveCassette()
  }

  private saveCassette(): void {
    if (this.cassetteFile === undefined) return
    const countsByValueFen: Record<string, number> = {}
    for (const [v, n] of this.counts) countsByValueFen[String(v)] = n
    writeCassetteFile(this.cassetteFile, { countsByValueFen, pending: this.pendingNote })
  }

  /** Once per simulator: the box from the file, and a note mid-stack reported as after a power cut. */
  private restoreCassette(): void {
    if (this.cassetteFile === undefined || this.restored) return
    this.restored = true
    const saved = readCassetteFile(this.cassetteFile)
    if (!saved) return
    this.counts.clear()
    for (const [v, n] of Object.entries(saved.countsByValueFen)) this.counts.set(Number(v), n)
    if (saved.pending) {
      this.pendingNote = saved.pending
      this.restoreMidStack(saved.pending)
      this.powerCut()
      this.powerOn()
    }
  }

  protected emitEvent(event: SimulatorEvent): void {
    this.events.emit(event)
  }

  protected changed(): void {
    this.emitEvent({ type: 'state', state: this.describe() })
  }

  protected random(): number {
    return this.rng()
  }

  /** The single timer that moves the note along; a new state replaces the old timer. */
  protected setTimer(ms: number, fn: () => void): void {
    this.clearTimer()
    const epoch = this.epoch
    this.stateTimer = this.timers.setTimeout(() => {
      this.stateTimer = undefined
      if (epoch !== this.epoch || !this.powered) return
      fn()
      this.changed()
    }, ms)
  }

  protected clearTimer(): void {
    if (this.stateTimer !== undefined) this.timers.clearTimeout(this.stateTimer)
    this.stateTimer = undefined
  }

  /** Send a reply through the scripted faults (drop, corrupt, delay). */
  protected reply(bytes: Uint8Array): void {
    const f = this.faultState
    const dropped = f.dropProbability > 0 && this.rng() < f.dropProbability
    let out = bytes
    let corrupted = false
    if (!dropped && f.corruptProbability > 0 && this.rng() < f.corruptProbability) {
      out = Uint8Array.from(bytes)
      const at = Math.floor(this.rng() * out.length)
      out[at] = (out[at] ?? 0) ^ (1 << Math.floor(this.rng() * 8))
      corrupted = true
    }
    this.emitEvent({ type: 'tx', frame: out, dropped, corrupted })
    if (dropped) return
    const epoch = this.epoch
    const send = (): void => {
      if (epoch !== this.epoch || !this.powered || !this.transport.isOpen) return
      this.transport.write(out).catch(() => undefined)
    }
    if (f.responseDelayMs > 0) this.timers.setTimeout(send, f.responseDelayMs)
    else send()
  }

  private onData(chunk: Uint8Array): void {
    if (!this.powered) return
    try {
      // a UART receiver drops a half frame after an inter-character gap
      const now = Date.now()
      if (now - this.lastRxAt > INTER_BYTE_RESET_MS) this.rx = new Uint8Array(0)
      this.lastRxAt = now
      this.rx = concatBytes(this.rx, chunk)
      if (this.rx.length > 4096) this.rx = this.rx.slice(this.rx.length - 4096)
      for (;;) {
        const r = this.decodeFrame(this.rx)
        this.rx = r.rest
        if (r.kind === 'incomplete') break
        if (r.kind === 'badChecksum') continue
        this.emitEvent({ type: 'rx', frame: this.rawOf(r.frame) })
        this.onCommand(r.frame)
        if (!this.powered) break
      }
    } catch {
      this.rx = new Uint8Array(0)
    }
  }

  /** For the 'rx' event: the command as bytes (subclasses re-encode). */
  protected abstract rawOf(frame: F): Uint8Array
}
