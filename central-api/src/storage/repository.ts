/**
 * The central's one data-access layer (DESIGN.md, Storage). Methods are async so a PostgreSQL
 * engine can implement the same interface; the SQLite engine answers synchronously underneath.
 * Domain rules (tariff maths, TID choice, ledger legs, receipt format) live in pure modules the
 * engines call, so a second engine repeats only SQL, never policy.
 */
import type { DeliveryState, VendResponse } from '@gridtill/shared'
import type { EncryptedVendingKey } from '../security-module/index.ts'
import type { VendComputation } from '../vending/compute.ts'

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

export interface TariffInForce {
  tariffName: string
  priceFenPerKwh: number
  minVendFen: number
  maxVendFen: number
  effectiveFrom: number
}

export interface AccountView {
  accountId: string
  customerName: string
  status: 'open' | 'closed'
  walletFen: number
  arrearsFen: number
  /** Null when no tariff version is in force at the time asked about. */
  tariff: TariffInForce | null
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

export interface DeliveryRecord {
  id: string
  vendId: string
  meterNo: string
  tokens: string[]
  state: DeliveryState
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

export interface LedgerCheck {
  balanced: boolean
  totalDebitsFen: number
  totalCreditsFen: number
  /** Vends whose cash-in transfers do not add up to the money paid (0 when sound). */
  vendsWithoutTransfer: number
  /** Accounts whose cached wallet_fen differs from the ledger's wallet balance (0 when sound). */
  walletsMismatched: number
}

export interface AuditEntryInput {
  at: number
  actor: string
  action: string
  details: Record<string, unknown>
}

// ── seeding ──────────────────────────────────────────────────────────────────────────────────

/** Everything a fresh deployment starts with, as plain data (built by seed-demo.ts). */
export interface SeedPlan {
  at: number
  site: { name: string; kind: 'residential' | 'industrial' | 'commercial'; buildings: string[] }
  units: { building: string; name: string }[]
  tariff: TariffInForce
  customers: { id: string; name: string; accountId: string }[]
  meters: (MeterKeyInfo & { building: string; unitName: string; accountId: string; profile: MeterProfile })[]
  cards: (
    | { kind: 'resident'; cardNo: string; uid: string; accountId: string }
    | { kind: 'staff'; cardNo: string; uid: string; staffName: string; staffRole: 'field' | 'cashier' | 'admin' }
  )[]
  kiosks: { id: string; name: string; location: string; enrollmentCodeHash: string }[]
}

// ── the vend transaction ─────────────────────────────────────────────────────────────────────

/**
 * A vend ready to commit. The security module is async (an HSM is a network hop), so the token is
 * minted before the transaction against a snapshot of the meter's last TID, the wallet and the
 * tariff version; the transaction re-reads them and commits only if they are unchanged
 * (compare-and-set), else answers 'stale' and the caller mints again. A token whose commit did
 * not happen was never issued, so its TID is free for the next try.
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
  /** What the token was minted against. */
  expected: { accountId: string; lastTid: number; walletFen: number; tariffEffectiveFrom: number }
  customerName: string
  tariffName: string
  computation: VendComputation
  tid: number
  tokens: string[]
}

export type VendCommitResult =
  | { kind: 'created'; vend: VendRecord; deliveryId: string }
  /** Same id, same request: the stored answer, nothing new written. */
  | { kind: 'replayed'; vend: VendRecord }
  /** The snapshot moved (another vend for this meter or account); mint again. */
  | { kind: 'stale' }

export interface Repository {
  readonly engine: 'sqlite'
  close(): Promise<void>
  ping(): Promise<boolean>
  isEmpty(): Promise<boolean>
  /** Writes a seed plan in one transaction (only into an empty database). */
  seed(plan: SeedPlan): Promise<void>

  // kiosks
  getKiosk(id: string): Promise<KioskRecord | null>
  pendingEnrollments(): Promise<PendingEnrollment[]>
  /** Binds the key and clears the one-time code; false when someone else used the code first. */
  completeEnrollment(kioskId: string, codeHash: string, publicKey: string, now: number): Promise<boolean>
  /** Records a nonce; false when the kiosk already used it (a replay). */
  useNonce(kioskId: string, nonce: string, expiresAt: number, now: number): Promise<boolean>
  countEnrolledKiosks(): Promise<number>
  /** Refuses every later request from the kiosk (a stolen or retired kiosk); false if unknown. */
  revokeKiosk(kioskId: string, actor: string, now: number): Promise<boolean>

  // customers, cards, meters
  findCard(cardNo: string): Promise<CardRecord | null>
  findMeter(meterNo: string): Promise<MeterRecord | null>
  getAccount(accountId: string, at: number): Promise<AccountView | null>
  listMeters(): Promise<MeterRecord[]>

  // vending keys, sealed by the security module (its VendingKeyStore port, see vending-key-store.ts)
  getVendingKey(keyId: string): Promise<EncryptedVendingKey | undefined>
  putVendingKey(record: EncryptedVendingKey, now: number): Promise<void>
  deleteVendingKey(keyId: string): Promise<void>
  listVendingKeys(): Promise<string[]>

  // vends
  getVend(vendId: string): Promise<VendRecord | null>
  /** Throws the 422 errors for a reused vend id or note; see VendCommitRequest for 'stale'. */
  commitVend(req: VendCommitRequest): Promise<VendCommitResult>
  appendAudit(entry: AuditEntryInput): Promise<void>
  verifyAuditChain(): Promise<{ ok: boolean; entries: number; brokenAt: number | null }>

  // deliveries (outbox)
  dueDeliveries(now: number, limit: number): Promise<DeliveryRecord[]>
  nextDueAt(): Promise<number | null>
  markDeliveryAttempt(id: string, now: number, nextAttemptAt: number): Promise<void>
  /** Applies a meter's answer once; null when the delivery was already final (a duplicate ack). */
  settleDelivery(
    id: string,
    meterNo: string,
    outcome: { state: 'accepted' | 'rejected'; reason: string | null; creditWh: number | null },
    now: number,
  ): Promise<DeliveryRecord | null>
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
