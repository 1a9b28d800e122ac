/**
 * Storage for usage analytics (issue 10): the estate as the analytics see it, the hourly and daily
 * energy caches the analytics service keeps from the readings, common-area meters, and alerts.
 * Readings stay the record (readings table); everything here can be rebuilt from them, except the
 * imported history of a demo and the staff's acknowledgements.
 */
import type { MeterProfile, ReadingRecord } from './repository.ts'

/** A vended meter with where it sits. */
export interface EstateMeter {
  meterNo: string
  site: string
  building: string
  unit: string
  /** Floor area of the unit (m²), when known. */
  areaM2: number | null
  profile: MeterProfile
  accountId: string
  /** From the meter link: the latest reading's credit and time. */
  lastCreditWh: number | null
  lastSeenAt: number | null
}

export interface CommonMeterRecord {
  meterNo: string
  name: string
  site: string
  /** Null: shared by the whole site. */
  building: string | null
  basis: 'area' | 'consumption' | 'mixed'
  areaShare: number
}

/** flags bits of an hourly row. */
export const HOUR_FLAG = { estimated: 1, relayOpen: 2, tamper: 4 } as const

export interface HourlyEnergy {
  meterNo: string
  hourMs: number
  wh: number
  flags: number
}

export interface DailyEnergy {
  meterNo: string
  /** Local 'YYYY-MM-DD'. */
  day: string
  wh: number
  /** Hours with data. */
  covered: number
  /** Of those, hours spread across a silent gap (or from a daily register read). */
  estimated: number
}

export interface MeterAnalyticsState {
  meterNo: string
  /** Hours before this are rolled up. */
  throughMs: number
  lastReadingAt: number | null
  lastCreditWh: number | null
  lastRelayClosed: boolean
}

export interface UsageAlertInput {
  id: string
  kind: 'suddenDrop' | 'suddenRise' | 'zeroWithRelayClosed' | 'silent'
  meterNo: string
  severity: 'low' | 'medium' | 'high'
  fromMs: number
  toMs: number
  evidence: Record<string, unknown>
}

export interface UsageAlertRecord extends UsageAlertInput {
  firstSeenAt: number
  lastSeenAt: number
  acknowledgedBy: string | null
  acknowledgedAt: number | null
  ackNote: string | null
}

/** One meter's roll-up step, written in one transaction. */
export interface RollupWrite {
  hours: readonly HourlyEnergy[]
  days: readonly DailyEnergy[]
  state: MeterAnalyticsState
}

export interface AnalyticsHistoryPlan {
  unitAreas: readonly { building: string; unit: string; areaM2: number }[]
  commonMeters: readonly (Omit<CommonMeterRecord, 'site'> & { site: string })[]
  hours: readonly HourlyEnergy[]
  days: readonly DailyEnergy[]
  states: readonly MeterAnalyticsState[]
  now: number
}

export interface AnalyticsStore {
  analyticsEstate(): Promise<EstateMeter[]>
  commonMeters(): Promise<CommonMeterRecord[]>
  analyticsStates(): Promise<MeterAnalyticsState[]>
  /** The meter's readings from the last one at or before `fromMs` on, oldest first. */
  readingsForRollup(meterNo: string, fromMs: number): Promise<ReadingRecord[]>
  writeRollup(w: RollupWrite, now: number): Promise<void>
  /** Hourly rows of the meters (all when null) with fromMs ≤ hour < toMs. */
  hourlyEnergy(
    meterNos: readonly string[] | null,
    fromMs: number,
    toMs: number,
  ): Promise<HourlyEnergy[]>
  /** Daily rows of the meters (all when null) for fromDay ≤ day ≤ toDay. */
  dailyEnergy(
    meterNos: readonly string[] | null,
    fromDay: string,
    toDay: string,
  ): Promise<DailyEnergy[]>
  /** First and last day in the daily cache. */
  dailyRange(): Promise<{ first: string; last: string } | null>
  /** Imported history (the demo's synthetic year): areas, common meters, caches, in one transaction. */
  importAnalyticsHistory(plan: AnalyticsHistoryPlan): Promise<void>
  /** Inserts new findings, refreshes the evidence of known ones; acknowledgements are kept. */
  upsertUsageAlerts(alerts: readonly UsageAlertInput[], now: number): Promise<void>
  listUsageAlerts(q: {
    state: 'open' | 'acknowledged' | 'all'
    limit: number
  }): Promise<UsageAlertRecord[]>
  /** Null when there is no such alert; audited under the staff member. */
  acknowledgeUsageAlert(a: {
    id: string
    staffId: string
    note: string
    now: number
  }): Promise<UsageAlertRecord | null>
}
