import { ManualClock } from '@gridtill/shared'
import { describe, expect, it } from 'vitest'
import { encodeCardReport } from './codec.ts'
import { createCardReader, type CardReaderEvent } from './driver.ts'
import { CardReaderSimulator, createSimulatedCardReader, type SimCard } from './simulator.ts'

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms))
const resident: SimCard = { uid: '04A1B2C3', cardNo: '1000000001', kind: 'resident' }
const cashier: SimCard = {
  uid: '04FF0011223344',
  cardNo: '9000000001',
  kind: 'staff',
  role: 'cashier',
}

function rig(options: Parameters<typeof createSimulatedCardReader>[0] = {}) {
  const clock = new ManualClock()
  const warnings: object[] = []
  const { reader, simulator } = createSimulatedCardReader({
    ...options,
    reader: { clock, log: { warn: (obj) => warnings.push(obj) }, ...options.reader },
  })
  const events: CardReaderEvent[] = []
  reader.on((e) => events.push(e))
  return { reader, simulator, clock, events, warnings }
}

describe('card reader driver with the simulator (raw mode)', () => {
  it('comes online and reads a resident card', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    expect(reader.online).toBe(true)
    simulator.tap(resident)
    await tick()
    expect(events).toEqual([
      { type: 'online' },
      { type: 'cardRead', uid: '04A1B2C3', cardNo: '1000000001', cardKind: 'resident' },
    ])
    await reader.stop()
  })

  it('reads a staff card with its role', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    simulator.tap(cashier)
    await tick()
    expect(events.at(-1)).toEqual({
      type: 'cardRead',
      uid: '04FF0011223344',
      cardNo: '9000000001',
      cardKind: 'staff',
      staffRole: 'cashier',
    })
  })

  it('emits one event per tap while the card rests on the reader', async () => {
    const { reader, simulator, clock, events } = rig()
    await reader.start()
    for (let i = 0; i < 10; i++) {
      simulator.tap(resident, { repeats: 2 })
      await tick(1)
      clock.advance(300) // the reader repeats every 300 ms: the window keeps sliding
    }
    expect(events.filter((e) => e.type === 'cardRead')).toHaveLength(1)
  })

  it('reads the same card again once it has been away for the debounce time', async () => {
    const { reader, simulator, clock, events } = rig()
    await reader.start()
    simulator.tap(resident)
    await tick()
    clock.advance(1499)
    simulator.tap(resident)
    await tick()
    clock.advance(1500)
    simulator.tap(resident)
    await tick()
    expect(events.filter((e) => e.type === 'cardRead')).toHaveLength(2)
  })

  it('does not debounce different cards', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    simulator.tap(resident)
    simulator.tap(cashier)
    simulator.tap(resident)
    await tick()
    expect(
      events.filter((e) => e.type === 'cardRead').map((e) => e.type === 'cardRead' && e.uid),
    ).toEqual(['04A1B2C3', '04FF0011223344'])
  })

  it('ignores garbage with a logged reason and keeps reading', async () => {
    const { reader, simulator, events, warnings } = rig()
    await reader.start()
    for (let i = 0; i < 8; i++) simulator.tapGarbage()
    simulator.tap(resident)
    await tick()
    const bad = events.filter((e) => e.type === 'badReport')
    expect(bad).toHaveLength(8)
    for (const e of bad)
      expect(e).toMatchObject({
        code: 'ERR_HID_REPORT_MALFORMED',
        reason: expect.any(String) as string,
      })
    expect(warnings).toHaveLength(8)
    expect(events.at(-1)).toMatchObject({ type: 'cardRead', cardNo: '1000000001' })
  })

  it('reports short and oversize reports', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    simulator.sendReport(
      encodeCardReport({ uid: '04A1B2C3', cardNo: '1', cardKind: 'resident' }).subarray(0, 8),
    )
    simulator.sendReport(new Uint8Array(65))
    await tick()
    expect(events.slice(1).map((e) => e.type === 'badReport' && e.reason)).toEqual([
      'short report: 8 of 64 bytes',
      'oversize report: 65 of 64 bytes',
    ])
  })

  it('goes offline when unplugged and online when plugged back, then reads again', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    simulator.unplug()
    expect(reader.online).toBe(false)
    simulator.tap(resident) // nobody hears it
    simulator.replug()
    expect(reader.online).toBe(true)
    simulator.tap(cashier)
    await tick()
    expect(events).toEqual([
      { type: 'online' },
      { type: 'offline', reason: 'HID device unplugged' },
      { type: 'online' },
      expect.objectContaining({ type: 'cardRead', cardNo: '9000000001' }),
    ])
  })

  it('starts offline when the reader is missing and comes online when it is plugged in', async () => {
    const { reader, simulator, events } = rig({ unplugged: true })
    await reader.start()
    expect(reader.online).toBe(false)
    simulator.replug()
    expect(events).toEqual([
      { type: 'offline', reason: 'reader not connected' },
      { type: 'online' },
    ])
  })

  it('survives a listener that throws', async () => {
    const { reader, simulator, events } = rig()
    reader.on(() => {
      throw new Error('boom')
    })
    await reader.start()
    simulator.tap(resident)
    await tick()
    expect(events.at(-1)).toMatchObject({ type: 'cardRead' })
  })

  it('stops listening after stop()', async () => {
    const { reader, simulator, events } = rig()
    await reader.start()
    await reader.stop()
    simulator.tap(resident)
    simulator.unplug()
    await tick()
    expect(events).toEqual([{ type: 'online' }])
    expect(reader.online).toBe(false)
  })

  it('unsubscribes a listener', async () => {
    const sim = new CardReaderSimulator()
    const reader = createCardReader(sim.transport)
    const seen: CardReaderEvent[] = []
    const off = reader.on((e) => seen.push(e))
    off()
    await reader.start()
    expect(seen).toEqual([])
  })
})

describe('card reader driver in keyboard-wedge mode', () => {
  it('reads the typed card number as a resident card', async () => {
    const { reader, simulator, events } = rig({ mode: 'wedge' })
    await reader.start()
    simulator.tap(resident)
    await tick()
    expect(events.at(-1)).toEqual({
      type: 'cardRead',
      uid: '1000000001',
      cardNo: '1000000001',
      cardKind: 'resident',
    })
  })

  it('classifies staff cards with the classify option', async () => {
    const { reader, simulator, events } = rig({
      mode: 'wedge',
      reader: {
        wedge: {
          classify: (no) =>
            no.startsWith('9')
              ? { cardKind: 'staff', staffRole: 'field' }
              : { cardKind: 'resident' },
        },
      },
    })
    await reader.start()
    simulator.tap(cashier)
    await tick()
    expect(events.at(-1)).toEqual({
      type: 'cardRead',
      uid: '9000000001',
      cardNo: '9000000001',
      cardKind: 'staff',
      staffRole: 'field',
    })
  })

  it('debounces wedge taps and reports garbage', async () => {
    const { reader, simulator, events } = rig({ mode: 'wedge' })
    await reader.start()
    simulator.tap(resident)
    simulator.tap(resident)
    simulator.tapGarbage()
    simulator.tapGarbage()
    await tick()
    expect(events.filter((e) => e.type === 'cardRead')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'badReport').length).toBeGreaterThanOrEqual(2)
  })

  it('rejects typed letters as a card number', async () => {
    const { reader, simulator, events } = rig({ mode: 'wedge' })
    await reader.start()
    simulator.tap({ uid: '04A1B2C3', cardNo: 'AB12', kind: 'resident' })
    await tick()
    expect(events.at(-1)).toEqual({
      type: 'badReport',
      code: 'ERR_HID_REPORT_MALFORMED',
      reason: 'typed input is not a card number',
    })
  })
})
