/**
 * Reads behind a card's history on the kiosk (issue #8): the account's latest vends with their
 * tokens and delivery state, and energy-register samples for monthly consumption. Read-only.
 */
import type { StoredDeliveryState } from './repository.ts'

export interface HistoryVendRecord {
  vendId: string
  receiptNo: string
  meterNo: string
  paidAt: number
  amountFen: number
  energyWh: number
  tokens: string[]
  /** The vend's latest delivery; null when it minted no token. */
  delivery: { state: StoredDeliveryState; reason: string | null; updatedAt: number } | null
}

export interface RegisterSample {
  at: number
  energyWh: number
}

export interface MeterRegisterSamples {
  meterNo: string
  /** Per instant asked about: the meter's last reading at or before it (null when none). */
  atOrBefore: (RegisterSample | null)[]
  /** The meter's earliest reading, which starts the count for a meter installed mid-month. */
  first: RegisterSample | null
}

export interface HistoryStore {
  /** Newest purchase first. */
  recentVendsForAccount(accountId: string, limit: number): Promise<HistoryVendRecord[]>
  energyRegisterSamples(meterNos: readonly string[], instants: readonly number[]): Promise<MeterRegisterSamples[]>
}
