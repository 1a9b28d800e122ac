import type { HidTransport } from './hid.ts'
import { TransportClosedError, TransportEmitter } from './transport.ts'

/**
 * An in-memory HID cable: the host side is a HidTransport that behaves like NodeHidTransport
 * (whole reports, `open` that waits for the device, `close`/`open` on unplug/replug); the
 * device side is what a simulator drives. Reports arrive on the next macrotask, as from a USB
 * interrupt endpoint.
 */
export interface HidMemoryLink {
  host: HidTransport
  /** Device → host input report. Dropped (false) while unplugged or while the host is closed. */
  sendReport(report: Uint8Array): boolean
  /** Host → device output reports. */
  onOutputReport(listener: (report: Uint8Array) => void): () => void
  unplug(): void
  replug(): void
  readonly plugged: boolean
}

export interface HidMemoryLinkOptions {
  /** Milliseconds before a report arrives. Default 0. */
  latencyMs?: number
  /** Starts unplugged (the reader is absent at boot). */
  unplugged?: boolean
}

class MemoryHidHost extends TransportEmitter implements HidTransport {
  started = false
  plugged = true
  readonly outputs = new Set<(report: Uint8Array) => void>()

  get isOpen(): boolean {
    return this.started && this.plugged
  }

  open(): Promise<void> {
    if (this.started) return Promise.resolve()
    this.started = true
    if (this.plugged) this.emit('open')
    return Promise.resolve()
  }

  write(report: Uint8Array): Promise<number> {
    if (!this.isOpen) return Promise.reject(new TransportClosedError('HID device not connected'))
    const copy = Uint8Array.from(report)
    for (const l of [...this.outputs]) l(copy)
    return Promise.resolve(copy.length)
  }

  close(): Promise<void> {
    const wasOpen = this.isOpen
    this.started = false
    if (wasOpen) this.emit('close')
    return Promise.resolve()
  }

  /** @internal */
  deliver(report: Uint8Array): void {
    if (this.isOpen) this.emit('data', report)
  }

  /** @internal */
  setPlugged(plugged: boolean): void {
    if (this.plugged === plugged) return
    const wasOpen = this.isOpen
    this.plugged = plugged
    if (wasOpen && !plugged) this.emit('close', new TransportClosedError('HID device unplugged'))
    if (this.started && plugged) this.emit('open')
  }
}

export function createHidMemoryLink(options: HidMemoryLinkOptions = {}): HidMemoryLink {
  const host = new MemoryHidHost()
  host.plugged = !options.unplugged
  const latencyMs = options.latencyMs ?? 0
  return {
    host,
    sendReport(report) {
      if (!host.isOpen) return false
      const copy = Uint8Array.from(report)
      setTimeout(() => host.deliver(copy), latencyMs)
      return true
    },
    onOutputReport(listener) {
      host.outputs.add(listener)
      return () => host.outputs.delete(listener)
    },
    unplug: () => host.setPlugged(false),
    replug: () => host.setPlugged(true),
    get plugged() {
      return host.plugged
    },
  }
}
