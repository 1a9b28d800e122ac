export * from './bill-acceptor.ts'
export {
  createBillAcceptor,
  createBillAcceptorSimulator,
  type BillAcceptorOptions,
} from './factory.ts'
export { CommError, type DriverStats } from './driver-core.ts'
export { Id003Driver, type Id003DriverOptions } from './id003/driver.ts'
export { Id003Simulator } from './id003/simulator.ts'
export * as id003 from './id003/codec.ts'
export { SspDriver, type SspDriverOptions } from './ssp/driver.ts'
export { SspSimulator, type SspSimulatorOptions } from './ssp/simulator.ts'
export * as ssp from './ssp/codec.ts'
export * as essp from './ssp/essp.ts'
export { createRig, FAST_DRIVER, FAST_TIMINGS, type Rig, type RigOptions } from './testing.ts'
