export { AcceleratedTime } from './accelerated-time.ts'
export type {
  InboundLeaf,
  MeterConnection,
  MeterConnector,
  MeterLinkHandlers,
  OutboundLeaf,
} from './connection.ts'
export { demandW, seedFrom, type LoadModel } from './consumption.ts'
export { FleetConfig, loadFleetConfig } from './fleet-config.ts'
export { FleetState, MeterSnapshot } from './fleet-state.ts'
export { MeterFleet, type FleetStats, type MeterFleetOptions } from './fleet.ts'
export { MemoryConnector, type PublishedMessage } from './memory-connector.ts'
export { MqttConnector, type MqttConnectorOptions } from './mqtt-connector.ts'
export {
  ManifestError,
  MeterFleetManifest,
  MeterProfile,
  MeterProgramming,
  loadManifest,
  parseManifest,
} from './programming.ts'
export {
  SimulatedMeter,
  WH_PER_UNIT,
  ackReasonFor,
  disconnectAtZeroCredit,
  type AckReason,
  type EnteredToken,
  type KeypadResult,
  type SimulatedMeterOptions,
  type SimulatedMeterSnapshot,
  type SupplyContext,
  type SupplyPolicy,
} from './simulated-meter.ts'
export { createStatusServer } from './status-server.ts'
export { stsDecoderFactory } from './sts-decoder.ts'
export * from './sts-meter.ts'
export type { DecoderFactory, DecoderVerdict, TokenDecoder } from './token-decoder.ts'
export {
  LatencyProbe,
  benchProgramming,
  startBenchFleet,
  type BenchFleet,
  type BenchFleetOptions,
} from './bench-fleet.ts'
export { ConnectGate, backoffMs } from './connect-gate.ts'
export { DueWheel } from './due-wheel.ts'
export { isFriendly, type FriendlyHours } from './friendly-hours.ts'
export { MeterStore, resolveStatePaths, type MeterStoreOptions } from './meter-store.ts'
