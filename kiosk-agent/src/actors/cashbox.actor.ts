import type { Logger } from 'pino'
import { fromPromise } from 'xstate'
import type { Journal } from '../journal/journal.ts'
import type { CloseCashboxOutput } from '../machines/transaction.types.ts'

/**
 * Cash box exchange: closes the journal's cycle with the bag's seal number and opens the next. The
 * collection for the central is journaled in the same transaction; `closed` hands it to the ops
 * outbox, which posts it (and retries) without holding up the staff screen.
 */
export function createCloseCashboxLogic(deps: { journal: Journal; log: Logger; closed?: (cycleId: string) => void }) {
  return fromPromise<CloseCashboxOutput, { sealNo: string; staffCardNo: string }>(({ input }) => {
    const closed = deps.journal.closeCycle(input.sealNo, input.staffCardNo)
    deps.log.info(
      { cycleId: closed.cycleId, sealNo: closed.sealNo, totalFen: closed.totalFen, noteCount: closed.noteCount, staff: `…${input.staffCardNo.slice(-4)}` },
      'cash box cycle closed',
    )
    deps.closed?.(closed.cycleId)
    return Promise.resolve({ cycleId: closed.cycleId, sealNo: closed.sealNo, totalFen: closed.totalFen })
  })
}
