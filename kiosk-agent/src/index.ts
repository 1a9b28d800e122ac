/**
 * @gridtill/kiosk-agent's entry point for other packages (the system and browser tests): start an
 * agent in-process, or reuse its pure parts. The process itself is main.ts.
 */
export { startAgent, type AgentDeps, type RunningAgent } from './agent.ts'
export { loadConfig, ConfigError, AgentConfig } from './config.ts'
export { createSimulatedDevices } from './devices/simulated.ts'
export { createRealDevices } from './devices/real.ts'
export type { KioskDevices } from './devices/types.ts'
export { Journal, type VendRecord, type NoteRecord } from './journal/journal.ts'
export { recoverUnvendedNotes } from './journal/recovery.ts'
export { Roster, type ShownAccount } from './roster/roster.ts'
export { OpsOutbox } from './outbox/ops-outbox.ts'
export { transactionMachine, type TransactionSnapshot } from './machines/transaction.machine.ts'
export type { TransactionEvent, Timing } from './machines/transaction.types.ts'
export { toKioskView } from './ui-bridge/view.ts'
export { demoCards, type SimCardView } from './sim-panel/routes.ts'
