import { describe, expect, it } from 'vitest'
import { ManualClock, type TokenDelivery } from '@gridtill/shared'
import { AcceleratedTime } from './accelerated-time.ts'
import { FakeDecoder, fakeToken } from './fake-decoder.ts'
import { SimulatedMeter, ackReasonFor, type SimulatedMeterOptions } from './simulated-meter.ts'
import type { TokenDecoder } from './token-decoder.ts'

const T0 = Date.UTC(2026, 0, 5, 10) // 18:00 in Shanghai: the evening peak
const HOUR = 3_600_000

function setup(opts: Partial<SimulatedMeterOptions> & { factor?: number } = {}) {
  const clock = new ManualClock(T0)
  const meter = new SimulatedMeter({
    meterNo: '58101000001',
    profile: 'household',
    decoder: new FakeDecoder(),
    clock,
    time: new AcceleratedTime(opts.factor ?? 1, T0),
    ...opts,
  })
  meter.tick(clock.now())
  return { clock, meter }
}

const delivery = (deliveryId: string, ...tokens: string[]): TokenDelivery => ({
  deliveryId,
  tokens,
  sentAt: T0,
})

describe('SimulatedMeter consumption', () => {
  it('is deterministic and independent of how time is ticked', () => {
    const a = setup()
    const b = setup()
    a.meter.keypadEntry(fakeToken('00', 1, 500)) // 50 kWh
    b.meter.keypadEntry(fakeToken('00', 1, 500))
    for (let i = 0; i < 6 * 60; i++) {
      a.clock.advance(60_000)
      a.meter.tick(a.clock.now())
    }
    b.clock.advance(6 * HOUR)
    b.meter.tick(b.clock.now())
    expect(a.meter.energyWh).toBeGreaterThan(1000)
    expect(b.meter.snapshot()).toEqual(a.meter.snapshot())
  })

  it('draws the energy it records from the credit register', () => {
    const { clock, meter } = setup()
    meter.keypadEntry(fakeToken('00', 1, 500))
    expect(meter.creditWh).toBe(50_000)
    clock.advance(3 * HOUR)
    meter.tick(clock.now())
    expect(meter.energyWh).toBeGreaterThan(0)
    expect(meter.creditWh + meter.energyWh).toBe(50_000)
  })

  it('drains faster on an accelerated clock', () => {
    const slow = setup()
    const fast = setup({ factor: 60 })
    for (const m of [slow, fast]) m.meter.keypadEntry(fakeToken('00', 1, 500))
    slow.clock.advance(HOUR)
    slow.meter.tick(slow.clock.now())
    fast.clock.advance(60_000) // one real minute = one simulated hour
    fast.meter.tick(fast.clock.now())
    expect(fast.meter.energyWh).toBe(slow.meter.energyWh)
    expect(fast.meter.energyWh).toBeGreaterThan(100)
  })
})

describe('SimulatedMeter relay', () => {
  it('opens at zero credit, exactly, and closes when a credit token arrives', () => {
    const { clock, meter } = setup()
    expect(meter.relay).toBe('open') // a new meter has no credit
    meter.keypadEntry(fakeToken('00', 1, 1)) // 0.1 kWh
    expect(meter.relay).toBe('closed')
    expect(meter.powerW).toBeGreaterThan(0)
    clock.advance(24 * HOUR)
    meter.tick(clock.now())
    expect(meter.creditWh).toBe(0)
    expect(meter.energyWh).toBe(100)
    expect(meter.relay).toBe('open')
    expect(meter.powerW).toBe(0)
    expect(meter.reading(clock.now())).toMatchObject({
      relay: 'open',
      creditWh: 0,
      powerW: 0,
      energyWh: 100,
    })

    clock.advance(24 * HOUR)
    meter.tick(clock.now())
    expect(meter.energyWh).toBe(100) // nothing flows through an open relay

    const [ack] = meter.receiveDelivery(delivery('d-2', fakeToken('00', 2, 20)))
    expect(ack).toMatchObject({ result: 'accepted', creditedWh: 2000, creditWh: 2000 })
    expect(meter.relay).toBe('closed')
    clock.advance(HOUR)
    meter.tick(clock.now())
    expect(meter.energyWh).toBeGreaterThan(100)
  })

  it('keeps supplying at zero credit under a friendly-hours policy and recovers the debt', () => {
    const { clock, meter } = setup({ supplyPolicy: { supplyWithoutCredit: () => true } })
    clock.advance(2 * HOUR)
    meter.tick(clock.now())
    expect(meter.relay).toBe('closed')
    const debt = meter.debtWh
    expect(debt).toBeGreaterThan(0)
    expect(debt).toBe(meter.energyWh)
    meter.keypadEntry(fakeToken('00', 1, 100)) // 10 kWh
    expect(meter.debtWh).toBe(0)
    expect(meter.creditWh).toBe(10_000 - debt)
  })

  it('trips while the load is over a power limit token', () => {
    const { clock, meter } = setup()
    meter.keypadEntry(fakeToken('00', 1, 500))
    meter.keypadEntry(fakeToken('20', 2, 1)) // 1 W: every minute is over it
    expect(meter.maxPowerW).toBe(1)
    expect(meter.relay).toBe('open')
    const before = meter.energyWh
    clock.advance(HOUR)
    meter.tick(clock.now())
    expect(meter.energyWh).toBe(before)
    meter.keypadEntry(fakeToken('20', 3, 0)) // 0 lifts the limit
    expect(meter.relay).toBe('closed')
  })

  it('reports tamper until a clear-tamper token', () => {
    const { clock, meter } = setup()
    meter.setTamper(true)
    expect(meter.reading(clock.now()).tamper).toBe(true)
    expect(meter.keypadEntry(fakeToken('25', 9, 0))).toMatchObject({
      result: 'accepted',
      kind: 'clearTamper',
    })
    expect(meter.tamper).toBe(false)
  })
})

describe('SimulatedMeter tokens', () => {
  it('accepts a credit token delivered over the link and rejects the same token again as USED', () => {
    const { meter } = setup()
    const token = fakeToken('00', 42, 123)
    const [first] = meter.receiveDelivery(delivery('d-1', token))
    expect(first).toEqual({
      deliveryId: 'd-1',
      token,
      result: 'accepted',
      creditedWh: 12_300,
      creditWh: 12_300,
      at: T0,
    })
    const [again] = meter.receiveDelivery(delivery('d-2', token))
    expect(again).toMatchObject({
      deliveryId: 'd-2',
      result: 'rejected',
      reason: 'USED',
      creditWh: 12_300,
    })
    expect(meter.keypadEntry(token)).toMatchObject({ result: 'rejected', reason: 'USED' })
    expect(meter.creditWh).toBe(12_300)
  })

  it('answers a repeated delivery with the acks it gave the first time, crediting once', () => {
    const { meter } = setup()
    const d = delivery('d-1', fakeToken('00', 1, 10), fakeToken('00', 2, 20))
    const first = meter.receiveDelivery(d)
    expect(first.map((a) => a.result)).toEqual(['accepted', 'accepted'])
    expect(meter.receiveDelivery(d)).toEqual(first)
    expect(meter.creditWh).toBe(3000)
  })

  it('enters every token of a delivery in order, one ack each', () => {
    const { meter } = setup()
    const acks = meter.receiveDelivery(
      delivery('d-1', fakeToken('00', 5, 10), '91234567890123456789', fakeToken('00', 5, 10)),
    )
    expect(acks.map((a) => [a.result, a.reason])).toEqual([
      ['accepted', undefined],
      ['rejected', 'CRC'],
      ['rejected', 'USED'],
    ])
  })

  it('maps reasons the link has no word for to OTHER, and survives a decoder that throws', () => {
    expect(ackReasonFor('MANUFACTURER')).toBe('OTHER')
    expect(ackReasonFor('NOT_SUPPORTED')).toBe('OTHER')
    expect(ackReasonFor('LOCKED_OUT')).toBe('LOCKED_OUT')
    const broken: TokenDecoder = {
      enterToken: () => {
        throw new Error('boom')
      },
      exportState: () => null,
    }
    const { meter } = setup({ decoder: broken })
    expect(meter.receiveDelivery(delivery('d-1', fakeToken('00', 1, 1)))[0]).toMatchObject({
      result: 'rejected',
      reason: 'OTHER',
    })
  })

  it('refuses keypad input that is not 20 digits without bothering the decoder', () => {
    const { meter } = setup()
    expect(meter.keypadEntry('1234')).toMatchObject({ result: 'rejected', reason: 'FORMAT' })
    expect(meter.keypadEntry('0000 0000 0100-0000 0010')).toMatchObject({
      result: 'accepted',
      creditedWh: 1000,
    })
    expect(meter.entered).toHaveLength(1)
  })

  it('survives a snapshot and restore with its registers and memory', () => {
    const { clock, meter } = setup()
    meter.receiveDelivery(delivery('d-1', fakeToken('00', 1, 100)))
    clock.advance(HOUR)
    meter.tick(clock.now())
    meter.setTamper(true)
    const snap = JSON.parse(JSON.stringify(meter.snapshot())) as ReturnType<
      SimulatedMeter['snapshot']
    >
    const copy = new SimulatedMeter({
      meterNo: '58101000001',
      profile: 'household',
      decoder: new FakeDecoder(snap.sts),
      clock,
      time: new AcceleratedTime(1, T0),
    })
    copy.restore(snap)
    expect(copy.snapshot()).toEqual(meter.snapshot())
    expect(copy.keypadEntry(fakeToken('00', 1, 100))).toMatchObject({
      result: 'rejected',
      reason: 'USED',
    })
    expect(copy.receiveDelivery(delivery('d-1', fakeToken('00', 1, 100)))[0]?.result).toBe(
      'accepted',
    )
  })
})
