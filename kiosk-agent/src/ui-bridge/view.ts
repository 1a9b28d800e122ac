import type { DevicesView, HistoryView, KioskScreen, KioskView, ServiceView, SessionView } from '@gridtill/shared'
import { maxMoreFen } from '../machines/transaction.machine.ts'
import type { TransactionSnapshot } from '../machines/transaction.machine.ts'
import type { TransactionContext } from '../machines/transaction.types.ts'

/** What the view needs besides the machine: the kiosk, the central link and service-mode data. */
export interface ViewExtras {
  seq: number
  at: number
  kiosk: { name: string; location: string; centralOnline: boolean; version: string }
  /** Read only while a staff member is on the service screen (it queries the journal). */
  serviceData: () => Pick<ServiceView, 'cashbox' | 'outbox' | 'collections' | 'suspectNotes' | 'lastCollection'>
}

export function screenOf(snap: TransactionSnapshot): KioskScreen {
  if (snap.matches('attract')) return 'attract'
  if (snap.matches('identify')) return 'identify'
  if (snap.matches('lookingUp')) return 'lookingUp'
  if (snap.matches('account')) return 'account'
  if (snap.matches('history')) return 'history'
  if (snap.matches('collecting') || snap.matches('closingCash') || snap.matches('settleCash')) return 'collecting'
  if (snap.matches('vending')) return 'vending'
  if (snap.matches('printing') || snap.matches('done')) return 'done'
  if (snap.matches('error')) return 'error'
  if (snap.matches('service')) return 'service'
  if (snap.matches('outOfService')) return 'outOfService'
  return 'attract'
}

function sessionView(ctx: TransactionContext): SessionView | null {
  const s = ctx.session
  if (!s) return null
  return {
    sessionId: s.sessionId,
    via: s.via,
    account: s.account,
    meterNo: s.meterNo,
    notes: s.notes.map((n) => ({ noteId: n.noteId, valueFen: n.valueFen })),
    insertedFen: s.insertedFen,
    escrowFen: s.escrowFen,
    maxMoreFen: maxMoreFen(s),
    quote: s.quote,
    keypadDigits: s.keypadDigits,
    cashStoppedReason: s.cashStoppedReason,
  }
}

/** The history screen's data: only what the screen shows (no account id, no raw meter number). */
export function historyView(ctx: TransactionContext): HistoryView | null {
  const h = ctx.history
  if (!h) return null
  return {
    status: h.status,
    errorCode: h.errorCode,
    vends: (h.data?.vends ?? []).map((v) => ({
      vendId: v.vendId,
      paidAt: v.paidAt,
      receiptNo: v.receiptNo,
      meterNoDisplay: v.meterNoDisplay,
      amountFen: v.amountFen,
      energyWh: v.energyWh,
      tokens: v.tokens,
      delivery: v.delivery && { state: v.delivery.state, reason: v.delivery.reason },
    })),
    months: h.data?.months ?? [],
  }
}

function serviceView(ctx: TransactionContext, extras: ViewExtras): ServiceView | null {
  const staff = ctx.staff
  if (!staff) return null
  const data = extras.serviceData()
  return {
    staffName: staff.staffName,
    role: staff.role,
    cashbox: data.cashbox,
    exchange: staff.exchange,
    lastCollection: staff.lastCollection ?? data.lastCollection,
    outbox: data.outbox,
    collections: data.collections,
    suspectNotes: data.suspectNotes,
    message: staff.message,
  }
}

/** The whole screen state, a pure function of the machine's snapshot and the device states. */
export function toKioskView(snap: TransactionSnapshot, devices: DevicesView, extras: ViewExtras): KioskView {
  const ctx = snap.context
  const screen = screenOf(snap)
  return {
    seq: extras.seq,
    screen,
    language: ctx.language,
    largeText: ctx.largeText,
    kiosk: { ...extras.kiosk, outOfService: ctx.outOfService },
    devices,
    session: screen === 'attract' || screen === 'service' || screen === 'outOfService' ? null : sessionView(ctx),
    result: ctx.result,
    idleWarning: ctx.idleDeadline === null ? null : { deadline: ctx.idleDeadline },
    error: ctx.error,
    history: screen === 'history' ? historyView(ctx) : null,
    service: screen === 'service' ? serviceView(ctx, extras) : null,
    at: extras.at,
  }
}
