import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLink } from '../../transport/memory.ts'
import type { BillAcceptorEvent } from '../bill-acceptor.ts'
import { concatBytes, toHex } from '../support.ts'
import { createRig, delay, FAST_DRIVER, FAST_TIMINGS, type Rig } from '../testing.ts'
import { Cmd, decode, encode, Reply, STEX, type SspPacket } from './codec.ts'
import { SspDriver } from './driver.ts'
import {
  aesKey,
  decryptPayload,
  DEFAULT_FIXED_KEY,
  encryptPayload,
  modPow,
  readU64le,
  u64le,
} from './essp.ts'
import { SspSimulator } from './simulator.ts'

describe('SSP driver and simulator, byte level', () => {
  let rig: Rig | undefined
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    await rig?.close()
    rig = undefined
    for (const c of cleanups.splice(0)) await c()
  })

  it('opens with SYNC (7F 80 01 11 65 82), negotiates a key in clear, then encrypts everything', async () => {
    rig = await createRig('ssp', { noStart: true })
    const frames: string[] = []
    const commands: { code: number; encrypted: boolean }[] = []
    rig.sim.onEvent((e) => {
      if (e.type === 'rx') frames.push(toHex(e.frame))
      if (e.type === 'command') commands.push({ code: e.code, encrypted: e.encrypted })
    })
    await rig.driver.start()
    expect(frames[0]).toBe('7F 80 01 11 65 82')
    expect(frames[1]).toBe('7F 00 02 06 06 ' + frames[1]!.slice(15)) // HOST PROTOCOL VERSION 6, flag cleared
    expect(commands.slice(0, 5)).toEqual([
      { code: Cmd.SYNC, encrypted: false },
      { code: Cmd.HOST_PROTOCOL_VERSION, encrypted: false },
      { code: Cmd.SET_GENERATOR, encrypted: false },
      { code: Cmd.SET_MODULUS, encrypted: false },
      { code: Cmd.REQUEST_KEY_EXCHANGE, encrypted: false },
    ])
    const after = commands.slice(5)
    expect(after.map((c) => c.code).slice(0, 4)).toEqual([
      Cmd.SETUP_REQUEST,
      Cmd.CHANNEL_VALUE_REQUEST,
      Cmd.SET_CHANNEL_INHIBITS,
      Cmd.DISABLE,
    ])
    expect(after.every((c) => c.encrypted)).toBe(true)
    // the sequence flag alternates on every new command
    const flags = frames.map((f) => f.slice(3, 5))
    for (let i = 1; i < flags.length; i++) expect(flags[i]).not.toBe(flags[i - 1])
  })

  it('holds (0x18) instead of polling while a note waits in escrow, and polls to accept it', async () => {
    rig = await createRig('ssp')
    const commands: number[] = []
    rig.sim.onEvent((e) => {
      if (e.type === 'command') commands.push(e.code)
    })
    await rig.driver.enable([2000])
    rig.sim.insertNote(2000)
    await rig.next('noteEscrowed')
    commands.length = 0
    await delay(80)
    expect(commands.filter((c) => c === Cmd.HOLD).length).toBeGreaterThan(2)
    expect(commands).not.toContain(Cmd.POLL_WITH_ACK) // a poll would have accepted the note
    expect(rig.sim.snapshot().escrowValueFen).toBe(2000)
    await rig.driver.stack()
    await rig.next('noteCredited')
    expect(commands).toContain(Cmd.POLL_WITH_ACK)
    // EVENT ACK follows the poll that carried CREDIT NOTE
    const i = commands.lastIndexOf(Cmd.EVENT_ACK)
    expect(i).toBeGreaterThan(0)
  })

  it('a lost reply is retransmitted with the same flag and replayed, not executed twice', async () => {
    rig = await createRig('ssp', {
      sim: { faults: { dropProbability: 0.25, seed: 11 } },
      driver: { offlineAfterFailures: 8, retransmits: 3 },
    })
    const rx: string[] = []
    let executed = 0
    rig.sim.onEvent((e) => {
      if (e.type === 'rx') rx.push(toHex(e.frame))
      if (e.type === 'command') executed++
    })
    await rig.driver.enable()
    for (const v of [1000, 5000]) {
      const from = rig.events.length
      rig.sim.insertNote(v)
      await rig.next('noteEscrowed', { from })
      await rig.driver.stack()
      await rig.next('noteCredited', { from })
      await rig.until(() => rig!.driver.state === 'enabled')
    }
    expect(rig.credits.map((c) => c.valueFen)).toEqual([1000, 5000])
    const repeats = rx.filter((f, i) => i > 0 && f === rx[i - 1]).length
    expect(repeats).toBeGreaterThan(0)
    expect(executed).toBeLessThan(rx.length) // retransmissions were replayed
    expect(rig.sim.cassette().totalFen).toBe(6000)
  })

  it('the unit ignores a replayed encrypted packet (eCOUNT)', async () => {
    const link = createMemoryLink()
    const sim = new SspSimulator(link.device, { timings: FAST_TIMINGS })
    await sim.start()
    await link.host.open()
    let rx: Uint8Array = new Uint8Array(0)
    const replies: SspPacket[] = []
    link.host.on('data', (c) => {
      rx = concatBytes(rx, c)
      for (;;) {
        const r = decode(rx)
        rx = r.rest
        if (r.kind === 'incomplete') break
        if (r.kind === 'frame') replies.push(r.frame)
      }
    })
    cleanups.push(() => sim.stop())
    let seq: 0 | 1 = 0
    const send = async (
      data: Uint8Array,
      s: 0 | 1 = (seq = seq ? 0 : 1),
    ): Promise<SspPacket | undefined> => {
      const n = replies.length
      await link.host.write(encode({ seq: s, address: 0, data }))
      await delay(20)
      return replies[n]
    }
    seq = 0
    await send(Uint8Array.of(Cmd.SYNC))
    const g = 1000003n
    const m = 4294967311n
    await send(Uint8Array.of(Cmd.SET_GENERATOR, ...u64le(g)))
    await send(Uint8Array.of(Cmd.SET_MODULUS, ...u64le(m)))
    const secret = 123456789n
    const kx = await send(Uint8Array.of(Cmd.REQUEST_KEY_EXCHANGE, ...u64le(modPow(g, secret, m))))
    expect(kx?.data[0]).toBe(Reply.OK)
    const key = aesKey(DEFAULT_FIXED_KEY, modPow(readU64le(kx!.data, 1), secret, m))
    const poll = encryptPayload(key, 0, Uint8Array.of(Cmd.POLL_WITH_ACK))
    const first = await send(poll)
    expect(first?.data[0]).toBe(STEX)
    const plain = decryptPayload(key, first!.data)
    expect(plain.ok && plain.count).toBe(0)
    expect(plain.ok && plain.data[0]).toBe(Reply.OK)
    // the same encrypted bytes under a new sequence flag: count 0 again, the unit expects 1
    expect(await send(poll)).toBeUndefined()
    // the right count is answered
    const next = await send(encryptPayload(key, 1, Uint8Array.of(Cmd.POLL_WITH_ACK)))
    expect(next && decryptPayload(key, next.data).ok).toBe(true)
    // POLL WITH ACK in clear is refused: the unit insists on encryption
    expect((await send(Uint8Array.of(Cmd.POLL_WITH_ACK)))?.data[0]).toBe(Reply.KEY_NOT_SET)
  })

  it('a CREDIT NOTE still pending when the host starts is reported suspect and never credited', async () => {
    const link = createMemoryLink()
    const sim = new SspSimulator(link.device, {
      timings: FAST_TIMINGS,
      faults: { neverAckCredit: true },
    })
    await sim.start()
    cleanups.push(() => sim.stop())
    // host A takes a note, credits it, and dies before the unit accepts its EVENT ACK
    const a = new SspDriver(link.host, FAST_DRIVER)
    let creditsA = 0
    a.setCreditHandler(() => {
      creditsA++
      return Promise.resolve()
    })
    await a.start()
    await a.enable()
    const escrowed = new Promise<void>((r) => a.on((e) => e.type === 'noteEscrowed' && r()))
    sim.insertNote(10000)
    await escrowed
    await a.stack()
    for (let i = 0; i < 100 && creditsA === 0; i++) await delay(10)
    await a.stop()
    expect(creditsA).toBe(1)
    // host B starts on the same unit: the CREDIT NOTE is repeated to it
    const b = new SspDriver(link.host, FAST_DRIVER)
    const events: BillAcceptorEvent[] = []
    b.on((e) => events.push(e))
    let creditsB = 0
    b.setCreditHandler(() => {
      creditsB++
      return Promise.resolve()
    })
    cleanups.push(() => b.stop())
    await b.start()
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'suspectNote'); i++) await delay(10)
    expect(events).toContainEqual({ type: 'suspectNote', where: 'stacker', valueFen: 10000 })
    sim.setFaults({ neverAckCredit: false })
    await delay(80)
    expect(creditsB).toBe(0)
  })

  it('a short power blip: the encrypted poll gets KEY NOT SET, the driver renegotiates and restores enable', async () => {
    rig = await createRig('ssp', { driver: { offlineAfterFailures: 50 } })
    await rig.driver.enable()
    rig.sim.powerCut()
    rig.sim.powerOn()
    await rig.until(() => rig!.sim.snapshot().enabled, 3000, 'enabled again after the restart')
    expect(rig.count('offline')).toBe(0)
    const from = rig.events.length
    rig.sim.insertNote(500)
    await rig.next('noteEscrowed', { from })
    await rig.driver.stack()
    await rig.next('noteCredited', { from })
  })

  it('LAST REJECT CODE names the reason of a reject that never reached escrow', async () => {
    rig = await createRig('ssp')
    await rig.driver.enable()
    rig.sim.insertFake()
    expect((await rig.next('noteRejected')).reason).toMatch(/not recognised/)
  })
})
