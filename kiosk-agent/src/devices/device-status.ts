import type { DeviceHealth, DevicesView } from '@gridtill/shared'
import type { AcceptorDeviceEvent, PrinterStatusBits, ReaderDeviceEvent } from '../actors/device-types.ts'

/**
 * What the screens and /metrics show about the devices, kept from the drivers' events (and the
 * printer's polled status). Never used for money decisions: those follow the events themselves.
 */
export class DeviceStatus {
  private view: DevicesView
  private readonly listeners = new Set<() => void>()

  constructor(acceptorProtocol: string) {
    this.view = {
      acceptor: { health: 'offline', protocol: acceptorProtocol, cashboxPresent: true, stackerFull: false },
      reader: { health: 'offline' },
      printer: { health: 'offline', paper: 'ok', coverOpen: false },
    }
  }

  get(): DevicesView {
    return this.view
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private set(next: DevicesView): void {
    if (JSON.stringify(next) === JSON.stringify(this.view)) return
    this.view = next
    for (const l of [...this.listeners]) l()
  }

  acceptorEvent(e: AcceptorDeviceEvent): void {
    const a = { ...this.view.acceptor }
    const health = (h: DeviceHealth) => {
      a.health = h
    }
    switch (e.type) {
      case 'online':
      case 'enabled':
      case 'disabled':
        // A jam or a missing cash box clears with its own event, not with a routine status.
        if (a.health === 'offline' || a.health === 'fault' || (a.health === 'jammed' && e.type === 'online')) health('ok')
        break
      case 'offline':
        health('offline')
        break
      case 'jammed':
        health('jammed')
        break
      case 'fault':
        health('fault')
        break
      case 'cashboxRemoved':
        a.cashboxPresent = false
        break
      case 'cashboxReplaced':
        a.cashboxPresent = true
        a.stackerFull = false
        break
      case 'stackerFull':
        a.stackerFull = true
        break
      case 'noteEscrowed':
      case 'noteCredited':
      case 'noteRejected':
      case 'noteReturned':
        if (a.health === 'jammed') health('ok')
        break
      case 'fraudAttempt':
      case 'suspectNote':
        break
    }
    this.set({ ...this.view, acceptor: a })
  }

  /**
   * The driver's own state, read after its events have settled and now and then: a jam or a full
   * stacker clears without an event of its own. A state with no latched condition means the cash
   * box is in and the stacker has room again.
   */
  acceptorState(state: string): void {
    const a = { ...this.view.acceptor }
    switch (state) {
      case 'offline':
        a.health = 'offline'
        break
      case 'jammed':
        a.health = 'jammed'
        break
      case 'fault':
        a.health = 'fault'
        break
      case 'enabled':
      case 'disabled':
      case 'busy':
        a.health = 'ok'
        a.cashboxPresent = true
        a.stackerFull = false
        break
      default:
        return
    }
    this.set({ ...this.view, acceptor: a })
  }

  readerEvent(e: ReaderDeviceEvent): void {
    if (e.type === 'online') this.set({ ...this.view, reader: { health: 'ok' } })
    if (e.type === 'offline') this.set({ ...this.view, reader: { health: 'offline' } })
  }

  readerOnline(online: boolean): void {
    this.set({ ...this.view, reader: { health: online ? 'ok' : 'offline' } })
  }

  printerStatus(s: PrinterStatusBits): void {
    const health: DeviceHealth = !s.online && !s.paperOut && !s.coverOpen && !s.cutterError
      ? 'offline'
      : s.cutterError || s.coverOpen || s.paperOut
        ? 'fault'
        : 'ok'
    this.set({
      ...this.view,
      printer: { health, paper: s.paperOut ? 'out' : s.paperNearEnd ? 'nearEnd' : 'ok', coverOpen: s.coverOpen },
    })
  }
}
