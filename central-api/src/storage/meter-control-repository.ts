/**
 * Storage for meter control (issue 11): the remote-command outbox, each meter's live state (status
 * from the broker's last will, relay, tamper, last reading) and low-credit alerts. Part of the one
 * Repository (repository.ts extends it); implemented in sql/meter-control-ops.ts for both engines.
 */
import type { ReadingRecord } from './repository.ts'

/**
 * Delay before the next attempt after n attempts: a function, or a table (entry n-1, the last one
 * repeating). The meter link passes a table: with SQLite on its own thread a function would be a
 * blocking call back into the main thread for every row claimed.
 */
export type Backoff = ((attempts: number) => number) | readonly number[]

export function backoffDelay(b: Backoff, attempts: number): number {
  if (typeof b === 'function') return b(attempts)
  return b[Math.min(Math.max(attempts, 1), b.length) - 1] ?? 0
}

/** relayOpen/relayClose go out as commands; setMaxPower/clearTamper as class 2 tokens. */
export type MeterCommandKind = 'relayOpen' | 'relayClose' | 'setMaxPower' | 'clearTamper'
/** 'superseded': a later relay command for the same meter replaced it before the meter answered. */
export type MeterCommandState = 'pending' | 'sent' | 'done' | 'refused' | 'superseded'

export interface MeterCommandRecord {
  id: string
  batchId: string
  meterNo: string
  kind: MeterCommandKind
  maxPowerW: number | null
  /** The class 2 token(s), for the kinds that travel as tokens; else null. */
  tokens: string[] | null
  tid: number | null
  state: MeterCommandState
  reason: string | null
  attempts: number
  nextAttemptAt: number
  requestedBy: string
  createdAt: number
  updatedAt: number
  answeredAt: number | null
}

export interface MeterCommandInsert {
  commandId: string
  meterNo: string
  kind: MeterCommandKind
  maxPowerW: number | null
  tokens: string[] | null
  /** The TID the token was minted with, and the meter's last TID it was chosen against. */
  tid: number | null
  expectedLastTid: number | null
}

export interface MeterCommandBatch {
  batchId: string
  actor: string
  now: number
  items: MeterCommandInsert[]
}

/** 'stale': the meter's last TID moved since the token was minted (a vend meanwhile); mint again. */
export type MeterCommandInsertOutcome = 'created' | 'unknownMeter' | 'stale'

export interface MeterCommandFilter {
  meterNo?: string
  batchId?: string
  state?: MeterCommandState
  limit: number
}

export interface MeterStatusRecord {
  meterNo: string
  unitName: string
  accountId: string
  /** From the meter's retained status / last will; null before it ever connected. */
  online: boolean | null
  statusAt: number | null
  lastSeenAt: number | null
  relay: 'closed' | 'open' | null
  tamper: boolean | null
  creditWh: number | null
  powerW: number | null
  readingAt: number | null
  lowCredit: { alertId: string; daysLeft: number | null; openedAt: number } | null
}

export type MeterStatusFilter = 'offline' | 'online' | 'tamper' | 'relayOpen' | 'lowCredit'

export interface MeterAlertRecord {
  id: string
  meterNo: string
  kind: 'lowCredit'
  state: 'open' | 'cleared'
  daysLeft: number | null
  avgDailyWh: number | null
  creditWh: number | null
  openedAt: number
  clearedAt: number | null
  notified: boolean
}

export interface MeterControlStore {
  /** Inserts a batch of commands in one transaction with one audit entry; one outcome per item. */
  createMeterCommands(batch: MeterCommandBatch): Promise<MeterCommandInsertOutcome[]>
  /** Claims due commands (attempt recorded, next attempt scheduled) — as claimDueDeliveries. */
  claimDueCommands(now: number, limit: number, backoffMs: Backoff): Promise<MeterCommandRecord[]>
  nextCommandDueAt(): Promise<number | null>
  /** The meter's first answer wins; 'duplicate' when already final, 'unknown' when no such command. */
  settleMeterCommand(
    commandId: string,
    meterNo: string,
    outcome: { state: 'done' | 'refused'; reason: string | null },
    now: number,
  ): Promise<{ kind: 'settled' | 'duplicate' | 'unknown'; command: MeterCommandRecord | null }>
  /** A meter came back online: its waiting deliveries and commands are due now, not after backoff. Returns rows moved. */
  makeDueNowForMeter(meterNo: string, now: number): Promise<number>
  getMeterCommand(commandId: string): Promise<MeterCommandRecord | null>
  listMeterCommands(filter: MeterCommandFilter): Promise<MeterCommandRecord[]>

  /** Stores a reading once per (meter, at) and moves the meter's live state if it is the newest. */
  ingestReading(r: ReadingRecord): Promise<boolean>
  /** Readings at or after `since`, oldest first (for the days-left estimate). */
  readingsSince(meterNo: string, since: number, limit: number): Promise<ReadingRecord[]>
  /**
   * Online/offline from the broker (retained status, last will); older news than held is ignored.
   * Coming online also makes what waits for the meter due now (counted in madeDue), in the same write.
   */
  recordMeterStatus(meterNo: string, online: boolean, at: number): Promise<{ known: boolean; madeDue: number }>
  /** A relay or tamper change the meter reported as an event. */
  recordMeterEvent(meterNo: string, change: { relay?: 'closed' | 'open'; tamper?: boolean }, at: number): Promise<boolean>
  getMeterStatus(meterNo: string): Promise<MeterStatusRecord | null>
  /** Meters in meter-number order after `after`, optionally only those matching `filter`. */
  listMeterStatus(q: { filter?: MeterStatusFilter; after?: string; limit: number }): Promise<MeterStatusRecord[]>

  /** Opens an alert unless one of its kind is already open for the meter (then null). */
  openMeterAlert(a: { id: string; meterNo: string; kind: 'lowCredit'; daysLeft: number | null; avgDailyWh: number | null; creditWh: number | null; now: number }): Promise<MeterAlertRecord | null>
  /** Clears the open alert of `kind`; the cleared record, or null when none was open. */
  clearMeterAlert(meterNo: string, kind: 'lowCredit', now: number): Promise<MeterAlertRecord | null>
  markMeterAlertNotified(alertId: string): Promise<void>
  listMeterAlerts(q: { state?: 'open' | 'cleared'; meterNo?: string; limit: number }): Promise<MeterAlertRecord[]>
}
