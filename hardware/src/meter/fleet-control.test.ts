/**
 * The fleet without a broker (memory connector, manual clock): remote control, events, the
 * power limit, the reading scheduler's cost, and the state store's ack-after-durable rule.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ManualClock,
  type MeterCommand,
  type MeterEvent,
  type TokenDelivery,
} from '@gridtill/shared'
import { MINUTE_MS, demandW, seedFrom } from './consumption.ts'
import { FakeDecoder, fakeToken } from './fake-decoder.ts'
import { MeterFleet, type MeterFleetOptions } from './fleet.ts'
import { MemoryConnector } from './memory-connector.ts'
import type { MeterConnector } from './connection.ts'
import type { MeterProgramming } from './programming.ts'
import { testPan } from './test-broker.ts'

const T0 = Date.UTC(2026, 0, 5, 10) // Monday 18:00 in Shanghai
const HOUR = 3_600_000
const M = '58101000001'

const prog = (meterNo: string): MeterProgramming => ({
  meterNo,
  pan: testPan(meterNo),
  ea: '07',
  dkHex: '0123456789abcdef',
  baseDate: 2014,
  ken: 255,
  kt: 2,
  krn: 1,
  ti: '01',
  sgc: '600001',
  profile: 'household',
})
const meterNos = (n: number) =>
  Array.from({ length: n }, (_, i) => `581${String(10_000_000 + i).padStart(8, '0')}`)
const settle = () => new Promise((r) => setImmediate(r))

const running: MeterFleet[] = []
afterEach(async () => {
  for (const f of running.splice(0)) await f.stop()
})

async function build(
  over: Partial<MeterFleetOptions> & { meters?: string[]; connector?: MeterConnector } = {},
) {
  const clock = new ManualClock(T0)
  const connector = new MemoryConnector()
  const fleet = await MeterFleet.create({
    programming: (over.meters ?? [M]).map(prog),
    connector,
    decoderFactory: (_p, _c, saved) => new FakeDecoder(saved),
    clock,
    tickMs: 3_600_000, // the tests tick by hand
    ...over,
  })
  running.push(fleet)
  fleet.start()
  await fleet.whenOnline()
  const events = (meterNo = M) =>
    connector.published
      .filter((p) => p.leaf === 'events' && p.meterNo === meterNo)
      .map((p) => p.payload as MeterEvent)
  const command = async (cmd: Omit<MeterCommand, 'sentAt'>, meterNo = M) => {
    connector.send(meterNo, 'commands', { ...cmd, sentAt: clock.now() })
    await settle()
    return events(meterNo).filter((e) => e.commandId === cmd.commandId)
  }
  const at = async (ms: number) => {
    clock.set(ms)
    fleet.touch(M)
    await settle()
  }
  return { clock, connector, fleet, events, command, at, meter: () => fleet.meter(M)! }
}

describe('remote control', () => {
  it('opens the relay by hand and holds it open, even with credit, until relayClose', async () => {
    const { fleet, command, events, at, meter } = await build()
    fleet.keypadEntry(M, fakeToken('00', 1, 100)) // 10 kWh
    await settle()
    expect(meter().relay).toBe('closed')
    expect(await command({ commandId: 'c-open', command: 'relayOpen' })).toMatchObject([
      { event: 'commandDone', commandId: 'c-open' },
    ])
    expect(meter().relay).toBe('open')
    expect(events().find((e) => e.event === 'relayOpened')?.reason).toBe('manual')
    const energy = meter().energyWh
    await at(T0 + HOUR)
    expect(meter().energyWh).toBe(energy) // nothing flows
    fleet.keypadEntry(M, fakeToken('00', 2, 10)) // more credit does not close a manual open
    expect(meter().relay).toBe('open')

    expect(await command({ commandId: 'c-close', command: 'relayClose' })).toMatchObject([
      { event: 'commandDone' },
    ])
    expect(meter().relay).toBe('closed')
    expect(
      events()
        .filter((e) => e.event === 'relayClosed')
        .at(-1)?.reason,
    ).toBe('credit')
  })

  it('answers a repeated command id with the first answer and does not act twice', async () => {
    const { fleet, command, meter, events } = await build()
    fleet.keypadEntry(M, fakeToken('00', 1, 100))
    await command({ commandId: 'c-1', command: 'relayOpen' })
    await command({ commandId: 'c-2', command: 'relayClose' })
    expect(meter().relay).toBe('closed')
    const again = await command({ commandId: 'c-1', command: 'relayOpen' })
    expect(again).toHaveLength(2)
    expect(again[1]).toEqual(again[0])
    expect(meter().relay).toBe('closed') // the replay did not open it again
    expect(fleet.stats.duplicateCommands).toBe(1)
    expect(events().filter((e) => e.event === 'relayOpened')).toHaveLength(1)
  })

  it('reads at once on readNow and refuses commands missing their settings', async () => {
    const { connector, command } = await build()
    const before = connector.published.filter((p) => p.leaf === 'readings').length
    expect(await command({ commandId: 'r-1', command: 'readNow' })).toMatchObject([
      { event: 'commandDone' },
    ])
    expect(connector.published.filter((p) => p.leaf === 'readings')).toHaveLength(before + 1)
    expect(await command({ commandId: 'e-1', command: 'setEmergencyCredit' })).toMatchObject([
      { event: 'commandRefused', reason: 'emergencyCreditWh is required' },
    ])
    expect(await command({ commandId: 'f-1', command: 'setFriendlyHours' })).toMatchObject([
      { event: 'commandRefused', reason: 'friendlyHours is required' },
    ])
  })

  it('logs and drops a command that does not match the schema', async () => {
    const { connector, fleet, events } = await build()
    connector.send(M, 'commands', { commandId: 'x', command: 'selfDestruct', sentAt: 1 })
    connector.send(M, 'commands', '{"commandId":')
    connector.send(M, 'commands', { commandId: 'y', command: 'readNow', sentAt: 1, extra: 1 })
    await settle()
    expect(fleet.stats.badPayloads).toBe(3)
    expect(events()).toEqual([])
  })

  it('supplies emergency credit below zero, then opens; a token repays it first', async () => {
    const { fleet, command, at, meter, events } = await build()
    expect(meter().relay).toBe('open')
    await command({
      commandId: 'e-1',
      command: 'setEmergencyCredit',
      emergencyCreditWh: 500,
    })
    expect(meter().relay).toBe('closed')
    expect(meter().relayReason).toBe('emergencyCredit')
    await at(T0 + 12 * HOUR)
    expect(meter().debtWh).toBe(500)
    expect(meter().energyWh).toBe(500)
    expect(meter().relay).toBe('open')
    expect(events().at(-1)).toMatchObject({ event: 'relayOpened', reason: 'creditExhausted' })
    fleet.keypadEntry(M, fakeToken('00', 1, 100))
    expect(meter().debtWh).toBe(0)
    expect(meter().creditWh).toBe(10_000 - 500)
  })

  it('friendly hours keep the relay closed at zero credit at 23:00 local and open it at 08:00', async () => {
    const { fleet, command, at, meter, events } = await build()
    await command({
      commandId: 'f-1',
      command: 'setFriendlyHours',
      friendlyHours: { fromHour: 20, toHour: 8, weekends: true },
    })
    fleet.keypadEntry(M, fakeToken('00', 1, 5)) // 0.5 kWh: gone well before 23:00
    await at(Date.UTC(2026, 0, 5, 15)) // 23:00 Shanghai
    expect(meter().creditWh).toBe(0)
    expect(meter().relay).toBe('closed')
    expect(meter().relayReason).toBe('friendlyHours')
    expect(meter().debtWh).toBeGreaterThan(0)
    await at(Date.UTC(2026, 0, 5, 23, 59)) // 07:59
    expect(meter().relay).toBe('closed')
    const debt = meter().debtWh
    await at(Date.UTC(2026, 0, 6, 0, 1)) // 08:01
    expect(meter().relay).toBe('open')
    const opened = events().filter((e) => e.event === 'relayOpened')
    // Credit ran out before 20:00 (relay opened), friendly hours closed it at 20:00, and it
    // opened again at 08:00 on the dot.
    expect(opened.at(-1)).toMatchObject({ reason: 'creditExhausted', at: Date.UTC(2026, 0, 6, 0) })
    expect(events().some((e) => e.event === 'relayClosed' && e.reason === 'friendlyHours')).toBe(
      true,
    )
    const afterEight = meter().debtWh
    expect(afterEight).toBeGreaterThanOrEqual(debt)
    await at(Date.UTC(2026, 0, 6, 3))
    expect(meter().debtWh).toBe(afterEight) // nothing more on debt after 08:00
    // Saturday counts as friendly all day with `weekends`.
    await at(Date.UTC(2026, 0, 10, 4)) // Saturday 12:00
    expect(meter().relay).toBe('closed')
  })
})

describe('events', () => {
  it('raises lowCredit once per crossing and creditExhausted when credit runs out', async () => {
    const { fleet, clock, meter, events } = await build()
    const low = meter().lowCreditWh
    expect(low).toBeGreaterThanOrEqual(5_000)
    fleet.keypadEntry(M, fakeToken('00', 1, Math.ceil((low + 1_000) / 100)))
    const lowEvents = () => events().filter((e) => e.event === 'lowCredit')
    while (meter().creditWh >= low) {
      clock.advance(HOUR)
      fleet.touch(M)
    }
    await settle()
    expect(lowEvents()).toHaveLength(1)
    clock.advance(2 * HOUR)
    fleet.touch(M)
    await settle()
    expect(lowEvents()).toHaveLength(1) // still below: no second warning

    fleet.keypadEntry(M, fakeToken('00', 2, Math.ceil(low / 100) + 5)) // back above: re-armed
    while (meter().creditWh >= low) {
      clock.advance(HOUR)
      fleet.touch(M)
    }
    await settle()
    expect(lowEvents()).toHaveLength(2)
    while (meter().creditWh > 0) {
      clock.advance(6 * HOUR)
      fleet.touch(M)
    }
    await settle()
    expect(events().filter((e) => e.event === 'creditExhausted')).toHaveLength(1)
    expect(events().at(-1)).toMatchObject({ event: 'relayOpened', reason: 'creditExhausted' })
  })

  it('reports tamper', async () => {
    const { fleet, events } = await build()
    fleet.setTamper(M, true)
    await settle()
    expect(events()).toMatchObject([{ event: 'tamper', meterNo: M }])
  })
})

describe('power limit', () => {
  /** A minute (from T0 on) whose load is higher than the next minute's. */
  function fallingMinute(): { start: number; limitW: number } {
    const model = { profile: 'household' as const, seed: seedFrom(M), utcOffsetMinutes: 480 }
    for (let t = T0; ; t += MINUTE_MS) {
      const now = demandW(model, t)
      const next = demandW(model, t + MINUTE_MS)
      if (now > next + 20 && next > 0) return { start: t, limitW: next }
    }
  }

  it('trips over the limit (event), recloses after a minute, or at once on relayClose', async () => {
    const { start, limitW } = fallingMinute()
    const a = await build()
    await a.at(start)
    a.fleet.keypadEntry(M, fakeToken('00', 1, 500))
    await a.at(start + 30_000)
    await settle()
    const before = a.events().length
    a.fleet.keypadEntry(M, fakeToken('20', 2, limitW))
    await settle()
    expect(a.meter().relay).toBe('open')
    expect(a.meter().relayReason).toBe('powerLimit')
    expect(
      a
        .events()
        .slice(before)
        .map((e) => e.event),
    ).toEqual(['powerLimitExceeded', 'relayOpened'])
    await a.at(start + MINUTE_MS + 10_000)
    expect(a.meter().relay).toBe('open') // the trip holds for a minute…
    await a.at(start + MINUTE_MS + 31_000)
    expect(a.meter().relay).toBe('closed') // …then recloses, the load being under the limit now
    await settle()
    expect(a.events().at(-1)).toMatchObject({ event: 'relayClosed', reason: 'credit' })

    const b = await build()
    await b.at(start)
    b.fleet.keypadEntry(M, fakeToken('00', 1, 500))
    await b.at(start + 30_000)
    b.fleet.keypadEntry(M, fakeToken('20', 2, limitW))
    await b.at(start + MINUTE_MS + 10_000)
    expect(b.meter().relay).toBe('open')
    await b.command({ commandId: 'rc', command: 'relayClose' })
    expect(b.meter().relay).toBe('closed')
  })

  it('keeps a load that is always over the limit off without an event per minute', async () => {
    const { fleet, at, meter, events } = await build()
    fleet.keypadEntry(M, fakeToken('00', 1, 500))
    fleet.keypadEntry(M, fakeToken('20', 2, 1))
    const energy = meter().energyWh
    await at(T0 + 3 * HOUR)
    await settle()
    expect(meter().energyWh).toBe(energy)
    expect(events().filter((e) => e.event === 'powerLimitExceeded')).toHaveLength(1)
  })
})

describe('scheduler', () => {
  it('reads 500 meters at their due simulated times and touches only those due', async () => {
    const meters = meterNos(500)
    // 60× clock, a reading every 10 simulated minutes = every 10 real seconds.
    const { fleet, clock, connector } = await build({
      meters,
      clockFactor: 60,
      readingIntervalMs: 600_000,
    })
    const readings = () => connector.published.filter((p) => p.leaf === 'readings')
    const since = readings().length
    const advances = fleet.stats.meterAdvances
    for (let s = 0; s < 60; s++) {
      clock.advance(1_000)
      fleet.tick()
    }
    const got = readings().slice(since)
    expect(got).toHaveLength(500 * 6)
    // Each meter read every 10 s of real time (its simulated 10 minutes), no drift.
    const first = new Map<string, number[]>()
    for (const r of got) {
      const at = (r.payload as { at: number }).at
      first.set(r.meterNo, [...(first.get(r.meterNo) ?? []), at])
    }
    for (const ats of first.values())
      for (let i = 1; i < ats.length; i++) expect((ats[i] ?? 0) - (ats[i - 1] ?? 0)).toBe(10_000)
    // The old scan touched every meter every tick: 500 × 60 = 30 000.
    expect(fleet.stats.meterAdvances - advances).toBe(500 * 6)
  })
})

describe('state store', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  it('publishes an ack only once its token is durable, and a restart keeps the token USED', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridtill-fleet-store-'))
    const path = join(dir, 'fleet.db')
    const memory = new MemoryConnector()
    const durableAtAck: boolean[] = []
    // Looks at the file (as a restarted fleet would) at the moment each ack is published.
    const checking: MeterConnector = {
      connect(meterNo, handlers) {
        const conn = memory.connect(meterNo, handlers)
        return {
          get connected() {
            return conn.connected
          },
          close: () => conn.close(),
          publish(leaf, payload, qos) {
            if (leaf === 'acks') {
              const db = new Database(path, { readonly: true })
              const row = db
                .prepare('SELECT snapshot FROM meter_state WHERE meter_no = ?')
                .get(meterNo) as { snapshot: string } | undefined
              db.close()
              const token = (payload as { token: string }).token
              durableAtAck.push(row?.snapshot.includes(token) ?? false)
            }
            return conn.publish(leaf, payload, qos)
          },
        }
      },
    }
    const first = await build({ statePath: path, connector: checking })
    const token = fakeToken('00', 77, 100)
    const delivery: TokenDelivery = { deliveryId: 'd-77', tokens: [token], sentAt: T0 }
    memory.send(M, 'tokens', delivery)
    for (let i = 0; i < 100 && durableAtAck.length === 0; i++)
      await new Promise((r) => setTimeout(r, 5))
    expect(durableAtAck).toEqual([true])
    expect(first.fleet.storeStats?.commits).toBeGreaterThan(0)

    // A crash: the first fleet never stops cleanly; a new one opens the same store.
    const memory2 = new MemoryConnector()
    const second = await build({ statePath: path, connector: memory2 })
    expect(second.meter().creditWh).toBe(10_000)
    memory2.send(M, 'tokens', { ...delivery, deliveryId: 'd-78' })
    // The answer waits for its commit on the store's writer thread.
    for (let i = 0; i < 400 && !memory2.published.some((p) => p.leaf === 'acks'); i++)
      await new Promise((r) => setTimeout(r, 5))
    expect(memory2.published.find((p) => p.leaf === 'acks')?.payload).toMatchObject({
      result: 'rejected',
      reason: 'USED',
    })
  })
})
