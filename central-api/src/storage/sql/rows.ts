/** Rows as both engines return them, and their mapping to the repository's records. */
import { initialTariffState, type AccountTariffState, type TariffDefinition, type VendResponse } from '@gridtill/shared'
import type {
  BaseDate,
  DeliveryRecord,
  Dkga,
  Ea,
  KioskRecord,
  MeterProfile,
  MeterRecord,
  StaffRequestKind,
  StaffRequestRecord,
  StaffRequestState,
  StoredDeliveryState,
  TariffVersion,
  VendRecord,
} from '../repository.ts'

export interface KioskRow {
  id: string
  name: string
  location: string
  site_name: string
  public_key: string | null
  enrolled_at: number | null
  revoked: number
  cash_cycle: number
}

export const KIOSK_SELECT =
  'SELECT k.id, k.name, k.location, s.name AS site_name, k.public_key, k.enrolled_at, k.revoked, k.cash_cycle FROM kiosks k JOIN sites s ON s.id = k.site_id'

export function toKiosk(r: KioskRow): KioskRecord {
  return { id: r.id, name: r.name, location: r.location, siteName: r.site_name, publicKey: r.public_key, enrolledAt: r.enrolled_at, revoked: r.revoked === 1, cashCycle: r.cash_cycle }
}

export interface MeterRow {
  meter_no: string
  account_id: string
  unit_name: string
  vending_key_id: string
  iin: string
  sgc: string
  ti: string
  krn: number
  kt: number
  ea: string
  dkga: string
  base_date: number
  ken: number
  last_tid: number
  profile: string
  last_credit_wh: number | null
}

export const METER_SELECT = `SELECT m.meter_no, m.account_id, u.name AS unit_name, m.vending_key_id, m.iin, m.sgc, m.ti, m.krn, m.kt, m.ea, m.dkga,
  m.base_date, m.ken, m.last_tid, m.profile, m.last_credit_wh FROM meters m JOIN units u ON u.id = m.unit_id`

export function toMeter(r: MeterRow): MeterRecord {
  return {
    meterNo: r.meter_no,
    accountId: r.account_id,
    unitName: r.unit_name,
    vendingKeyId: r.vending_key_id,
    iin: r.iin,
    sgc: r.sgc,
    ti: r.ti,
    krn: r.krn,
    kt: r.kt,
    ea: r.ea as Ea,
    dkga: r.dkga as Dkga,
    baseDate: r.base_date as BaseDate,
    ken: r.ken,
    lastTid: r.last_tid,
    profile: r.profile as MeterProfile,
    lastCreditWh: r.last_credit_wh,
  }
}

export interface AccountRow {
  id: string
  customer_name: string
  status: 'open' | 'closed'
  tariff_id: number
  tariff_name: string
  wallet_fen: number
  arrears_fen: number
  energy_bought_in_period_wh: number
  period_start: string | null
  fixed_charges_paid_through_month: string | null
  free_basic_issued_month: string | null
}

export const ACCOUNT_SELECT = `SELECT a.id, c.name AS customer_name, a.status, a.tariff_id, t.name AS tariff_name, a.wallet_fen, a.arrears_fen,
  a.energy_bought_in_period_wh, a.period_start, a.fixed_charges_paid_through_month, a.free_basic_issued_month
  FROM accounts a JOIN customers c ON c.id = a.customer_id JOIN tariffs t ON t.id = a.tariff_id`

/** The engine's state for the account; a state never begun starts at `at` under `tariff`. */
export function tariffStateOf(r: AccountRow, tariff: TariffDefinition, at: number): AccountTariffState {
  if (r.period_start === null || r.fixed_charges_paid_through_month === null) {
    return { ...initialTariffState(tariff, at), walletFen: r.wallet_fen, arrearsFen: r.arrears_fen }
  }
  return {
    walletFen: r.wallet_fen,
    arrearsFen: r.arrears_fen,
    energyBoughtInPeriodWh: r.energy_bought_in_period_wh,
    periodStart: r.period_start,
    fixedChargesPaidThroughMonth: r.fixed_charges_paid_through_month,
    freeBasicIssuedMonth: r.free_basic_issued_month,
  }
}

export function sameTariffState(a: AccountTariffState, b: AccountTariffState): boolean {
  return (
    a.walletFen === b.walletFen &&
    a.arrearsFen === b.arrearsFen &&
    a.energyBoughtInPeriodWh === b.energyBoughtInPeriodWh &&
    a.periodStart === b.periodStart &&
    a.fixedChargesPaidThroughMonth === b.fixedChargesPaidThroughMonth &&
    a.freeBasicIssuedMonth === b.freeBasicIssuedMonth
  )
}

export interface TariffVersionRow {
  id: number
  tariff_name: string
  effective_from: number
  definition: string
}

// Definitions are parsed once per text: the vend path reads the version in force twice per vend.
const parsed = new Map<string, TariffDefinition>()
export function toTariffVersion(r: TariffVersionRow): TariffVersion {
  let definition = parsed.get(r.definition)
  if (definition === undefined) {
    definition = JSON.parse(r.definition) as TariffDefinition
    if (parsed.size > 1000) parsed.clear()
    parsed.set(r.definition, definition)
  }
  return { versionId: r.id, tariffName: r.tariff_name, effectiveFrom: r.effective_from, definition }
}

export interface VendRow {
  vend_id: string
  request_hash: string
  kiosk_id: string
  meter_no: string
  response_json: string
  created_at: number
}

export function toVend(r: VendRow): VendRecord {
  return { vendId: r.vend_id, requestHash: r.request_hash, kioskId: r.kiosk_id, meterNo: r.meter_no, response: JSON.parse(r.response_json) as VendResponse, createdAt: r.created_at }
}

export interface DeliveryRow {
  id: string
  vend_id: string
  meter_no: string
  tokens_json: string
  state: StoredDeliveryState
  reason: string | null
  attempts: number
  next_attempt_at: number
  created_at: number
  updated_at: number
  acked_at: number | null
}

export function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    vendId: r.vend_id,
    meterNo: r.meter_no,
    tokens: JSON.parse(r.tokens_json) as string[],
    state: r.state,
    reason: r.reason,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ackedAt: r.acked_at,
  }
}

export interface StaffRequestRow {
  id: string
  kind: StaffRequestKind
  state: StaffRequestState
  vend_id: string | null
  account_id: string
  amount_fen: number
  reason: string
  requested_by: string
  requested_at: number
  decided_by: string | null
  decided_at: number | null
  decision_note: string | null
}

export function toStaffRequest(r: StaffRequestRow): StaffRequestRecord {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    vendId: r.vend_id,
    accountId: r.account_id,
    amountFen: r.amount_fen,
    reason: r.reason,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
  }
}
