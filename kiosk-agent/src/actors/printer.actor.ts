import type { Logger } from 'pino'
import { fromPromise } from 'xstate'
import { ErrorCode, type Clock, type VendNote, type VendResponse, type VendResultView } from '@gridtill/shared'
import { shortReference } from '../machines/transaction.types.ts'
import type { Journal } from '../journal/journal.ts'
import type { PrintJobInput, PrintJobOutput } from '../machines/transaction.types.ts'
import type { PrinterDevice, PrinterOutcome, PrinterStatusBits, ReceiptData, RenderReceipt } from './device-types.ts'
import { crashPoint } from '../sim-panel/crash-points.ts'

export interface PrinterDeps {
  printer: PrinterDevice
  render: RenderReceipt
  journal: Journal
  clock: Clock
  log: Logger
  kiosk: () => { name: string; location: string }
  timeZone: string
  onStatus?: (s: PrinterStatusBits) => void
}

export function noteLines(notes: readonly VendNote[]): { valueFen: number; count: number }[] {
  const counts = new Map<number, number>()
  for (const n of notes) counts.set(n.valueFen, (counts.get(n.valueFen) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[0] - a[0]).map(([valueFen, count]) => ({ valueFen, count }))
}

/** The printed receipt for a vend result (the receipt follows the screen: same token, same reference). */
export function receiptDataFor(job: PrintJobInput, deps: Pick<PrinterDeps, 'clock' | 'kiosk' | 'timeZone'>): ReceiptData {
  const r = job.result
  const b = r.breakdown
  const kiosk = deps.kiosk()
  const token = r.tokens[0]
  return {
    kioskName: kiosk.name,
    location: kiosk.location,
    printedAt: deps.clock.now(),
    timeZone: deps.timeZone,
    receiptNo: r.receiptNo ?? r.reference,
    customerNameMasked: job.customerNameMasked,
    meterNo: r.meterNoDisplay,
    notes: noteLines(job.notes),
    amountFen: r.amountFen,
    tariffName: job.tariffName,
    breakdown: {
      energyFen: b?.energyFen ?? 0,
      vatFen: b?.vatFen ?? 0,
      fixedChargesFen: b?.fixedChargesFen ?? 0,
      debtRecoveredFen: b?.debtRecoveredFen ?? 0,
      carriedOverFen: b?.carriedOverFen ?? 0,
    },
    energyWh: r.energyWh ?? 0,
    ...(r.status === 'vended' && token ? { token } : {}),
    vendId: r.vendId,
    status: r.status === 'vended' && token ? 'vended' : 'creditPending',
    ...(job.kind === 'duplicate' ? { duplicate: true } : {}),
    ...(job.daysLeft != null ? { daysLeft: job.daysLeft } : {}),
  }
}

/** A printer's reason as the code the screens translate. */
export function failCode(reason: string): string {
  if (reason === 'paperOut') return ErrorCode.PRINTER_PAPER_OUT
  if (reason === 'offline') return ErrorCode.DEVICE_OFFLINE
  return ErrorCode.PRINTER_FAULT
}

/** Prints one receipt and journals whether it came out; never throws (a failed print is an answer). */
export async function printReceipt(job: PrintJobInput, deps: PrinterDeps): Promise<PrintJobOutput> {
  const log = deps.log.child({ vendId: job.result.vendId, sessionId: job.sessionId })
  let outcome: PrinterOutcome
  try {
    outcome = await deps.printer.print(deps.render(receiptDataFor(job, deps)))
    crashPoint('printing')
  } catch (err) {
    log.error({ err }, 'receipt could not be printed')
    outcome = { ok: false, reason: 'fault' }
  }
  if (outcome.status) deps.onStatus?.(outcome.status)
  deps.journal.recordReceipt({
    vendId: job.result.vendId || null,
    kind: job.kind,
    status: outcome.ok ? 'printed' : 'failed',
    reason: outcome.ok ? null : outcome.reason,
  })
  if (outcome.ok) {
    log.info({ status: job.result.status, kind: job.kind }, 'receipt printed')
    return { ok: true }
  }
  log.warn({ reason: outcome.reason }, 'receipt not printed')
  return { ok: false, reason: failCode(outcome.reason) }
}

/** A vend's answer as the screen and the receipt show it. */
export function resultFromResponse(r: VendResponse): VendResultView {
  return {
    vendId: r.vendId,
    status: 'vended',
    receiptNo: r.receiptNo,
    meterNo: r.meterNo,
    meterNoDisplay: r.meterNoDisplay,
    amountFen: r.amountFen,
    energyWh: r.energyWh,
    tokens: r.tokens,
    breakdown: r.breakdown,
    receipt: 'printing',
    receiptFailReason: null,
    reference: shortReference(r.vendId),
  }
}

/**
 * `latest` reads the journal: a duplicate of a credit-pending receipt carries the token once the
 * outbox has it (the central's stored answer, never a new token).
 */
export function createPrintReceiptLogic(deps: PrinterDeps, latest?: (vendId: string) => VendResponse | null) {
  return fromPromise<PrintJobOutput, PrintJobInput>(({ input }) => {
    const answered = input.kind === 'duplicate' && input.result.status === 'creditPending' ? latest?.(input.result.vendId) : null
    return printReceipt(answered ? { ...input, result: resultFromResponse(answered) } : input, deps)
  })
}

/** Service mode's test page: a credit-pending style receipt marked TEST. */
export function createTestPrintLogic(deps: PrinterDeps) {
  return fromPromise<PrintJobOutput, { staffCardNo: string }>(async () => {
    const kiosk = deps.kiosk()
    const data: ReceiptData = {
      kioskName: kiosk.name,
      location: kiosk.location,
      printedAt: deps.clock.now(),
      timeZone: deps.timeZone,
      receiptNo: 'TEST',
      customerNameMasked: '测试 TEST',
      meterNo: '-',
      notes: [],
      amountFen: 0,
      tariffName: '-',
      breakdown: { energyFen: 0, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, carriedOverFen: 0 },
      energyWh: 0,
      vendId: `TEST-${deps.clock.now()}`,
      status: 'creditPending',
    }
    let outcome: PrinterOutcome
    try {
      outcome = await deps.printer.print(deps.render(data))
    } catch (err) {
      deps.log.error({ err }, 'test page failed')
      outcome = { ok: false, reason: 'fault' }
    }
    if (outcome.status) deps.onStatus?.(outcome.status)
    deps.journal.recordReceipt({ vendId: null, kind: 'test', status: outcome.ok ? 'printed' : 'failed', reason: outcome.ok ? null : outcome.reason })
    return outcome.ok ? { ok: true } : { ok: false, reason: failCode(outcome.reason) }
  })
}
