/** What the meter-control and meter routes answer (central-api/src/routes/meter-control, routes/meters). */
export type Filter = 'all' | 'online' | 'offline' | 'tamper' | 'relayOpen' | 'lowCredit'
export type CommandKind = 'relayOpen' | 'relayClose' | 'setMaxPower' | 'clearTamper'

export interface MeterStatus {
  meterNo: string
  unitName: string
  accountId: string
  link: 'online' | 'offline' | 'unknown'
  statusAt: string | null
  lastSeenAt: string | null
  relay: 'closed' | 'open' | null
  tamper: boolean | null
  creditWh: number | null
  powerW: number | null
  readingAt: string | null
  lowCredit: { alertId: string; daysLeft: number | null; openedAt: string } | null
}

export interface Command {
  commandId: string
  batchId: string
  meterNo: string
  command: CommandKind
  maxPowerW: number | null
  state: 'pending' | 'sent' | 'done' | 'refused' | 'superseded'
  reason: string | null
  attempts: number
  requestedBy: string
  createdAt: string
  updatedAt: string
  answeredAt: string | null
}

export interface BatchResponse {
  batchId: string
  queued: number
  results: { meterNo: string; commandId: string | null; result: 'queued' | 'unknownMeter' | 'keyExpired' | 'failed' }[]
}

export interface Alert {
  alertId: string
  meterNo: string
  kind: 'lowCredit'
  state: 'open' | 'cleared'
  daysLeft: number | null
  avgDailyWh: number | null
  creditWh: number | null
  openedAt: string
  clearedAt: string | null
  notified: boolean
}

export interface Reading {
  meterNo: string
  at: string
  energyWh: number
  creditWh: number
  powerW: number
  relay: 'closed' | 'open'
  tamper: boolean
}

export interface Delivery {
  deliveryId: string
  vendId: string
  meterNo: string
  tokens: string[]
  state: string
  reason: string | null
  attempts: number
  createdAt: string
  updatedAt: string
  ackedAt: string | null
}
