import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { systemClock, type TokenDelivery } from '@gridtill/shared'
import { FakeDecoder, fakeToken } from './fake-decoder.ts'
import { MeterFleet, type MeterFleetOptions } from './fleet.ts'
import { MeterStore } from './meter-store.ts'
import { MqttConnector } from './mqtt-connector.ts'
import type { MeterProgramming } from './programming.ts'
import {
  TestCentral,
  forgetMeters,
  portOpen,
  startAedes,
  testPan,
  uniqueMeterNos,
  waitUntil,
  type TestBroker,
} from './test-broker.ts'

const silent = pino({ level: 'silent' })

function programming(meterNo: string): MeterProgramming {
  return {
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
  }
}

const delivery = (deliveryId: string, ...tokens: string[]): TokenDelivery => ({
  deliveryId,
  tokens,
  sentAt: Date.now(),
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What the state store holds, read the way a restarted fleet reads it. */
function stored(path: string): Map<string, { creditWh: number }> {
  const store = MeterStore.open({ path })
  try {
    return store.loadAll() as Map<string, { creditWh: number }>
  } finally {
    store.close()
  }
}

/** The whole link against one broker: run against aedes in-process, and against Mosquitto when it is there. */
function brokerSuite(name: string, startBroker: () => Promise<TestBroker>) {
  describe(name, () => {
    let broker: TestBroker
    let dir: string
    const meterNos = uniqueMeterNos(4)
    const [m1, m2, m3, m4] = meterNos as [string, string, string, string]
    const running: MeterFleet[] = []
    let central: TestCentral

    const fleet = async (over: Partial<MeterFleetOptions> = {}) => {
      const f = await MeterFleet.create({
        programming: meterNos.map(programming),
        connector: new MqttConnector({
          url: broker.url,
          log: silent,
          now: () => systemClock.now(),
          reconnectPeriodMs: 200,
        }),
        decoderFactory: (_p, _clock, saved) => new FakeDecoder(saved),
        statePath: join(dir, 'fleet-state.db'),
        log: silent,
        ...over,
      })
      running.push(f)
      f.start()
      await f.whenOnline()
      return f
    }

    beforeAll(async () => {
      broker = await startBroker()
      dir = await mkdtemp(join(tmpdir(), 'gridtill-fleet-'))
      central = await TestCentral.connect(broker.url, meterNos)
    })
    afterEach(async () => {
      for (const f of running.splice(0)) await f.stop()
      for (const f of ['fleet-state.db', 'fleet-state.db-wal', 'fleet-state.db-shm'])
        await rm(join(dir, f), { force: true })
    })
    afterAll(async () => {
      await central?.close()
      if (broker) await forgetMeters(broker.url, meterNos)
      await broker?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    it('announces each meter with a retained online status, and offline when stopped', async () => {
      const f = await fleet()
      await waitUntil(
        () => meterNos.every((n) => central.statuses.get(n)?.online === true),
        'online statuses',
      )
      await f.stop()
      await waitUntil(
        () => meterNos.every((n) => central.statuses.get(n)?.online === false),
        'offline statuses',
      )
      expect(central.malformed).toEqual([])
    })

    it('enters a delivered token and acks it; the same token again is USED', async () => {
      const f = await fleet()
      const token = fakeToken('00', 1001, 250)
      await central.deliver(m1, delivery('fleet-d1', token))
      await waitUntil(() => central.acksFor('fleet-d1').length === 1, 'ack for fleet-d1')
      expect(central.acksFor('fleet-d1')[0]).toMatchObject({
        token,
        result: 'accepted',
        creditedWh: 25_000,
        creditWh: 25_000,
      })
      expect(f.meter(m1)?.creditWh).toBeGreaterThan(24_000)

      await central.deliver(m1, delivery('fleet-d2', token, fakeToken('00', 1002, 10)))
      await waitUntil(() => central.acksFor('fleet-d2').length === 2, 'acks for fleet-d2')
      expect(central.acksFor('fleet-d2').map((a) => [a.token, a.result, a.reason])).toEqual([
        [token, 'rejected', 'USED'],
        [fakeToken('00', 1002, 10), 'accepted', undefined],
      ])
    })

    it('gives a meter that was offline during its vend the token after it reconnects, exactly once', async () => {
      const f = await fleet()
      await f.setOnline(m2, false)
      expect(f.isOnline(m2)).toBe(false)
      const token = fakeToken('00', 2001, 100)
      await central.deliver(m2, delivery('fleet-offline', token)) // QoS 1: the broker holds it for the session
      await sleep(300)
      expect(central.acksFor('fleet-offline')).toEqual([])
      expect(f.meter(m2)?.creditWh).toBe(0)

      await f.setOnline(m2, true)
      await waitUntil(() => central.acksFor('fleet-offline').length > 0, 'ack after reconnect')
      await sleep(500) // room for a duplicate to show up, if there were one
      expect(central.acksFor('fleet-offline')).toHaveLength(1)
      expect(central.acksFor('fleet-offline')[0]).toMatchObject({
        result: 'accepted',
        creditedWh: 10_000,
      })
      expect(f.meter(m2)?.entered.filter((e) => e.token === token)).toHaveLength(1)
      expect(f.stats.deliveries).toBe(1)
    })

    it('ignores bad payloads without crashing and keeps serving the meter', async () => {
      const f = await fleet()
      await central.publishRaw(m3, 'not json')
      await central.publishRaw(
        m3,
        JSON.stringify({ deliveryId: 'bad-1', tokens: ['123'], sentAt: 1 }),
      )
      await central.publishRaw(
        m3,
        JSON.stringify({ ...delivery('bad-2', fakeToken('00', 3001, 1)), extra: true }),
      )
      await central.deliver(m3, delivery('fleet-after-bad', fakeToken('00', 3002, 1)))
      await waitUntil(
        () => central.acksFor('fleet-after-bad').length === 1,
        'ack after bad payloads',
      )
      expect(f.stats.badPayloads).toBe(3)
      expect(central.acksFor('bad-1')).toEqual([])
      expect(central.acksFor('bad-2')).toEqual([])
      expect(f.meter(m3)?.creditWh).toBe(100)
    })

    it('keeps TID memory, credit and energy across a fleet restart', async () => {
      const first = await fleet()
      const token = fakeToken('00', 4001, 50)
      await central.deliver(m4, delivery('fleet-before-restart', token))
      await waitUntil(
        () => central.acksFor('fleet-before-restart').length === 1,
        'ack before restart',
      )
      const creditBefore = first.meter(m4)?.creditWh
      await first.stop()
      running.splice(running.indexOf(first), 1)
      expect([...stored(join(dir, 'fleet-state.db')).keys()].sort()).toEqual([...meterNos].sort())

      const second = await fleet()
      expect(second.meter(m4)?.creditWh).toBe(creditBefore)
      await central.deliver(m4, delivery('fleet-after-restart', token))
      await waitUntil(
        () => central.acksFor('fleet-after-restart').length === 1,
        'ack after restart',
      )
      expect(central.acksFor('fleet-after-restart')[0]).toMatchObject({
        result: 'rejected',
        reason: 'USED',
      })
      // The central retrying the old delivery gets the original answer, not USED.
      await central.deliver(m4, delivery('fleet-before-restart', token))
      await waitUntil(() => central.acksFor('fleet-before-restart').length === 2, 'replayed ack')
      expect(central.acksFor('fleet-before-restart')[1]).toMatchObject({ result: 'accepted' })
    })

    it('publishes schema-valid readings for every meter', async () => {
      await fleet({ readingIntervalMs: 60_000, clockFactor: 120, tickMs: 50 }) // a reading each 0.5 s
      const since = central.readings.length
      await waitUntil(
        () =>
          meterNos.every(
            (n) => central.readings.slice(since).filter((r) => r.meterNo === n).length >= 2,
          ),
        'two readings per meter',
      )
      expect(central.malformed).toEqual([])
    })
  })
}

brokerSuite('meter fleet over MQTT (aedes in-process)', startAedes)

// CI machines run Mosquitto on the standard port; there the same suite runs against a real broker.
const mosquittoUp = await portOpen('127.0.0.1', 1883)
if (!mosquittoUp)
  console.warn('Mosquitto suite skipped: nothing accepts connections on 127.0.0.1:1883')
describe.skipIf(!mosquittoUp)(
  'against Mosquitto (skipped when nothing listens on 127.0.0.1:1883)',
  () => {
    brokerSuite('meter fleet over MQTT (Mosquitto at 127.0.0.1:1883)', () =>
      Promise.resolve({ url: 'mqtt://127.0.0.1:1883', close: () => Promise.resolve() }),
    )
  },
)

describe('MeterFleet without a broker', () => {
  it('keeps running (and stops cleanly) when the broker is unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridtill-fleet-'))
    try {
      const meterNo = uniqueMeterNos(1)[0] as string
      const f = await MeterFleet.create({
        programming: [programming(meterNo)],
        connector: new MqttConnector({
          url: 'mqtt://127.0.0.1:9',
          log: silent,
          now: () => Date.now(),
          reconnectPeriodMs: 50,
        }),
        decoderFactory: (_p, _c, saved) => new FakeDecoder(saved),
        statePath: join(dir, 'state.db'),
        log: silent,
      })
      f.start()
      await sleep(300)
      expect(f.isOnline(meterNo)).toBe(false)
      expect(f.keypadEntry(meterNo, fakeToken('00', 1, 5))).toMatchObject({
        result: 'accepted',
        creditWh: 500,
      })
      await f.stop()
      expect(stored(join(dir, 'state.db')).get(meterNo)?.creditWh).toBe(500)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a corrupt state file instead of forgetting used tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridtill-fleet-'))
    try {
      await writeFile(join(dir, 'state.json'), '{"v":1,"savedAt":0,"meters":{"123":{}}}')
      await expect(
        MeterFleet.create({
          programming: [],
          connector: {
            connect: () => {
              throw new Error('not used')
            },
          },
          decoderFactory: () => new FakeDecoder(),
          statePath: join(dir, 'state.json'),
        }),
      ).rejects.toThrow(/fleet state schema/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
