import type { Logger } from 'pino'
import { fromPromise } from 'xstate'
import type { Journal } from '../journal/journal.ts'
import type { CloseCashboxOutput } from '../machines/transaction.types.ts'

/**
 * Cash box exchange: closes the journal's cycle with the bag's seal number and opens the next.
 * TODO(console issue "cash collections"): post the closed cycle to the central as a collection so
 * cashiers can count it against the seal; the central has no collections route yet.
 */
export function createCloseCashboxLogic(deps: { journal: Journal; log: Logger }) {
  return fromPromise<CloseCashboxOutput, { sealNo: string; staffCardNo: string }>(({ input }) => {
    const closed = deps.journal.closeCycle(input.sealNo, input.staffCardNo)
    deps.log.info(
      { cycleId: closed.cycleId, sealNo: closed.sealNo, totalFen: closed.totalFen, noteCount: closed.noteCount, staff: `…${input.staffCardNo.slice(-4)}` },
      'cash box cycle closed',
    )
    return Promise.resolve({ cycleId: closed.cycleId, sealNo: closed.sealNo, totalFen: closed.totalFen })
  })
}
