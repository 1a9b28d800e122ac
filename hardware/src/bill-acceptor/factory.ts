import type { Transport } from '../transport/transport.ts'
import type {
  BillAcceptor,
  BillAcceptorProtocol,
  BillAcceptorSimulator,
  BillAcceptorSimulatorOptions,
} from './bill-acceptor.ts'
import type { DriverStats } from './driver-core.ts'
import { Id003Driver, type Id003DriverOptions } from './id003/driver.ts'
import { Id003Simulator } from './id003/simulator.ts'
import { SspDriver, type SspDriverOptions } from './ssp/driver.ts'
import { SspSimulator, type SspSimulatorOptions } from './ssp/simulator.ts'

/** Options of either driver; each ignores the other's protocol-specific ones. */
export type BillAcceptorOptions = Id003DriverOptions & SspDriverOptions

/** The driver for `protocol` on `transport` (a SerialTransport, or the host end of a memory link). */
export function createBillAcceptor(
  protocol: BillAcceptorProtocol,
  transport: Transport,
  options: BillAcceptorOptions = {},
): BillAcceptor & { readonly stats: DriverStats } {
  return protocol === 'id003'
    ? new Id003Driver(transport, options)
    : new SspDriver(transport, options)
}

/** A simulated acceptor on the device end of a transport; call `start()` to power it up. */
export function createBillAcceptorSimulator(
  protocol: BillAcceptorProtocol,
  deviceTransport: Transport,
  options: BillAcceptorSimulatorOptions & SspSimulatorOptions = {},
): BillAcceptorSimulator {
  return protocol === 'id003'
    ? new Id003Simulator(deviceTransport, options)
    : new SspSimulator(deviceTransport, options)
}
