import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import {
  ManualClock,
  encodeKeyChange,
  encodeToken,
  systemClock,
  tidFromTime,
  type StsKey,
  type TokenDelivery,
} from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import { MeterFleet } from './fleet.ts'
import { MqttConnector } from './mqtt-connector.ts'
import type { MeterProgramming } from './programming.ts'
import { SimulatedMeter } from './simulated-meter.ts'
import { stsDecoderFactory } from './sts-decoder.ts'
import {
  TestCentral,
  forgetMeters,
  startAedes,
  testPan,
  uniqueMeterNos,
  waitUntil,
  type TestBroker,
} from './test-broker.ts'

const T0 = Date.UTC(2026, 0, 5, 10)
const STA: StsKey = { ea: '07', dk: 0x0123456789abcdefn }
const MISTY: StsKey = { ea: '11', dk: 0x00112233445566778899aabbccddeeffn }

function programming(meterNo: string, key: StsKey): MeterProgramming {
  return {
    meterNo,
    pan: testPan(meterNo),
    ea: key.ea,
    dkHex: key.dk.toString(16).padStart(key.ea === '07' ? 16 : 32, '0'),
    baseDate: 2014,
    ken: 255,
    kt: 2,
    krn: 1,
    ti: '01',
    sgc: '600001',
    profile: 'household',
  }
}

/** A credit token as the central's vend would mint it: TID = minutes since the base date, or later. */
function credit(key: StsKey, atMs: number, units: number, rnd = 5): string {
  return encodeToken(key, { class: 0, subclass: 0, rnd, tid: tidFromTime(atMs, 2014), units })
}

function meterWith(key: StsKey, clock: ManualClock, saved?: unknown) {
  const p = programming('58101000001', key)
  return new SimulatedMeter({
    meterNo: p.meterNo,
    profile: p.profile,
    decoder: stsDecoderFactory()(p, () => clock.now(), saved),
    clock,
    time: new AcceleratedTime(1, T0),
  })
}

const delivery = (deliveryId: string, ...tokens: string[]): TokenDelivery => ({
  deliveryId,
  tokens,
  sentAt: T0,
})

describe.each([
  ['STA', STA],
  ['MISTY1', MISTY],
])('SimulatedMeter with the real STS decoder (%s)', (_name, key) => {
  it('credits a real token once and rejects it again as USED', () => {
    const clock = new ManualClock(T0)
    const meter = meterWith(key, clock)
    const token = credit(key, T0, 100) // 10.0 kWh
    const [ack] = meter.receiveDelivery(delivery('d-1', token))
    expect(ack).toEqual({
      deliveryId: 'd-1',
      token,
      result: 'accepted',
      creditedWh: 10_000,
      creditWh: 10_000,
      at: T0,
    })
    expect(meter.receiveDelivery(delivery('d-2', token))[0]).toMatchObject({
      result: 'rejected',
      reason: 'USED',
    })
    expect(meter.keypadEntry(token)).toMatchObject({ result: 'rejected', reason: 'USED' })
    expect(meter.creditWh).toBe(10_000)
  })

  it('remembers used TIDs across a restart', () => {
    const clock = new ManualClock(T0)
    const meter = meterWith(key, clock)
    const token = credit(key, T0, 10)
    meter.keypadEntry(token)
    const snap = JSON.parse(JSON.stringify(meter.snapshot())) as ReturnType<
      SimulatedMeter['snapshot']
    >
    const after = meterWith(key, clock, snap.sts)
    after.restore(snap)
    expect(after.keypadEntry(token)).toMatchObject({ result: 'rejected', reason: 'USED' })
    clock.advance(60_000)
    expect(after.keypadEntry(credit(key, clock.now(), 10))).toMatchObject({
      result: 'accepted',
      creditedWh: 1000,
    })
  })

  it('enters a key change and a credit token under the new key in one delivery, in order', () => {
    const clock = new ManualClock(T0)
    const meter = meterWith(key, clock)
    const newKey: StsKey = { ea: key.ea, dk: key.dk ^ 0x5a5a5a5an }
    const change = encodeKeyChange(key, {
      dk: newKey.dk,
      kt: 2,
      krn: 2,
      ti: '01',
      sgc: '600001',
      ken: 255,
      rollover: false,
    })
    const acks = meter.receiveDelivery(delivery('kc-1', ...change, credit(newKey, T0, 50)))
    expect(acks.map((a) => a.result)).toEqual(Array(change.length + 1).fill('accepted'))
    expect(meter.creditWh).toBe(5000)
    expect(meter.decoderInfo()).toMatchObject({ krn: 2 })
    // A token for the old key no longer decodes.
    clock.advance(60_000)
    expect(meter.keypadEntry(credit(key, clock.now(), 50))).toMatchObject({
      result: 'rejected',
      reason: 'CRC',
    })
  })

  it('maps the decoder reasons onto the link: CRC, LOCKED_OUT', () => {
    const clock = new ManualClock(T0)
    const meter = meterWith(key, clock)
    const good = credit(key, T0, 10)
    const typo = good.slice(0, 19) + String((Number(good[19]) + 1) % 10)
    const acks = meter.receiveDelivery(delivery('bad', typo, typo, typo, typo))
    expect(acks.map((a) => a.reason)).toEqual(['CRC', 'CRC', 'CRC', 'CRC'])
    expect(meter.keypadEntry(typo)).toMatchObject({ result: 'rejected', reason: 'CRC' })
    expect(meter.keypadEntry(good)).toMatchObject({ result: 'rejected', reason: 'LOCKED_OUT' })
    expect(meter.decoderInfo()).toMatchObject({ lockedOut: true })
  })
})

describe('meter fleet with real tokens over MQTT (aedes)', () => {
  let broker: TestBroker
  let dir: string
  const meterNos = uniqueMeterNos(2)
  const [sta, misty] = meterNos as [string, string]

  beforeAll(async () => {
    broker = await startAedes()
    dir = await mkdtemp(join(tmpdir(), 'gridtill-fleet-sts-'))
  })
  afterAll(async () => {
    await forgetMeters(broker.url, meterNos)
    await broker.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('acks a vend the way the central expects, and USED after a restart', async () => {
    const log = pino({ level: 'silent' })
    const build = async () => {
      const f = await MeterFleet.create({
        programming: [programming(sta, STA), programming(misty, MISTY)],
        connector: new MqttConnector({
          url: broker.url,
          log,
          now: () => systemClock.now(),
          reconnectPeriodMs: 200,
        }),
        decoderFactory: stsDecoderFactory(),
        statePath: join(dir, 'state.json'),
        log,
      })
      f.start()
      await f.whenOnline()
      return f
    }
    const central = await TestCentral.connect(broker.url, meterNos)
    try {
      let fleet = await build()
      const now = Date.now()
      const tokens = { [sta]: credit(STA, now, 123), [misty]: credit(MISTY, now, 45) }
      for (const n of meterNos)
        await central.deliver(n, {
          deliveryId: `v-${n}`,
          tokens: [tokens[n] as string],
          sentAt: now,
        })
      await waitUntil(() => meterNos.every((n) => central.acksFor(`v-${n}`).length === 1), 'acks')
      expect(central.acksFor(`v-${sta}`)[0]).toMatchObject({
        result: 'accepted',
        creditedWh: 12_300,
      })
      expect(central.acksFor(`v-${misty}`)[0]).toMatchObject({
        result: 'accepted',
        creditedWh: 4_500,
      })

      await fleet.stop()
      fleet = await build()
      await central.deliver(sta, {
        deliveryId: 'again',
        tokens: [tokens[sta] as string],
        sentAt: now,
      })
      await waitUntil(() => central.acksFor('again').length === 1, 'ack after restart')
      expect(central.acksFor('again')[0]).toMatchObject({ result: 'rejected', reason: 'USED' })
      await fleet.stop()
    } finally {
      await central.close()
    }
  })
})
