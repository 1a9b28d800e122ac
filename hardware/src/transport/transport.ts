/**
 * A byte pipe to one device, modelled on @serialport/bindings-interface: drivers depend only on
 * this, never on SerialPort or HID, so the same driver runs on a real port, a pty or an in-memory
 * link to a simulator.
 */
export interface TransportEvents {
  data: (chunk: Uint8Array) => void
  /** The link went away (cable pulled, device unplugged, port closed by the other side). */
  close: (reason?: Error) => void
  error: (err: Error) => void
  /** The link is (again) usable; emitted after open() and after a re-plug. */
  open: () => void
}

export interface Transport {
  readonly isOpen: boolean
  open(): Promise<void>
  write(bytes: Uint8Array): Promise<void>
  close(): Promise<void>
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void
}

type Listeners = { [E in keyof TransportEvents]: Set<TransportEvents[E]> }

/** Small typed emitter shared by the transports; listeners that throw never break the emitter. */
export class TransportEmitter {
  private readonly listeners: Listeners = {
    data: new Set(),
    close: new Set(),
    error: new Set(),
    open: new Set(),
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    const set = this.listeners[event] as Set<TransportEvents[E]>
    set.add(listener)
    return () => set.delete(listener)
  }

  protected emit<E extends keyof TransportEvents>(
    event: E,
    ...args: Parameters<TransportEvents[E]>
  ): void {
    for (const l of [...this.listeners[event]]) {
      try {
        ;(l as (...a: Parameters<TransportEvents[E]>) => void)(...args)
      } catch (err) {
        if (event !== 'error') this.emit('error', err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
}

export class TransportClosedError extends Error {
  readonly code = 'ERR_TRANSPORT_CLOSED'
  constructor(message = 'transport is closed') {
    super(message)
  }
}
