import { SerialPortMock } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import type { BillAcceptorEvent } from '../bill-acceptor/bill-acceptor.ts'
import { Id003Driver } from '../bill-acceptor/id003/driver.ts'
import { Id003Simulator } from '../bill-acceptor/id003/simulator.ts'
import { FAST_DRIVER, FAST_TIMINGS } from '../bill-acceptor/testing.ts'
import { ACCEPTOR_LINE_SETTINGS, SerialTransport, type SerialBinding } from './serial.ts'
import { TransportEmitter, type Transport } from './transport.ts'

/** What we use of @serialport/binding-mock 10.2.2 (its own types are hidden by its "exports"). */
interface MockPortBinding {
  isOpen: boolean
  recording: Buffer
  write(buffer: Buffer): Promise<void>
  emitData(data: Buffer): void
}
type OpenOptions = { path: string; baudRate: number; parity?: string; dataBits?: number }
interface MockBindingLike extends SerialBinding {
  open(options: OpenOptions): Promise<MockPortBinding>
  createPort(path: string, options?: { record?: boolean; echo?: boolean }): void
  reset(): void
}
const MockBinding = SerialPortMock.binding as unknown as MockBindingLike

/**
 * The device end of a MockBinding port (kiosk-hardware.md §5.1): what the host writes reaches the
 * simulator, and what the simulator writes arrives as if read from the wire.
 */
class MockDeviceEnd extends TransportEmitter implements Transport {
  private pb: MockPortBinding | undefined
  readonly opened: OpenOptions[] = []

  /** A binding that hands every opened port to this device end. */
  readonly binding: SerialBinding = {
    ...MockBinding,
    open: async (options: OpenOptions) => {
      const pb = await MockBinding.open(options)
      this.opened.push(options)
      const write = pb.write.bind(pb)
      pb.write = async (buffer: Buffer) => {
        await write(buffer)
        this.emit('data', new Uint8Array(buffer))
      }
      this.pb = pb
      this.emit('open')
      return pb
    },
  }

  get isOpen(): boolean {
    return this.pb?.isOpen ?? false
  }
  open(): Promise<void> {
    return Promise.resolve()
  }
  write(bytes: Uint8Array): Promise<void> {
    if (!this.pb?.isOpen) return Promise.resolve() // nobody listening: bytes fall on the floor
    this.pb.emitData(Buffer.from(bytes))
    return Promise.resolve()
  }
  close(): Promise<void> {
    return Promise.resolve()
  }
}

describe('SerialTransport', () => {
  afterEach(() => MockBinding.reset())

  it('opens a (mock) port with the line settings, writes, reads and closes', async () => {
    MockBinding.createPort('/dev/ttyBV0', { record: true })
    const t = new SerialTransport({
      path: '/dev/ttyBV0',
      binding: MockBinding,
      ...ACCEPTOR_LINE_SETTINGS.id003,
    })
    const seen: string[] = []
    t.on('open', () => seen.push('open'))
    t.on('close', () => seen.push('close'))
    const chunks: number[][] = []
    t.on('data', (c) => chunks.push([...c]))
    expect(t.isOpen).toBe(false)
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' })
    await t.open()
    expect(t.isOpen).toBe(true)
    await t.write(Uint8Array.of(0xfc, 0x05, 0x11, 0x27, 0x56))
    const port = (t as unknown as { port: { port: MockPortBinding; settings: { parity: string } } })
      .port
    expect([...port.port.recording]).toEqual([0xfc, 0x05, 0x11, 0x27, 0x56])
    expect(port.settings.parity).toBe('even')
    port.port.emitData(Buffer.from([0xfc, 0x05, 0x1a]))
    await new Promise((r) => setTimeout(r, 20))
    expect(chunks.flat()).toEqual([0xfc, 0x05, 0x1a])
    await t.close()
    expect(t.isOpen).toBe(false)
    expect(seen).toEqual(['open', 'close'])
  })

  it('rejects open() for a port that does not exist', async () => {
    const t = new SerialTransport({ path: '/dev/nothing-here', binding: MockBinding })
    await expect(t.open()).rejects.toThrow()
    expect(t.isOpen).toBe(false)
  })

  describe('an ID-003 driver over a mock serial port, the simulator at the other end', () => {
    let stop: (() => Promise<void>) | undefined
    afterEach(async () => {
      await stop?.()
      stop = undefined
    })

    it('takes a note end to end', async () => {
      MockBinding.createPort('/dev/ttyBV1')
      const device = new MockDeviceEnd()
      const sim = new Id003Simulator(device, { timings: FAST_TIMINGS })
      await sim.start()
      const transport = new SerialTransport({
        path: '/dev/ttyBV1',
        binding: device.binding,
        ...ACCEPTOR_LINE_SETTINGS.id003,
      })
      const driver = new Id003Driver(transport, FAST_DRIVER)
      const events: BillAcceptorEvent[] = []
      driver.on((e) => events.push(e))
      const credits: number[] = []
      driver.setCreditHandler(({ valueFen }) => {
        credits.push(valueFen)
        return Promise.resolve()
      })
      stop = async () => {
        await driver.stop()
        await sim.stop()
      }
      await driver.start()
      expect(device.opened[0]).toMatchObject({ baudRate: 9600, parity: 'even', dataBits: 8 })
      await driver.enable()
      expect(sim.insertNote(5000)).toBe(true)
      const until = async (pred: () => boolean): Promise<void> => {
        for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10))
      }
      await until(() => events.some((e) => e.type === 'noteEscrowed'))
      await driver.stack()
      await until(() => credits.length > 0)
      expect(credits).toEqual([5000])
      expect(sim.cassette().totalFen).toBe(5000)
    })
  })
})
