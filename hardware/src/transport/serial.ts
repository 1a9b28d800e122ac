import type { SerialPortStream } from '@serialport/stream'
import { TransportClosedError, TransportEmitter, type Transport } from './transport.ts'

/**
 * A Transport over a serial port (kiosk-hardware.md §7.1). `serialport` is imported only when a
 * port is opened, so code and tests that never touch a device never load the native binding.
 * Pass `binding` (e.g. @serialport/binding-mock's MockBinding) to run on a fake port instead.
 */
export interface SerialTransportOptions {
  path: string
  /** Default 9600 (ID-003 and SSP both run at 9600). */
  baudRate?: number
  /** ID-003: 'even'; SSP: 'none' (the default). */
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space'
  dataBits?: 5 | 6 | 7 | 8
  stopBits?: 1 | 2
  /** A @serialport/bindings-interface binding; default: the platform binding that `serialport` picks. */
  binding?: SerialBinding
}

/**
 * The shape of a @serialport/bindings-interface binding, declared here because that package (and
 * binding-mock) ship types their package.json "exports" hide from moduleResolution "Bundler".
 */
export interface SerialBinding {
  open(options: { path: string; baudRate: number }): Promise<unknown>
  list(): Promise<unknown[]>
}

/** Line settings per acceptor protocol (§2.1: 9600 8E1; §2.3: 9600 8N1). */
export const ACCEPTOR_LINE_SETTINGS = {
  id003: { baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 1 },
  ssp: { baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 2 },
} as const satisfies Record<string, Omit<SerialTransportOptions, 'path' | 'binding'>>

export class SerialTransport extends TransportEmitter implements Transport {
  private port: SerialPortStream | undefined
  private opening: Promise<void> | undefined

  constructor(private readonly options: SerialTransportOptions) {
    super()
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  get path(): string {
    return this.options.path
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve()
    this.opening ??= this.doOpen().finally(() => {
      this.opening = undefined
    })
    return this.opening
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port
    if (!port?.isOpen) return Promise.reject(new TransportClosedError())
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => {
        if (err) reject(err)
        else port.drain((e) => (e ? reject(e) : resolve()))
      })
    })
  }

  close(): Promise<void> {
    const port = this.port
    if (!port?.isOpen) return Promise.resolve()
    return new Promise((resolve) => {
      port.close(() => resolve())
    })
  }

  private async doOpen(): Promise<void> {
    const o = this.options
    const settings = {
      path: o.path,
      baudRate: o.baudRate ?? 9600,
      parity: o.parity ?? 'none',
      dataBits: o.dataBits ?? 8,
      stopBits: o.stopBits ?? 1,
      autoOpen: false,
    }
    let port: SerialPortStream
    if (o.binding) {
      const { SerialPortStream: Stream } = await import('@serialport/stream')
      port = new Stream({ ...settings, binding: o.binding })
    } else {
      const { SerialPort } = await import('serialport')
      port = new SerialPort(settings)
    }
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    )
    port.on('data', (chunk: Buffer) => this.emit('data', new Uint8Array(chunk)))
    port.on('error', (err: Error) => this.emit('error', err))
    port.on('close', (err?: Error | null) => {
      if (this.port === port) this.port = undefined
      // err.disconnected: the adapter went away (USB pulled); the driver reconnects with open()
      this.emit('close', err ?? undefined)
    })
    this.port = port
    this.emit('open')
  }
}
