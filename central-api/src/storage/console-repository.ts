/**
 * Storage behind the back-office console (issue 9): staff credentials and sessions, staff
 * management, the audit log's reader, customers, meters, cards and tariffs as the back office
 * edits them. Every write that is a staff action appends its audit row in the same transaction.
 */
import type { MeterKeyInfo, MeterProfile, StaffRecord, StaffRole } from './repository.ts'

export interface StaffCredentials {
  staff: StaffRecord
  /** Null: the account cannot sign in until an admin sets a password. */
  passwordHash: string | null
  failedSignins: number
  lockedUntil: number | null
}

export type SessionEndReason = 'signedOut' | 'revoked' | 'deactivated' | 'passwordReset'

export interface StaffSessionRecord {
  /** SHA-256 (hex) of the cookie's token; the token itself is never stored. */
  idHash: string
  staffId: string
  csrfToken: string
  createdAt: number
  lastSeenAt: number
  idleExpiresAt: number
  absoluteExpiresAt: number
  endedAt: number | null
  endReason: SessionEndReason | null
}

export interface StaffListItem extends StaffRecord {
  hasPassword: boolean
  failedSignins: number
  lockedUntil: number | null
  createdAt: number
  openSessions: number
}

export interface AuditEntry {
  seq: number
  at: number
  actor: string
  action: string
  details: string
  prevHash: string
  hash: string
}

export interface CustomerSummary {
  customerId: string
  name: string
  phone: string | null
  accountIds: string[]
  meterNos: string[]
}

export interface CustomerDetail {
  customerId: string
  name: string
  phone: string | null
  createdAt: number
  accounts: { accountId: string; status: 'open' | 'closed'; walletFen: number; arrearsFen: number; tariffName: string }[]
  meters: { meterNo: string; accountId: string; building: string; unitName: string; profile: MeterProfile; lastCreditWh: number | null; removedAt: number | null }[]
  cards: { cardNo: string; accountId: string; blocked: boolean; blockedAt: number | null; blockedReason: string | null; replacedBy: string | null }[]
  swaps: { oldMeterNo: string; newMeterNo: string; carriedCreditWh: number; reason: string; staffId: string; at: number }[]
}

export interface NewCustomer {
  customerId: string
  name: string
  phone: string | null
  accountId: string
  tariffName: string
}

export interface NewMeter extends Omit<MeterKeyInfo, 'vendingKeyId'> {
  accountId: string
  building: string
  unitName: string
  profile: MeterProfile
}

export interface TariffVersionSummary {
  versionId: number
  tariffName: string
  effectiveFrom: number
  createdAt: number
  definition: string
  accounts: number
}

export interface PaymentRecord {
  kind: 'vend' | 'refund' | 'reversal'
  id: string
  at: number
  amountFen: number
  kioskId: string | null
  receiptNo: string | null
  state: string
}

export interface Actor {
  staffId: string
  now: number
}

export interface ConsoleStore {
  // sign-in and sessions
  getStaffCredentials(staffId: string): Promise<StaffCredentials | null>
  /** Counts a failed sign-in, locking the account for lockMs once it reaches lockAfter; audited. */
  recordFailedSignIn(r: { staffId: string; lockAfter: number; lockMs: number; now: number }): Promise<{ failedSignins: number; lockedUntil: number | null }>
  /** Opens a session and clears the failure count; audited (staff.signedIn). */
  openSession(s: Omit<StaffSessionRecord, 'endedAt' | 'endReason'>): Promise<void>
  getSession(idHash: string): Promise<{ session: StaffSessionRecord; staff: StaffRecord } | null>
  /** Slides the idle expiry (never past the absolute one). */
  touchSession(idHash: string, now: number, idleExpiresAt: number): Promise<void>
  /** Ends an open session; false when it was already ended; audited. */
  endSession(r: { idHash: string; reason: SessionEndReason; actor: string; now: number }): Promise<boolean>

  // staff management (admin)
  listStaff(): Promise<StaffListItem[]>
  createStaff(r: { id: string; name: string; role: StaffRole; passwordHash: string } & Actor): Promise<StaffRecord>
  /** Changes what is given; deactivation and a new password end the member's open sessions. */
  updateStaff(r: { id: string; name?: string; role?: StaffRole; active?: boolean; passwordHash?: string; unlock?: boolean } & Actor): Promise<StaffRecord>
  /** Demo only: adds missing demo staff and sets a password where none is set; returns how many changed. */
  ensureDemoStaff(staff: readonly { id: string; name: string; role: StaffRole; passwordHash: string }[], now: number): Promise<number>

  // audit log
  listAudit(q: { beforeSeq: number | null; actor: string | null; action: string | null; limit: number }): Promise<AuditEntry[]>

  // customers, meters, cards
  searchCustomers(q: { text: string; limit: number }): Promise<CustomerSummary[]>
  getCustomer(customerId: string): Promise<CustomerDetail | null>
  /** A customer with one account (conflicts and unknown tariffs are 409/422). */
  createCustomer(c: NewCustomer & Actor): Promise<void>
  updateCustomer(r: { customerId: string; name?: string; phone?: string | null; tariffName?: string } & Actor): Promise<void>
  /** The meter's vending key must already be in the security module (vendingKeyId derived by the caller). */
  createMeter(m: NewMeter & { vendingKeyId: string } & Actor): Promise<void>
  /**
   * One CSV row in one transaction: the customer (and its account) when new, then the meter when
   * given. Any refusal rolls the whole row back.
   */
  importRow(r: { customer: NewCustomer; meter: (NewMeter & { vendingKeyId: string }) | null; line: number } & Actor): Promise<{ customerCreated: boolean; meterCreated: boolean }>
  /** Blocks a lost card and issues its replacement on the same account, in one transaction. */
  replaceCard(r: { cardNo: string; newCardNo: string; reason: string } & Actor): Promise<void>
  blockCard(r: { cardNo: string; reason: string } & Actor): Promise<void>
  /** The new meter takes over the old one's account and unit; the old one's last credit is recorded as carried over. */
  swapMeter(r: { swapId: string; oldMeterNo: string; newMeter: Omit<NewMeter, 'accountId' | 'building' | 'unitName' | 'profile'> & { vendingKeyId: string }; reason: string } & Actor): Promise<{ carriedCreditWh: number; accountId: string }>
  paymentHistory(accountId: string, limit: number): Promise<PaymentRecord[]>
  /** Re-queues the stored token delivery of a vend (resend to meter): the same tokens, no new mint. */
  requeueDelivery(r: { vendId: string } & Actor): Promise<boolean>

  // tariffs
  listTariffVersions(): Promise<TariffVersionSummary[]>
}
