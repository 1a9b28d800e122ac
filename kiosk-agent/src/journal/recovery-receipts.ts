import type { Logger } from 'pino'
import { meterNoDisplay, type VendResultView } from '@gridtill/shared'
import { printReceipt, resultFromResponse, type PrinterDeps } from '../actors/printer.actor.ts'
import { shortReference } from '../machines/transaction.types.ts'
import type { Outbox } from '../outbox/outbox.ts'
import type { Journal, VendRecord } from './journal.ts'

/**
 * Receipts for vends that recovery made (money taken before a crash) or that a crash kept from
 * printing: printed once, with the token
 * if the central answers within `waitMs`, else as credit pending with the reference.
 */
export async function printRecoveryReceipts(deps: {
  journal: Journal
  outbox: Outbox
  printer: PrinterDeps
  log: Logger
  waitMs: number
  /** Just these vends; without it, every vend that never had a receipt (at start, before any session). */
  vendIds?: string[]
}): Promise<number> {
  let printed = 0
  const vends = deps.vendIds
    ? deps.vendIds.map((id) => deps.journal.getVend(id)).filter((v): v is VendRecord => v !== null)
    : deps.journal.vendsWithoutReceipt()
  for (const vend of vends) {
    if (deps.journal.receiptsFor(vend.vendId).length > 0) continue
    const answer = await Promise.race([
      deps.outbox.waitFor(vend.vendId).catch(() => null),
      new Promise<null>((r) => setTimeout(() => r(null), deps.waitMs).unref()),
    ])
    const current = deps.journal.getVend(vend.vendId) ?? vend
    const session = vend.sessionId ? deps.journal.getSession(vend.sessionId) : null
    const result = resultFor(current, answer?.state === 'done' ? current : null)
    await printReceipt(
      {
        kind: 'vend',
        sessionId: vend.sessionId ?? '',
        result,
        customerNameMasked: current.response?.customerNameMasked ?? session?.customerNameMasked ?? '',
        tariffName: current.response?.tariffName ?? '',
        notes: vend.notes,
        language: 'zh-CN',
      },
      deps.printer,
    )
    deps.log.info({ vendId: vend.vendId, status: result.status }, 'recovery receipt printed')
    printed++
  }
  return printed
}

function resultFor(vend: VendRecord, done: VendRecord | null): VendResultView {
  if (done?.response) return resultFromResponse(done.response)
  return {
    vendId: vend.vendId,
    status: 'creditPending',
    receiptNo: null,
    meterNo: vend.meterNo,
    meterNoDisplay: meterNoDisplay(vend.meterNo),
    amountFen: vend.amountFen,
    energyWh: null,
    tokens: [],
    breakdown: null,
    receipt: 'printing',
    receiptFailReason: null,
    reference: shortReference(vend.vendId),
  }
}
