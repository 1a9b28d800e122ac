import type * as NodeHid from 'node-hid'
import { TransportClosedError, TransportEmitter, type TransportEvents } from './transport.ts'

/**
 * A HID device as the drivers see it (kiosk-hardware.md §5.3): whole input reports in, output
 * reports out. Same events as Transport, but each `data` is exactly one report, never a slice
 * of a stream. `open()` does not fail when the device is absent: the transport keeps looking
 * and emits `open` when the device appears, `close` when it goes.
 */
export interface HidTransport {
  readonly isOpen: boolean
  /** Starts using the device (now, or when it is plugged in). Rejects only if HID is unusable. */
  open(): Promise<void>
  /** Writes one output report; the first byte is the report id (0x00 when reports are unnumbered). */
  write(report: Uint8Array): Promise<number>
  /** Stops using the device and stops looking for it. */
  close(): Promise<void>
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void
}

type NodeHidModule = Pick<typeof NodeHid, 'devicesAsync' | 'HIDAsync' | 'setDriverType'>
type HidDeviceHandle = Pick<NodeHid.HIDAsync, 'on' | 'removeAllListeners' | 'write' | 'close'>

export interface NodeHidTransportOptions {
  vendorId: number
  productId: number
  /** Picks the interface when the reader exposes several (e.g. a keyboard and a vendor one). */
  usagePage?: number
  interface?: number
  /** How often to look for the device while it is absent. Default 2000 ms. */
  pollMs?: number
  /** Share the device with the OS (macOS permission prompt); default false. */
  nonExclusive?: boolean
  /** 'libusb' detaches the kernel driver, so keystrokes of a wedge reader stop reaching the browser (§3.1). */
  driverType?: 'hidraw' | 'libusb'
  /** Loads node-hid; tests inject a fake. Default: a lazy `import('node-hid')`. */
  load?: () => Promise<NodeHidModule>
}

/**
 * Loaded only when a real reader is opened: node-hid's prebuilds need libusb-1.0 on Linux, and
 * unit tests must never require it (§5.3).
 */
async function loadNodeHid(): Promise<NodeHidModule> {
  const mod = (await import('node-hid')) as unknown as NodeHidModule & { default?: NodeHidModule }
  return mod.default ?? mod
}

export class NodeHidTransport extends TransportEmitter implements HidTransport {
  private device: HidDeviceHandle | undefined
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private hid: NodeHidModule | undefined
  private readonly pollMs: number

  constructor(private readonly options: NodeHidTransportOptions) {
    super()
    this.pollMs = options.pollMs ?? 2000
  }

  get isOpen(): boolean {
    return this.device !== undefined
  }

  async open(): Promise<void> {
    if (this.running) return
    this.running = true
    this.hid = await (this.options.load ?? loadNodeHid)()
    if (this.options.driverType) this.hid.setDriverType(this.options.driverType)
    await this.attempt()
  }

  async write(report: Uint8Array): Promise<number> {
    const device = this.device
    if (!device) throw new TransportClosedError('HID device not connected')
    try {
      return await device.write(Buffer.from(report))
    } catch (err) {
      this.lost(asError(err))
      throw err
    }
  }

  async close(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const device = this.device
    this.device = undefined
    if (!device) return
    device.removeAllListeners()
    await device.close().catch(() => undefined)
    this.emit('close')
  }

  /** One look for the device; on failure, look again in pollMs. */
  private async attempt(): Promise<void> {
    try {
      await this.tryOpen()
    } catch (err) {
      this.emit('error', asError(err))
    }
    if (!this.device) this.schedule()
  }

  private schedule(): void {
    if (!this.running || this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.attempt()
    }, this.pollMs)
    // A missing reader must not keep a process alive that is otherwise done.
    this.timer.unref?.()
  }

  private async tryOpen(): Promise<void> {
    const hid = this.hid
    if (!hid || this.device) return
    const { vendorId, productId, usagePage, interface: iface } = this.options
    const found = (await hid.devicesAsync(vendorId, productId)).find(
      (d) =>
        d.path &&
        (usagePage === undefined || d.usagePage === usagePage) &&
        (iface === undefined || d.interface === iface),
    )
    if (!found?.path) return
    const device = await hid.HIDAsync.open(found.path, {
      nonExclusive: this.options.nonExclusive ?? false,
    })
    if (!this.running) {
      await device.close().catch(() => undefined)
      return
    }
    this.device = device
    device.on('data', (buf: Buffer) => this.emit('data', new Uint8Array(buf)))
    // node-hid reports an unplugged device as a read error.
    device.on('error', (err: unknown) => this.lost(asError(err)))
    this.emit('open')
  }

  private lost(reason: Error): void {
    const device = this.device
    if (!device) return
    this.device = undefined
    device.removeAllListeners()
    device.close().catch(() => undefined)
    this.emit('close', reason)
    this.schedule()
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

export function createNodeHidTransport(options: NodeHidTransportOptions): HidTransport {
  return new NodeHidTransport(options)
}
