import { TransportClosedError, TransportEmitter, type Transport } from './transport.ts'

/**
 * An in-memory cable between a host (the driver) and a device (the simulator), like
 * @serialport/binding-mock but two-sided. Bytes arrive asynchronously and, when asked, split
 * into small chunks, the way a UART delivers them. `unplug()` / `replug()` simulate a pulled cable.
 */
export interface MemoryLinkOptions {
  /** Deliver writes in chunks of at most this many bytes (1 = byte by byte). Default: whole writes. */
  maxChunk?: number
  /** Milliseconds before bytes arrive on the other side. Default 0 (next macrotask). */
  latencyMs?: number
}

export interface MemoryLink {
  host: MemoryTransport
  device: MemoryTransport
  unplug(): void
  replug(): void
  readonly plugged: boolean
}

export class MemoryTransport extends TransportEmitter implements Transport {
  private opened = false
  peer: MemoryTransport | undefined
  link: { plugged: boolean; options: MemoryLinkOptions } | undefined

  get isOpen(): boolean {
    return this.opened && (this.link?.plugged ?? false)
  }

  open(): Promise<void> {
    if (!this.link?.plugged) return Promise.reject(new TransportClosedError('device not connected'))
    this.opened = true
    this.emit('open')
    return Promise.resolve()
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new TransportClosedError())
    const peer = this.peer
    const { maxChunk, latencyMs = 0 } = this.link!.options
    const copy = Uint8Array.from(bytes)
    const size = maxChunk && maxChunk > 0 ? maxChunk : copy.length || 1
    for (let i = 0; i < copy.length; i += size) {
      const chunk = copy.subarray(i, i + size)
      setTimeout(() => {
        if (peer?.isOpen) peer.deliver(chunk)
      }, latencyMs)
    }
    return Promise.resolve()
  }

  close(): Promise<void> {
    if (this.opened) {
      this.opened = false
      this.emit('close')
    }
    return Promise.resolve()
  }

  /** @internal */
  deliver(chunk: Uint8Array): void {
    this.emit('data', chunk)
  }

  /** @internal the cable went away under an open port */
  dropped(): void {
    if (this.opened) this.emit('close', new TransportClosedError('cable unplugged'))
  }

  /** @internal the cable came back */
  restored(): void {
    if (this.opened) this.emit('open')
  }
}

export function createMemoryLink(options: MemoryLinkOptions = {}): MemoryLink {
  const host = new MemoryTransport()
  const device = new MemoryTransport()
  const state = { plugged: true, options }
  host.peer = device
  device.peer = host
  host.link = state
  device.link = state
  return {
    host,
    device,
    get plugged() {
      return state.plugged
    },
    unplug() {
      if (!state.plugged) return
      state.plugged = false
      host.dropped()
      device.dropped()
    },
    replug() {
      if (state.plugged) return
      state.plugged = true
      host.restored()
      device.restored()
    },
  }
}
