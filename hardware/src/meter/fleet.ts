/**
 * A fleet of simulated meters in one process. Nothing here is O(meters) per message or per tick:
 * a message finds its meter through its connection's closure, and the scheduler takes only the
 * meters whose reading is due from a due-time wheel; consumption is advanced lazily, when a meter
 * is touched (token, command, keypad, status page) or its reading is due. Each meter's state is a
 * row in SQLite, group-committed; an ack or event leaves only once the state behind it is durable.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { pino, type Logger } from 'pino'
import {
  MeterCommand,
  TokenDelivery,
  systemClock,
  type Clock,
  type MeterEvent,
  type TokenAck,
} from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import type { InboundLeaf, MeterConnection, MeterConnector } from './connection.ts'
import { seedFrom } from './consumption.ts'
import { DueWheel } from './due-wheel.ts'
import { parseFleetState, parseMeterSnapshot } from './fleet-state.ts'
import { MeterStore, readLegacyJson, resolveStatePaths } from './meter-store.ts'
import type { MeterProgramming } from './programming.ts'
import {
  SimulatedMeter,
  type KeypadResult,
  type SimulatedMeterSnapshot,
  type SupplyPolicy,
} from './simulated-meter.ts'
import type { DecoderFactory } from './token-decoder.ts'

/**
 * Real ms between scheduler ticks. Short, so the readings due in a second leave in ten small
 * groups rather than one burst of ~170 (10 000 meters, one a minute): a burst holds up every token
 * that arrives behind it, here and at the central that stores them.
 */
export const DEFAULT_TICK_MS = 100

const DeliveryCheck = TypeCompiler.Compile(TokenDelivery)
const CommandCheck = TypeCompiler.Compile(MeterCommand)

export interface MeterFleetOptions {
  programming: readonly MeterProgramming[]
  connector: MeterConnector
  decoderFactory: DecoderFactory
  clock?: Clock
  /** Simulated time runs this many times faster than the clock (demos: 60). */
  clockFactor?: number
  /** Simulated ms between two readings of one meter. */
  readingIntervalMs?: number
  /** Real ms between scheduler ticks once start() runs (DEFAULT_TICK_MS). */
  tickMs?: number
  /**
   * The state store (SQLite). A `.db` path is used as is; a `….json` path (the old state file)
   * puts the store at `….db` beside it and imports the JSON once. Without it nothing survives a
   * restart.
   */
  statePath?: string
  /** Urgent-change window of the group commit (ms). */
  groupCommitMs?: number
  utcOffsetMinutes?: number
  supplyPolicy?: SupplyPolicy
  /** Public holidays (local YYYY-MM-DD) for friendly hours. */
  holidays?: readonly string[]
  log?: Logger
  /** Called when a delivery's acks are handed to the link (bench latency probe). */
  onAcksSent?: (e: {
    meterNo: string
    delivery: TokenDelivery
    acks: TokenAck[]
    at: number
  }) => void
}

export interface FleetStats {
  deliveries: number
  duplicateDeliveries: number
  tokensAccepted: number
  tokensRejected: number
  badPayloads: number
  readingsPublished: number
  publishFailures: number
  commands: number
  duplicateCommands: number
  eventsPublished: number
  /** Times a meter's consumption was advanced (the scheduler's cost, for tests and metrics). */
  meterAdvances: number
}

interface Slot {
  meter: SimulatedMeter
  programming: MeterProgramming
  connection: MeterConnection | undefined
  wantOnline: boolean
  /** Counted in onlineCount. */
  counted: boolean
  waiters: Array<() => void>
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
    commands: 0,
    duplicateCommands: 0,
    eventsPublished: 0,
    meterAdvances: 0,
  }
  private readonly slots = new Map<string, Slot>()
  private readonly clock: Clock
  private readonly time: AcceleratedTime
  private readonly readingIntervalMs: number
  private readonly tickMs: number
  private readonly connector: MeterConnector
  private readonly log: Logger
  private readonly wheel: DueWheel<Slot>
  private store: MeterStore | undefined
  private onlineCount = 0
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  private constructor(private readonly opts: MeterFleetOptions) {
    this.clock = opts.clock ?? systemClock
    this.time = new AcceleratedTime(opts.clockFactor ?? 1, this.clock.now())
    this.readingIntervalMs = opts.readingIntervalMs ?? 60_000
    if (!(this.readingIntervalMs >= 1_000))
      throw new RangeError('reading interval must be at least 1000 ms')
    this.tickMs = opts.tickMs ?? DEFAULT_TICK_MS
    this.connector = opts.connector
    this.log = opts.log ?? pino({ level: 'silent' })
    // ~64 buckets per interval: a tick takes one or a few buckets, each a slice of the fleet.
    this.wheel = new DueWheel(Math.max(1_000, Math.floor(this.readingIntervalMs / 64)))
  }

  /** Builds the meters, restoring each from the store when it has a row. Does not connect. */
  static create(opts: MeterFleetOptions): Promise<MeterFleet> {
    // Building is synchronous now (SQLite); the promise keeps the old interface.
    return new Promise((resolve) => resolve(MeterFleet.build(opts)))
  }

  private static build(opts: MeterFleetOptions): MeterFleet {
    const fleet = new MeterFleet(opts)
    const saved: Map<string, unknown> =
      opts.statePath !== undefined ? fleet.openStore(opts.statePath) : new Map<string, unknown>()
    const now = fleet.clock.now()
    const wallClock = () => fleet.clock.now()
    const holidays = opts.holidays ? new Set(opts.holidays) : undefined
    let restored = 0
    for (const p of opts.programming) {
      const raw = saved.get(p.meterNo)
      const snap: SimulatedMeterSnapshot | undefined =
        raw === undefined ? undefined : parseMeterSnapshot(raw, p.meterNo, opts.statePath ?? '')
      const meter = new SimulatedMeter({
        meterNo: p.meterNo,
        profile: p.profile,
        decoder: opts.decoderFactory(p, wallClock, snap?.sts),
        clock: fleet.clock,
        time: fleet.time,
        ...(opts.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: opts.utcOffsetMinutes } : {}),
        ...(opts.supplyPolicy !== undefined ? { supplyPolicy: opts.supplyPolicy } : {}),
        ...(holidays !== undefined ? { holidays } : {}),
      })
      if (snap) {
        meter.restore(snap)
        restored++
      }
      meter.tick(now)
      // A restart is not news: whatever the baseline says was already true before it.
      meter.takeEvents()
      const slot: Slot = {
        meter,
        programming: p,
        connection: undefined,
        wantOnline: false,
        counted: false,
        waiters: [],
      }
      fleet.slots.set(p.meterNo, slot)
      // A new meter gets its row soon (lazily), so the store always lists the whole fleet.
      if (!snap) void fleet.store?.markDirty(p.meterNo, () => meter.snapshot(), false)
      fleet.wheel.schedule(slot, fleet.firstReadingAt(p.meterNo, fleet.time.sim(now)))
    }
    // Rows of meters no longer in the manifest stay in the store untouched: their TID memory is
    // back if they return.
    fleet.log.info({ meters: fleet.slots.size, restored, stored: saved.size }, 'meter fleet built')
    return fleet
  }

  get size(): number {
    return this.slots.size
  }

  get online(): number {
    return this.onlineCount
  }

  /** Commit statistics of the state store (undefined without one). */
  get storeStats(): MeterStore['stats'] | undefined {
    return this.store?.stats
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

  /** Connects every meter (the connector paces it) and starts the scheduler. */
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
    this.uncount(slot)
    for (const w of slot.waiters.splice(0)) w()
    if (conn) await conn.close()
    this.log.info({ meterNo }, 'meter taken offline')
  }

  /** One scheduler step: only the meters whose reading is due are advanced and read. */
  tick(): void {
    const now = this.clock.now()
    const sim = this.time.sim(now)
    for (const { due, item: slot } of this.wheel.takeDue(sim)) {
      try {
        this.advance(slot, now)
        this.publishReading(slot, now)
      } catch (err) {
        // One broken meter (a faulty supply policy, say) must not stop the other 9 999.
        this.log.error({ meterNo: slot.meter.meterNo, err }, 'meter tick failed')
      }
      // Far behind (a long pause): skip the missed readings but keep the meter's phase.
      const missed = Math.floor((sim - due) / this.readingIntervalMs) + 1
      this.wheel.schedule(slot, due + missed * this.readingIntervalMs)
    }
  }

  /** Brings one meter's registers up to now (the status page asks before showing a meter). */
  touch(meterNo: string): SimulatedMeter | undefined {
    const slot = this.slots.get(meterNo)
    if (!slot) return undefined
    this.advance(slot, this.clock.now())
    return slot.meter
  }

  /** A resident keys a token into the meter. */
  keypadEntry(meterNo: string, token: string): KeypadResult | undefined {
    const slot = this.slots.get(meterNo)
    if (!slot) return undefined
    this.stats.meterAdvances++
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
    this.afterChange(slot, true, [])
    return r
  }

  /** The tamper sensor of one meter fires (status page, tests). */
  setTamper(meterNo: string, tamper: boolean): void {
    const slot = this.slots.get(meterNo)
    if (!slot) return
    slot.meter.setTamper(tamper)
    this.afterChange(slot, true, [])
  }

  /** Commits every pending change now (tests, shutdown). */
  flush(): Promise<void> {
    this.store?.flush()
    return Promise.resolve()
  }

  /** Graceful stop: offline statuses published, clients ended, state committed. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    const now = this.clock.now()
    const closing: Promise<void>[] = []
    for (const slot of this.slots.values()) {
      // Once, at shutdown: every meter's registers as of now go into the store.
      this.advance(slot, now)
      slot.wantOnline = false
      for (const w of slot.waiters.splice(0)) w()
      if (slot.connection) closing.push(slot.connection.close())
      slot.connection = undefined
      this.uncount(slot)
    }
    const results = await Promise.allSettled(closing)
    const failed = results.filter((r) => r.status === 'rejected').length
    if (failed > 0) this.log.warn({ failed }, 'some meter links did not close cleanly')
    try {
      this.store?.close()
    } catch (err) {
      this.log.error({ err }, 'meter store did not close cleanly')
    }
    this.log.info({ meters: this.slots.size }, 'meter fleet stopped')
  }

  private openStore(statePath: string): Map<string, unknown> {
    const { dbPath, legacyJson } = resolveStatePaths(statePath)
    const store = MeterStore.open({
      path: dbPath,
      now: () => this.clock.now(),
      ...(this.opts.groupCommitMs !== undefined ? { groupCommitMs: this.opts.groupCommitMs } : {}),
      onError: (err) => this.log.error({ err }, 'meter state commit failed'),
    })
    try {
      if (legacyJson !== undefined) {
        const json = readLegacyJson(legacyJson)
        if (json !== undefined) {
          const meters = parseFleetState(json, legacyJson)
          if (store.importLegacy(legacyJson, meters))
            this.log.info(
              { from: legacyJson, to: dbPath, meters: Object.keys(meters).length },
              'old JSON fleet state imported into the meter store',
            )
        }
      }
      const saved = store.loadAll()
      this.store = store
      return saved
    } catch (err) {
      store.close()
      throw err
    }
  }

  /** Advances consumption to `now` and deals with what came of it (events, a lazy save). */
  private advance(slot: Slot, now: number): void {
    this.stats.meterAdvances++
    const revision = slot.meter.changeCount
    slot.meter.tick(now)
    if (slot.meter.changeCount !== revision) this.afterChange(slot, false, [])
  }

  /**
   * Saves the meter (urgently when something will be published or `urgent`), then publishes the
   * acks and events — never before the state that produced them is durable.
   */
  private afterChange(
    slot: Slot,
    urgent: boolean,
    answers: ReadonlyArray<{ leaf: 'acks' | 'events'; payload: TokenAck | MeterEvent }>,
    sent?: () => void,
  ): void {
    const events = slot.meter.takeEvents()
    const out = [...answers, ...events.map((e) => ({ leaf: 'events' as const, payload: e }))]
    for (const e of events)
      this.log.info({ meterNo: e.meterNo, event: e.event, reason: e.reason }, `meter ${e.event}`)
    const meterNo = slot.meter.meterNo
    const saved = this.store
      ? this.store.markDirty(meterNo, () => slot.meter.snapshot(), urgent || out.length > 0)
      : Promise.resolve()
    if (out.length === 0) return
    saved.then(
      () => {
        const conn = slot.connection
        if (!conn) return
        for (const m of out) {
          if (m.leaf === 'events') this.stats.eventsPublished++
          conn.publish(m.leaf, m.payload, 1).catch((err: unknown) => {
            this.stats.publishFailures++
            this.log.warn({ meterNo, leaf: m.leaf, err: (err as Error).message }, 'publish failed')
          })
        }
        sent?.()
      },
      (err: unknown) => {
        // Without an answer the central retries; the meter, having kept the delivery in memory,
        // answers again once a commit succeeds.
        this.log.error({ meterNo, err }, 'state not saved; answers withheld so the central retries')
      },
    )
  }

  private connect(meterNo: string): void {
    const slot = this.slots.get(meterNo)
    if (!slot || slot.connection || this.stopped) return
    slot.wantOnline = true
    slot.connection = this.connector.connect(meterNo, {
      onMessage: (leaf, payload) => this.onMessage(slot, leaf, payload),
      onOnline: () => {
        if (!slot.counted) {
          slot.counted = true
          this.onlineCount++
        }
        for (const w of slot.waiters.splice(0)) w()
        // Tell the central where the meter stands after a gap.
        this.advance(slot, this.clock.now())
        this.publishReading(slot, this.clock.now())
      },
      onOffline: () => {
        this.uncount(slot)
        this.log.warn({ meterNo }, 'meter link lost; reconnecting')
      },
    })
  }

  private uncount(slot: Slot): void {
    if (!slot.counted) return
    slot.counted = false
    this.onlineCount--
  }

  private parse(slot: Slot, leaf: InboundLeaf, payload: Buffer): unknown {
    try {
      return JSON.parse(payload.toString('utf8')) as unknown
    } catch {
      this.stats.badPayloads++
      this.log.warn(
        { meterNo: slot.meter.meterNo, leaf, bytes: payload.length },
        'not JSON; ignored',
      )
      return undefined
    }
  }

  private onMessage(slot: Slot, leaf: InboundLeaf, payload: Buffer): void {
    const json = this.parse(slot, leaf, payload)
    if (json === undefined) return
    const check = leaf === 'tokens' ? DeliveryCheck : CommandCheck
    if (!check.Check(json)) {
      this.stats.badPayloads++
      const first = check.Errors(json).First()
      this.log.warn(
        { meterNo: slot.meter.meterNo, leaf, path: first?.path, problem: first?.message },
        'message does not match its schema; ignored',
      )
      return
    }
    if (leaf === 'tokens') this.onDelivery(slot, json as TokenDelivery)
    else this.onCommand(slot, json as MeterCommand)
  }

  private onDelivery(slot: Slot, delivery: TokenDelivery): void {
    const meterNo = slot.meter.meterNo
    const duplicate = slot.meter.knowsDelivery(delivery.deliveryId)
    this.stats.meterAdvances++
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
    // The acks leave only once the store holds the entry: the central never hears "accepted" for
    // a token a crash would make the meter forget (without an ack it retries, and the meter,
    // having forgotten, enters the token afresh).
    const onSent = this.opts.onAcksSent
    this.afterChange(
      slot,
      true,
      acks.map((a) => ({ leaf: 'acks' as const, payload: a })),
      onSent && !duplicate
        ? () => onSent({ meterNo, delivery, acks, at: this.clock.now() })
        : undefined,
    )
  }

  private onCommand(slot: Slot, cmd: MeterCommand): void {
    this.stats.commands++
    this.stats.meterAdvances++
    const outcome = slot.meter.command(cmd)
    if (outcome.duplicate) this.stats.duplicateCommands++
    this.log.info(
      {
        meterNo: slot.meter.meterNo,
        commandId: cmd.commandId,
        command: cmd.command,
        answer: outcome.answer.event,
        reason: outcome.answer.reason,
        duplicate: outcome.duplicate,
      },
      'meter command',
    )
    if (outcome.readNow) this.publishReading(slot, this.clock.now())
    this.afterChange(slot, true, [{ leaf: 'events', payload: outcome.answer }])
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
}
