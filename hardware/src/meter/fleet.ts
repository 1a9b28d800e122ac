/**
 * A fleet of simulated meters in one process. One scheduler tick drives every meter (no per-meter
 * timers, so 10 000 meters cost one timer); each meter talks to the broker through a
 * MeterConnector; all meters' state lives in one atomically written JSON file.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { pino, type Logger } from 'pino'
import { TokenDelivery, systemClock, type Clock } from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import type { InboundLeaf, MeterConnection, MeterConnector } from './connection.ts'
import { seedFrom } from './consumption.ts'
import { parseFleetState, type FleetState } from './fleet-state.ts'
import type { MeterProgramming } from './programming.ts'
import {
  SimulatedMeter,
  type KeypadResult,
  type SimulatedMeterSnapshot,
  type SupplyPolicy,
} from './simulated-meter.ts'
import { StateFile } from './state-file.ts'
import type { DecoderFactory } from './token-decoder.ts'

const DeliveryCheck = TypeCompiler.Compile(TokenDelivery)

export interface MeterFleetOptions {
  programming: readonly MeterProgramming[]
  connector: MeterConnector
  decoderFactory: DecoderFactory
  clock?: Clock
  /** Simulated time runs this many times faster than the clock (demos: 60). */
  clockFactor?: number
  /** Simulated ms between two readings of one meter. */
  readingIntervalMs?: number
  /** Real ms between scheduler ticks once start() runs. */
  tickMs?: number
  /** Where the fleet's state lives; without it nothing survives a restart. */
  statePath?: string
  utcOffsetMinutes?: number
  supplyPolicy?: SupplyPolicy
  log?: Logger
}

export interface FleetStats {
  deliveries: number
  duplicateDeliveries: number
  tokensAccepted: number
  tokensRejected: number
  badPayloads: number
  readingsPublished: number
  publishFailures: number
}

interface Slot {
  meter: SimulatedMeter
  programming: MeterProgramming
  connection: MeterConnection | undefined
  wantOnline: boolean
  /** Simulated time at which the next reading is due. */
  nextReadingSim: number
  waiters: Array<() => void>
  saved: { revision: number; snapshot: SimulatedMeterSnapshot } | undefined
}

export class MeterFleet {
  readonly stats: FleetStats = {
    deliveries: 0,
    duplicateDeliveries: 0,
    tokensAccepted: 0,
    tokensRejected: 0,
    badPayloads: 0,
    readingsPublished: 0,
    publishFailures: 0,
  }
  private readonly slots = new Map<string, Slot>()
  private readonly clock: Clock
  private readonly time: AcceleratedTime
  private readonly readingIntervalMs: number
  private readonly tickMs: number
  private readonly connector: MeterConnector
  private readonly log: Logger
  private readonly stateFile: StateFile<FleetState> | undefined
  /** Saved meters no longer in the manifest: kept, so their TID memory is back if they return. */
  private orphans: Record<string, SimulatedMeterSnapshot> = {}
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  private constructor(opts: MeterFleetOptions) {
    this.clock = opts.clock ?? systemClock
    this.time = new AcceleratedTime(opts.clockFactor ?? 1, this.clock.now())
    this.readingIntervalMs = opts.readingIntervalMs ?? 60_000
    if (!(this.readingIntervalMs >= 1_000))
      throw new RangeError('reading interval must be at least 1000 ms')
    this.tickMs = opts.tickMs ?? 1_000
    this.connector = opts.connector
    this.log = opts.log ?? pino({ level: 'silent' })
    this.stateFile =
      opts.statePath !== undefined
        ? new StateFile<FleetState>({
            path: opts.statePath,
            onError: (err) => this.log.error({ err }, 'fleet state write failed'),
          })
        : undefined
  }

  /** Builds the meters, restoring each from the state file when it has one. Does not connect. */
  static async create(opts: MeterFleetOptions): Promise<MeterFleet> {
    const fleet = new MeterFleet(opts)
    const saved = fleet.stateFile ? await fleet.stateFile.read() : undefined
    const snapshots = saved === undefined ? {} : parseFleetState(saved, opts.statePath ?? '')
    const now = fleet.clock.now()
    const wallClock = () => fleet.clock.now()
    for (const p of opts.programming) {
      const snap = snapshots[p.meterNo]
      const meter = new SimulatedMeter({
        meterNo: p.meterNo,
        profile: p.profile,
        decoder: opts.decoderFactory(p, wallClock, snap?.sts),
        clock: fleet.clock,
        time: fleet.time,
        ...(opts.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: opts.utcOffsetMinutes } : {}),
        ...(opts.supplyPolicy !== undefined ? { supplyPolicy: opts.supplyPolicy } : {}),
      })
      if (snap) meter.restore(snap)
      meter.tick(now)
      fleet.slots.set(p.meterNo, {
        meter,
        programming: p,
        connection: undefined,
        wantOnline: false,
        nextReadingSim: fleet.firstReadingAt(p.meterNo, fleet.time.sim(now)),
        waiters: [],
        saved: undefined,
      })
    }
    for (const [meterNo, snap] of Object.entries(snapshots)) {
      if (!fleet.slots.has(meterNo)) fleet.orphans[meterNo] = snap
    }
    fleet.log.info(
      { meters: fleet.slots.size, restored: Object.keys(snapshots).length },
      'meter fleet built',
    )
    return fleet
  }

  get size(): number {
    return this.slots.size
  }

  meter(meterNo: string): SimulatedMeter | undefined {
    return this.slots.get(meterNo)?.meter
  }

  meterNos(): string[] {
    return [...this.slots.keys()]
  }

  programming(meterNo: string): MeterProgramming | undefined {
    return this.slots.get(meterNo)?.programming
  }

  /** Connected to the broker right now (not merely wanted online). */
  isOnline(meterNo: string): boolean {
    return this.slots.get(meterNo)?.connection?.connected ?? false
  }

  /** Connects every meter and starts the scheduler. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return
    for (const meterNo of this.slots.keys()) this.connect(meterNo)
    this.timer = setInterval(() => this.tick(), this.tickMs)
  }

  /** Resolves when every meter that should be online is connected. */
  async whenOnline(meterNos: readonly string[] = this.meterNos()): Promise<void> {
    await Promise.all(
      meterNos.map((n) => {
        const slot = this.slots.get(n)
        if (!slot || !slot.wantOnline || slot.connection?.connected) return Promise.resolve()
        return new Promise<void>((resolve) => slot.waiters.push(resolve))
      }),
    )
  }

  /**
   * Takes one meter off the network (a modem losing signal, a power cut) or brings it back. Back
   * online, the broker delivers the tokens queued for its persistent session. Resolves once the
   * meter is offline, or once it is connected again.
   */
  async setOnline(meterNo: string, online: boolean): Promise<void> {
    const slot = this.slots.get(meterNo)
    if (!slot) throw new Error(`unknown meter ${meterNo}`)
    if (online) {
      this.connect(meterNo)
      await this.whenOnline([meterNo])
      return
    }
    slot.wantOnline = false
    const conn = slot.connection
    slot.connection = undefined
    for (const w of slot.waiters.splice(0)) w()
    if (conn) await conn.close()
    this.log.info({ meterNo }, 'meter taken offline')
  }

  /** One scheduler step for the whole fleet: consumption, then the readings that are due. */
  tick(): void {
    const now = this.clock.now()
    const sim = this.time.sim(now)
    let moved = false
    for (const [meterNo, slot] of this.slots) {
      try {
        const relayBefore = slot.meter.relay
        const revision = slot.meter.changeCount
        slot.meter.tick(now)
        if (slot.meter.changeCount !== revision) moved = true
        const relay = slot.meter.relay
        if (relay !== relayBefore)
          this.log.info({ meterNo, relay, creditWh: slot.meter.creditWh }, `relay ${relay}`)
        if (sim >= slot.nextReadingSim) {
          // Far behind (a long pause): skip the missed readings but keep the meter's phase.
          const behind = sim - slot.nextReadingSim
          slot.nextReadingSim +=
            (Math.floor(behind / this.readingIntervalMs) + 1) * this.readingIntervalMs
          this.publishReading(slot, now)
        }
      } catch (err) {
        // One broken meter (a faulty supply policy, say) must not stop the other 9 999.
        this.log.error({ meterNo, err }, 'meter tick failed')
      }
    }
    if (moved) void this.persist(false)
  }

  /** A resident keys a token into the meter. */
  keypadEntry(meterNo: string, token: string): KeypadResult | undefined {
    const slot = this.slots.get(meterNo)
    if (!slot) return undefined
    const r = slot.meter.keypadEntry(token)
    if (r.result === 'accepted') this.stats.tokensAccepted++
    else this.stats.tokensRejected++
    this.log.info(
      {
        meterNo,
        source: 'keypad',
        result: r.result,
        reason: r.result === 'rejected' ? r.reason : undefined,
      },
      'token entered',
    )
    void this.persist(true)
    return r
  }

  /** Writes the state file now (tests, shutdown). */
  async flush(): Promise<void> {
    if (!this.stateFile) return
    void this.stateFile.touch(() => this.collectState(), true)
    await this.stateFile.flush()
  }

  /** Graceful stop: offline statuses published, clients ended, state written. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    this.tick()
    const closing: Promise<void>[] = []
    for (const slot of this.slots.values()) {
      slot.wantOnline = false
      for (const w of slot.waiters.splice(0)) w()
      if (slot.connection) closing.push(slot.connection.close())
      slot.connection = undefined
    }
    const results = await Promise.allSettled(closing)
    const failed = results.filter((r) => r.status === 'rejected').length
    if (failed > 0) this.log.warn({ failed }, 'some meter links did not close cleanly')
    await this.flush()
    this.log.info({ meters: this.slots.size }, 'meter fleet stopped')
  }

  private connect(meterNo: string): void {
    const slot = this.slots.get(meterNo)
    if (!slot || slot.connection || this.stopped) return
    slot.wantOnline = true
    slot.connection = this.connector.connect(meterNo, {
      onMessage: (leaf, payload) => this.onMessage(slot, leaf, payload),
      onOnline: () => {
        for (const w of slot.waiters.splice(0)) w()
        // Tell the central where the meter stands after a gap.
        this.publishReading(slot, this.clock.now())
      },
      onOffline: () => this.log.warn({ meterNo }, 'meter link lost; reconnecting'),
    })
  }

  private onMessage(slot: Slot, leaf: InboundLeaf, payload: Buffer): void {
    const meterNo = slot.meter.meterNo
    if (leaf === 'commands') {
      // No command schema in the meter link yet; refuse nothing, act on nothing.
      this.log.info(
        { meterNo, bytes: payload.length },
        'meter command ignored (no commands defined yet)',
      )
      return
    }
    let json: unknown
    try {
      json = JSON.parse(payload.toString('utf8'))
    } catch {
      this.stats.badPayloads++
      this.log.warn({ meterNo, bytes: payload.length }, 'token delivery is not JSON; ignored')
      return
    }
    if (!DeliveryCheck.Check(json)) {
      this.stats.badPayloads++
      const first = DeliveryCheck.Errors(json).First()
      this.log.warn(
        { meterNo, path: first?.path, problem: first?.message },
        'token delivery does not match the schema; ignored',
      )
      return
    }
    const delivery: TokenDelivery = json
    const duplicate = slot.meter.knowsDelivery(delivery.deliveryId)
    const acks = slot.meter.receiveDelivery(delivery)
    this.stats.deliveries++
    if (duplicate) this.stats.duplicateDeliveries++
    else {
      for (const a of acks) {
        if (a.result === 'accepted') this.stats.tokensAccepted++
        else this.stats.tokensRejected++
      }
    }
    this.log.info(
      {
        meterNo,
        deliveryId: delivery.deliveryId,
        duplicate,
        results: acks.map((a) =>
          a.result === 'accepted' ? 'accepted' : `rejected:${a.reason ?? 'OTHER'}`,
        ),
        creditWh: slot.meter.creditWh,
      },
      'token delivery entered',
    )
    // The acks leave only once the state file holds the entry: the central never hears "accepted"
    // for a token a crash would make the meter forget (without an ack it retries, and the meter,
    // having forgotten, enters the token afresh).
    this.persist(true).then(
      () => {
        const conn = slot.connection
        if (!conn) return
        for (const ack of acks) {
          conn.publish('acks', ack, 1).catch((err: unknown) => {
            this.stats.publishFailures++
            this.log.warn(
              { meterNo, deliveryId: ack.deliveryId, err: (err as Error).message },
              'ack publish failed',
            )
          })
        }
      },
      (err: unknown) => {
        this.log.error(
          { meterNo, deliveryId: delivery.deliveryId, err },
          'state not saved; acks withheld so the central retries',
        )
      },
    )
  }

  private publishReading(slot: Slot, now: number): void {
    const conn = slot.connection
    if (!conn?.connected) return
    const reading = slot.meter.reading(now)
    this.stats.readingsPublished++
    conn.publish('readings', reading, 1).catch((err: unknown) => {
      this.stats.publishFailures++
      this.log.debug(
        { meterNo: reading.meterNo, err: (err as Error).message },
        'reading publish failed',
      )
    })
  }

  /** Spreads first readings over one interval so 10 000 meters do not report in the same tick. */
  private firstReadingAt(meterNo: string, sim: number): number {
    const offset = seedFrom(meterNo) % this.readingIntervalMs
    const t = Math.floor(sim / this.readingIntervalMs) * this.readingIntervalMs + offset
    return t > sim ? t : t + this.readingIntervalMs
  }

  private persist(prompt: boolean): Promise<void> {
    return this.stateFile
      ? this.stateFile.touch(() => this.collectState(), prompt)
      : Promise.resolve()
  }

  private collectState(): FleetState {
    const meters: Record<string, SimulatedMeterSnapshot> = { ...this.orphans }
    for (const [meterNo, slot] of this.slots) {
      // Only meters that changed since the last write pay for a new snapshot.
      const revision = slot.meter.changeCount
      if (slot.saved?.revision !== revision)
        slot.saved = { revision, snapshot: slot.meter.snapshot() }
      meters[meterNo] = slot.saved.snapshot
    }
    return { v: 1, savedAt: this.clock.now(), meters }
  }
}
