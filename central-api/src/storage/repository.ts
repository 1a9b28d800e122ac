/**
 * The central's one data-access layer (DESIGN.md, Storage), implemented once (sql/sql-repository.ts)
 * over two engines: SQLite (group commit, sqlite/) and PostgreSQL (pooled, several instances,
 * postgres/). Domain rules (tariff maths, TID choice, ledger legs, receipt format) live in pure
 * modules the repository calls; the engines only run SQL.
 *
 * Every method resolves after its writes are durable, except the two marked "applied": those
 * resolve once this process acts on the write (a second call sees it), and settled() (awaited
 * before every reply) makes what they wrote durable. They are the per-request bookkeeping whose
 * only effect is on the request's own answer. In the server on SQLite (one process, writer in a
 * worker thread) both are decided in memory, see sqlite/process-guards.ts: a nonce's row joins the
 * next group commit, which settled() waits for; a vend claim needs no row.
 */
import type { AccountTariffState, DeliveryState, TariffDefinition, TariffVendResult, VendResponse } from '@gridtill/shared'
import type { EncryptedVendingKey } from '../security-module/index.ts'
import type { AnalyticsStore } from './analytics-repository.ts'
import type { CashStore } from './cash-repository.ts'
import type { ConsoleStore } from './console-repository.ts'
import type { FieldOpsStore } from './field-ops-repository.ts'
import type { HistoryStore } from './history-repository.ts'
import type { Backoff, MeterControlStore } from './meter-control-repository.ts'

export type Ea = '07' | '11'
export type Dkga = '02' | '04'
export type BaseDate = 1993 | 2014 | 2035
export type MeterProfile = 'household' | 'shop' | 'factory'

export interface KioskRecord {
  id: string
  name: string
  location: string
  siteName: string
  /** Ed25519 SPKI DER, base64; null until enrolled. */
  publicKey: string | null
  enrolledAt: number | null
  revoked: boolean
  cashCycle: number
}

export interface PendingEnrollment {
  kioskId: string
  codeHash: string
}

/** What the security module needs to find a meter's decoder key. No key material. */
export interface MeterKeyInfo {
  meterNo: string
  iin: string
  sgc: string
  ti: string
  krn: number
  kt: number
  ea: Ea
  dkga: Dkga
  baseDate: BaseDate
  ken: number
  vendingKeyId: string
}

export interface MeterRecord extends MeterKeyInfo {
  accountId: string
  unitName: string
  lastTid: number
  profile: MeterProfile
  lastCreditWh: number | null
}

/** One version of a tariff: the definition in force from effectiveFrom until the next version. */
export interface TariffVersion {
  versionId: number
  tariffName: string
  effectiveFrom: number
  definition: TariffDefinition
}

export interface AccountView {
  accountId: string
  customerName: string
  status: 'open' | 'closed'
  walletFen: number
  arrearsFen: number
  /** The version in force at the time asked about; null when none is. */
  tariff: TariffVersion | null
  /** What the tariff engine needs to price the next vend; null when no tariff is in force. */
  tariffState: AccountTariffState | null
  meters: { meterNo: string; unitName: string; lastCreditWh: number | null }[]
}

export type CardRecord =
  | { kind: 'resident'; cardNo: string; accountId: string; blocked: boolean }
  | { kind: 'staff'; cardNo: string; staffName: string; staffRole: 'field' | 'cashier' | 'admin'; blocked: boolean }

export interface VendRecord {
  vendId: string
  requestHash: string
  kioskId: string
  meterNo: string
  response: VendResponse
  createdAt: number
}

/** 'cancelled': the vend was reversed before its meter accepted the token (the token is void). */
export type StoredDeliveryState = DeliveryState | 'cancelled'

export interface DeliveryRecord {
  id: string
  vendId: string
  meterNo: string
  tokens: string[]
  state: StoredDeliveryState
  reason: string | null
  attempts: number
  nextAttemptAt: number
  createdAt: number
  updatedAt: number
  ackedAt: number | null
}

export interface ReadingRecord {
  meterNo: string
  at: number
  energyWh: number
  creditWh: number
  powerW: number
  relay: 'closed' | 'open'
  tamper: boolean
}

/** Each count is 0 when the books are sound. */
export interface LedgerCheck {
  balanced: boolean
  totalDebitsFen: number
  totalCreditsFen: number
  transfers: number
  vends: number
  /** Vends whose cash-in transfers do not add up to the money paid. */
  vendsWithoutTransfer: number
  /** Vends whose energy, VAT, fixed-charge and debt legs differ from their breakdown. */
  vendsUnbalanced: number
  /** Token deliveries whose vend has no cash-in transfer (energy nobody paid for). */
  tokensWithoutTransfer: number
  /** Reversals whose legs do not mirror the vend they reverse. */
  reversalsUnbalanced: number
  /** Approved refunds without their wallet → refunds payable transfer. */
  refundsUnbalanced: number
  /** Accounts whose wallet_fen differs from the ledger's wallet balance. */
  walletsMismatched: number
  /** Accounts whose arrears_fen differs from the ledger's arrears receivable. */
  arrearsMismatched: number
  /** Collections, counts and bank deposits whose transfers differ from their rows (sql/cash-ops.ts). */
  collectionsUnbalanced: number
}

export interface AuditEntryInput {
  at: number
  actor: string
  action: string
  details: Record<string, unknown>
}

// ── seeding ──────────────────────────────────────────────────────────────────────────────────

export type StaffRole = 'admin' | 'cashier' | 'field' | 'support' | 'auditor'

export interface StaffRecord {
  id: string
  name: string
  role: StaffRole
  active: boolean
}

/** Everything a fresh deployment starts with, as plain data (built by seed-demo.ts). */
export interface SeedPlan {
  at: number
  site: { name: string; kind: 'residential' | 'industrial' | 'commercial'; buildings: string[] }
  units: { building: string; name: string }[]
  tariffs: { name: string; effectiveFrom: number; definition: TariffDefinition }[]
  customers: { id: string; name: string; accountId: string; tariffName: string }[]
  staff: { id: string; name: string; role: StaffRole }[]
  meters: (MeterKeyInfo & { building: string; unitName: string; accountId: string; profile: MeterProfile })[]
  cards: (
    | { kind: 'resident'; cardNo: string; uid: string; accountId: string }
    | { kind: 'staff'; cardNo: string; uid: string; staffName: string; staffRole: 'field' | 'cashier' | 'admin' }
  )[]
  kiosks: { id: string; name: string; location: string; enrollmentCodeHash: string }[]
}

// ── the vend transaction ─────────────────────────────────────────────────────────────────────

/**
 * The in-flight guard (DESIGN.md, Exactly once): a vend id is claimed in the database before its
 * token is minted, so a duplicate arriving at any central instance meanwhile is told 409. A claim
 * left by a crashed instance expires after its lease.
 */
export interface VendClaimRequest {
  vendId: string
  requestHash: string
  kioskId: string
  /** Unique per attempt; only the owner's commit or release removes the claim. */
  owner: string
  now: number
  leaseMs: number
}

export type VendClaimResult =
  | { kind: 'claimed' }
  /** The vend is done: answer from storage (or 422 when the request differs). */
  | { kind: 'completed'; vend: VendRecord }
  /** Someone else holds a live claim. */
  | { kind: 'inFlight'; requestHash: string }

/**
 * A vend ready to commit. The security module is async (an HSM is a network hop), so the token is
 * minted before the transaction against a snapshot of the meter's last TID, the account's tariff
 * state and the tariff version; the transaction re-reads them (FOR UPDATE on PostgreSQL) and
 * commits only if they are unchanged (compare-and-set), else answers 'stale' and the caller
 * mints again. A token whose commit did not happen was never issued, so its TID is free again.
 */
export interface VendCommitRequest {
  vendId: string
  requestHash: string
  kioskId: string
  meterNo: string
  cardNo: string | null
  amountFen: number
  notes: { noteId: string; valueFen: number }[]
  paidAt: number
  now: number
  /** 'YYYYMMDD' in the deployment's time zone: receipt numbers count per kiosk per business day. */
  businessDay: string
  /** The claim this commit completes (removed in the same transaction). */
  claimOwner: string | null
  /** What the token was minted against. */
  expected: { accountId: string; lastTid: number; tariffVersionId: number; state: AccountTariffState }
  customerName: string
  tariffName: string
  outcome: TariffVendResult
  /** Null when the vend bought no energy (everything went to charges or debt): no token. */
  tid: number | null
  tokens: string[]
  /** When the delivery's second attempt falls due: its first is recorded in this transaction. */
  deliveryRetryAt: number
}

export type VendCommitResult =
  /**
   * `delivery` (id repeated in `deliveryId`) is the outbox row as committed, its first attempt
   * already recorded: the meter link publishes it as it is, with no claim write.
   */
  | { kind: 'created'; vend: VendRecord; deliveryId: string | null; delivery: DeliveryRecord | null }
  /** Same id, same request: the stored answer, nothing new written. */
  | { kind: 'replayed'; vend: VendRecord }
  /** The snapshot moved (another vend for this meter or account); mint again. */
  | { kind: 'stale' }

// ── staff requests: two people for every reversal and refund ─────────────────────────────────

export type StaffRequestKind = 'vend.reversal' | 'wallet.refund'
export type StaffRequestState = 'requested' | 'approved' | 'rejected'

export interface StaffRequestRecord {
  id: string
  kind: StaffRequestKind
  state: StaffRequestState
  vendId: string | null
  accountId: string
  amountFen: number
  reason: string
  requestedBy: string
  requestedAt: number
  decidedBy: string | null
  decidedAt: number | null
  decisionNote: string | null
}

export interface Repository extends HistoryStore, FieldOpsStore, MeterControlStore, CashStore, AnalyticsStore, ConsoleStore {
  readonly engine: 'sqlite' | 'postgres'
  close(): Promise<void>
  ping(): Promise<boolean>
  /** Resolves once every write applied so far is durable; awaited before any reply is sent. */
  settled(): Promise<void>
  /** SQLite: group commits so far and the writes they carried (null on PostgreSQL). */
  storageStats(): { commits: number; writes: number } | null
  isEmpty(): Promise<boolean>
  /** Writes a seed plan in one transaction; with onlyIfEmpty, false (and nothing written) when not empty. */
  seed(plan: SeedPlan, options?: { onlyIfEmpty?: boolean }): Promise<boolean>

  // kiosks
  getKiosk(id: string): Promise<KioskRecord | null>
  pendingEnrollments(): Promise<PendingEnrollment[]>
  /** Binds the key and clears the one-time code; false when someone else used the code first. */
  completeEnrollment(kioskId: string, codeHash: string, publicKey: string, now: number): Promise<boolean>
  /** Applied: records a nonce; false when the kiosk already used it (a replay). */
  useNonce(kioskId: string, nonce: string, expiresAt: number, now: number): Promise<boolean>
  countEnrolledKiosks(): Promise<number>
  /** Refuses every later request from the kiosk (a stolen or retired kiosk); false if unknown. */
  revokeKiosk(kioskId: string, actor: string, now: number): Promise<boolean>

  // customers, cards, meters, tariffs
  findCard(cardNo: string): Promise<CardRecord | null>
  findMeter(meterNo: string): Promise<MeterRecord | null>
  getAccount(accountId: string, at: number): Promise<AccountView | null>
  /** A meter and its account with the tariff in force at `at` (what a vend needs, in one read). */
  getMeterAccount(meterNo: string, at: number): Promise<{ meter: MeterRecord; account: Omit<AccountView, 'meters'> } | null>
  listMeters(): Promise<MeterRecord[]>
  /** Adds a version of a tariff (creating the tariff); vends paid from effectiveFrom on use it. */
  putTariffVersion(v: { tariffName: string; effectiveFrom: number; definition: TariffDefinition; actor: string; now: number }): Promise<number>

  // vending keys, sealed by the security module (its VendingKeyStore port, see vending-key-store.ts)
  getVendingKey(keyId: string): Promise<EncryptedVendingKey | undefined>
  putVendingKey(record: EncryptedVendingKey, now: number): Promise<void>
  deleteVendingKey(keyId: string): Promise<void>
  listVendingKeys(): Promise<string[]>

  // vends
  getVend(vendId: string): Promise<VendRecord | null>
  /** Applied (see the header). Throws the 422 for an id already completed with another request. */
  claimVend(req: VendClaimRequest): Promise<VendClaimResult>
  /** Gives a claim up after a failed attempt (nothing was recorded). */
  releaseVendClaim(vendId: string, owner: string): Promise<void>
  /** Throws the 422 errors for a reused vend id or note; see VendCommitRequest for 'stale'. */
  commitVend(req: VendCommitRequest): Promise<VendCommitResult>
  appendAudit(entry: AuditEntryInput): Promise<void>
  verifyAuditChain(): Promise<{ ok: boolean; entries: number; brokenAt: number | null }>

  // staff, reversals, refunds
  findStaff(staffId: string): Promise<StaffRecord | null>
  requestReversal(r: { requestId: string; vendId: string; reason: string; staffId: string; now: number }): Promise<StaffRequestRecord>
  requestRefund(r: { requestId: string; accountId: string; amountFen: number; reason: string; staffId: string; now: number }): Promise<StaffRequestRecord>
  /** Carries the request out (balancing transfers, audit) in one transaction; a second, different staff member. */
  approveRequest(r: { requestId: string; staffId: string; now: number }): Promise<StaffRequestRecord>
  rejectRequest(r: { requestId: string; staffId: string; note: string; now: number }): Promise<StaffRequestRecord>
  getStaffRequest(requestId: string): Promise<StaffRequestRecord | null>

  // deliveries (outbox)
  /**
   * Claims up to `limit` due deliveries for one publish attempt each: marks them sent and sets the
   * next attempt from `backoffMs(attempts)`. Rows another instance is claiming are skipped.
   */
  claimDueDeliveries(now: number, limit: number, backoffMs: Backoff): Promise<DeliveryRecord[]>
  nextDueAt(): Promise<number | null>
  /**
   * Applies a meter's answer once. 'duplicate' when the delivery was already final; 'voided' when
   * the meter accepted a token whose vend was reversed (recorded in the audit log).
   */
  settleDelivery(
    id: string,
    meterNo: string,
    outcome: { state: 'accepted' | 'rejected'; reason: string | null; creditWh: number | null },
    now: number,
  ): Promise<{ kind: 'settled' | 'duplicate' | 'voided'; delivery: DeliveryRecord | null }>
  getDelivery(id: string): Promise<DeliveryRecord | null>
  deliveryForVend(vendId: string): Promise<DeliveryRecord | null>
  listDeliveries(meterNo: string, limit: number): Promise<DeliveryRecord[]>
  outboxDepth(): Promise<number>

  // readings and meter status
  /** Inserts a reading once per (meter, at); false for a duplicate or an unknown meter. */
  insertReading(r: ReadingRecord): Promise<boolean>
  latestReadings(meterNo: string, limit: number): Promise<ReadingRecord[]>
  setMeterOnline(meterNo: string, online: boolean): Promise<boolean>

  // ledger
  ledgerCheck(): Promise<LedgerCheck>
}
