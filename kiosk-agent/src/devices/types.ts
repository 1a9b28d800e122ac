import type { AcceptorDevice, PrinterDevice, ReaderDevice, RenderReceipt } from '../actors/device-types.ts'
import type { SimDevices } from '../sim-panel/routes.ts'

/** The kiosk's three devices as main.ts wires them, real or simulated. */
export interface KioskDevices {
  acceptor: AcceptorDevice
  reader: ReaderDevice
  printer: PrinterDevice
  render: RenderReceipt
  /** The simulator handles for the panel API; null on real hardware. */
  sim: SimDevices | null
  /** Starts the drivers; call after the credit handler and listeners are in place. */
  start(): Promise<void>
  stop(): Promise<void>
}
