import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLink } from '../../transport/memory.ts'
import type { Transport } from '../../transport/transport.ts'
import type { BillAcceptorEvent } from '../bill-acceptor.ts'
import { concatBytes, toHex } from '../support.ts'
import { createRig, delay, FAST_DRIVER, type Rig } from '../testing.ts'
import {
  Cmd,
  decode,
  encode,
  encodeCurrencyAssign,
  frame,
  Status,
  type Id003Frame,
} from './codec.ts'
import { Id003Driver } from './driver.ts'
import { Id003Simulator } from './simulator.ts'

/** A hand-scripted ID-003 unit: answers each decoded command with `respond`. */
function scriptedDevice(
  device: Transport,
  respond: (f: Id003Frame) => Uint8Array | undefined,
): Id003Frame[] {
  const received: Id003Frame[] = []
  let rx: Uint8Array = new Uint8Array(0)
  device.on('data', (chunk) => {
    rx = concatBytes(rx, chunk)
    for (;;) {
      const r = decode(rx)
      rx = r.rest
      if (r.kind === 'incomplete') break
      if (r.kind !== 'frame') continue
      received.push(r.frame)
      const out = respond(r.frame)
      if (out) void device.write(out)
    }
  })
  return received
}

const TABLE = encodeCurrencyAssign(
  [100, 500, 1000, 2000, 5000, 10000].map((valueFen, i) => ({
    escrowCode: 0x61 + i,
    country: 0x8c,
    valueFen,
  })),
)

/** Answers everything the init sequence needs; `status()` decides what STATUS REQUEST returns. */
function basicUnit(
  status: () => Uint8Array,
  onAck?: () => void,
): (f: Id003Frame) => Uint8Array | undefined {
  return (f) => {
    if (f.cmd === Cmd.STATUS_REQUEST) return status()
    if (f.cmd === Cmd.RESET || f.cmd === Cmd.STACK_1 || f.cmd === Cmd.RETURN || f.cmd === Cmd.HOLD)
      return frame(Status.ACK)
    if (f.cmd === Cmd.ACK) {
      onAck?.()
      return undefined
    }
    if (f.cmd === Cmd.GET_CURRENCY_ASSIGN) return encode({ cmd: f.cmd, data: TABLE })
    if (f.cmd >= 0xc0 && f.cmd <= 0xc5) return encode(f)
    return frame(Status.INVALID_COMMAND)
  }
}

describe('ID-003 driver, byte level', () => {
  let rig: Rig | undefined
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    await rig?.close()
    rig = undefined
    for (const c of cleanups.splice(0)) await c()
  })

  it('initialises with RESET, reads 0x8A and sets C0/C1/C2/C3 (§2.1 initialization), and toggles C3', async () => {
    const sent: string[] = []
    rig = await createRig('id003', { noStart: true })
    rig.sim.onEvent((e) => {
      if (e.type === 'rx') sent.push(toHex(e.frame))
    })
    await rig.driver.start()
    const init = sent.filter((h) => h !== 'FC 05 11 27 56')
    expect(sent[0]).toBe('FC 05 11 27 56')
    expect(init.slice(0, 2)).toEqual(['FC 05 40 2B 15', toHex(frame(Cmd.GET_CURRENCY_ASSIGN))])
    expect(init).toContain(toHex(frame(Cmd.SET_COMMUNICATION_MODE, 0)))
    expect(init).toContain('FC 07 C0 00 00 2D B5')
    expect(init.at(-1)).toBe('FC 06 C3 01 8D C7')
    sent.length = 0
    await rig.driver.enable()
    expect(sent.filter((h) => h !== 'FC 05 11 27 56')).toEqual([
      'FC 07 C0 00 00 2D B5',
      'FC 06 C3 00 04 D6',
    ])
    sent.length = 0
    await rig.driver.enable([100, 10000])
    // bits 1..4 inhibit 5, 10, 20, 50 yuan (escrow codes 0x62..0x65)
    expect(sent.filter((h) => h !== 'FC 05 11 27 56')[0]).toBe(
      toHex(frame(Cmd.SET_DENOMINATION, 0x1e, 0x00)),
    )
    sent.length = 0
    await rig.driver.disable()
    expect(sent.filter((h) => h !== 'FC 05 11 27 56')).toContain('FC 06 C3 01 8D C7')
  })

  it('sends STACK-1, then ACK (FC 05 50 AA 05) only after VEND VALID and the credit', async () => {
    rig = await createRig('id003')
    const sent: string[] = []
    rig.sim.onEvent((e) => {
      if (e.type === 'rx' && toHex(e.frame) !== 'FC 05 11 27 56') sent.push(toHex(e.frame))
    })
    await rig.driver.enable()
    rig.sim.insertNote(10000)
    await rig.next('noteEscrowed')
    await rig.driver.stack()
    await rig.next('noteCredited')
    await rig.until(() => rig!.driver.state === 'enabled')
    expect(sent.slice(-2)).toEqual(['FC 05 41 A2 04', 'FC 05 50 AA 05'])
  })

  it("the unit's own escrow timeout (reject 0x79) is a return, not a reject", async () => {
    rig = await createRig('id003', {
      sim: { timings: { escrowTimeoutMs: 120 } },
      driver: { escrowTimeoutMs: 60_000 },
    })
    await rig.driver.enable()
    rig.sim.insertNote(2000)
    await rig.next('noteEscrowed')
    const returned = await rig.next('noteReturned')
    expect(returned.valueFen).toBe(2000)
    expect(rig.count('noteRejected')).toBe(0)
    expect(rig.credits).toHaveLength(0)
  })

  it('a VEND VALID already pending at start is acknowledged and reported suspect, never credited', async () => {
    const link = createMemoryLink()
    let acked = false
    let reset = false
    scriptedDevice(
      link.device,
      basicUnit(
        () => frame(reset ? Status.DISABLE : acked ? Status.STACKED : Status.VEND_VALID),
        () => (acked = true),
      ),
    )
    link.device.on('data', (c) => {
      if (toHex(c).includes('40 2B 15')) reset = true
    })
    await link.device.open()
    const driver = new Id003Driver(link.host, FAST_DRIVER)
    const events: BillAcceptorEvent[] = []
    driver.on((e) => events.push(e))
    let credited = 0
    driver.setCreditHandler(() => {
      credited++
      return Promise.resolve()
    })
    cleanups.push(() => driver.stop())
    await driver.start()
    expect(acked).toBe(true)
    expect(events).toContainEqual({ type: 'suspectNote', where: 'stacker' })
    expect(credited).toBe(0)
  })

  it('POWER UP WITH BILL IN ACCEPTOR (0x41) is reported as a suspect note in the acceptor', async () => {
    rig = await createRig('id003')
    await rig.driver.enable()
    rig.sim.insertNote(500)
    await rig.next('noteEscrowed')
    rig.sim.powerCut()
    await rig.next('offline')
    rig.sim.powerOn()
    const suspect = await rig.next('suspectNote')
    expect(suspect).toEqual({ type: 'suspectNote', where: 'acceptor', valueFen: 500 })
    await rig.next('online')
    expect(rig.sim.cassette().totalFen).toBe(0) // returned to the customer after RESET
    expect(rig.credits).toHaveLength(0)
  })

  it('a stray VEND VALID while idle is acknowledged but not credited', async () => {
    const link = createMemoryLink()
    let stray = false
    const received = scriptedDevice(
      link.device,
      basicUnit(() => {
        if (stray) {
          stray = false
          return frame(Status.VEND_VALID)
        }
        return frame(Status.DISABLE)
      }),
    )
    await link.device.open()
    const driver = new Id003Driver(link.host, FAST_DRIVER)
    let credited = 0
    driver.setCreditHandler(() => {
      credited++
      return Promise.resolve()
    })
    cleanups.push(() => driver.stop())
    await driver.start()
    stray = true
    await delay(60)
    expect(received.some((f) => f.cmd === Cmd.ACK)).toBe(true)
    expect(credited).toBe(0)
  })

  it('FAILURE (0x49) becomes a fault event with the detail code', async () => {
    const link = createMemoryLink()
    let failing = false
    scriptedDevice(
      link.device,
      basicUnit(() => (failing ? frame(Status.FAILURE, 0xa2) : frame(Status.DISABLE))),
    )
    await link.device.open()
    const driver = new Id003Driver(link.host, FAST_DRIVER)
    const events: BillAcceptorEvent[] = []
    driver.on((e) => events.push(e))
    cleanups.push(() => driver.stop())
    await driver.start()
    failing = true
    await delay(60)
    expect(events).toContainEqual({ type: 'fault', code: 'ID003_FAILURE_0xa2 (stack motor)' })
    expect(driver.state).toBe('fault')
    failing = false
    await delay(60)
    expect(driver.state).toBe('disabled')
  })

  it('start() rejects with ERR_DEVICE_OFFLINE when nothing answers, and comes online later', async () => {
    const link = createMemoryLink()
    let alive = false
    scriptedDevice(link.device, (f) =>
      alive ? basicUnit(() => frame(Status.DISABLE))(f) : undefined,
    )
    await link.device.open()
    const driver = new Id003Driver(link.host, { ...FAST_DRIVER, startTimeoutMs: 200 })
    cleanups.push(() => driver.stop())
    await expect(driver.start()).rejects.toMatchObject({ code: 'ERR_DEVICE_OFFLINE' })
    const online = new Promise<void>((resolve) =>
      driver.on((e) => e.type === 'online' && resolve()),
    )
    alive = true
    await online
    expect(driver.state).toBe('disabled')
  })

  it('stop() leaves the unit inhibited', async () => {
    rig = await createRig('id003')
    await rig.driver.enable()
    expect(rig.sim.snapshot().enabled).toBe(true)
    await rig.driver.stop()
    expect(rig.sim.snapshot().enabled).toBe(false)
  })

  it('runs on fake timers too: the default 9 s escrow window returns an undecided note', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    })
    try {
      const link = createMemoryLink()
      const sim = new Id003Simulator(link.device) // default timings: 400 ms validation, 10 s escrow
      await sim.start()
      const driver = new Id003Driver(link.host) // default options: 150 ms polls, 9 s decision window
      const events: BillAcceptorEvent[] = []
      driver.on((e) => events.push(e))
      const started = driver.start()
      await vi.advanceTimersByTimeAsync(2000)
      await started
      const enabled = driver.enable()
      await vi.advanceTimersByTimeAsync(500)
      await enabled
      expect(sim.insertNote(10000)).toBe(true)
      await vi.advanceTimersByTimeAsync(1000)
      expect(events.filter((e) => e.type === 'noteEscrowed')).toEqual([
        { type: 'noteEscrowed', valueFen: 10000 },
      ])
      await vi.advanceTimersByTimeAsync(7000)
      expect(events.some((e) => e.type === 'noteReturned')).toBe(false)
      await vi.advanceTimersByTimeAsync(2000) // past 9 s: the driver sends RETURN before the unit's 10 s
      expect(events).toContainEqual({ type: 'noteReturned', valueFen: 10000 })
      const stopped = driver.stop()
      await vi.advanceTimersByTimeAsync(2000)
      await stopped
      await sim.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})
