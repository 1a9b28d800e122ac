import type { Logger } from 'pino'
import { fromPromise } from 'xstate'
import type { Journal } from '../journal/journal.ts'
import type { VendJobInput, VendJobOutput } from '../machines/transaction.types.ts'
import type { Outbox } from '../outbox/outbox.ts'
import { crashPoint } from '../sim-panel/crash-points.ts'

/**
 * The vend: journaled as an intent (with its notes claimed) before anything is sent, then handed
 * to the outbox, which owns delivery from here on. The machine may stop waiting (credit pending);
 * the outbox does not stop trying.
 */
export async function runVend(input: VendJobInput, deps: { journal: Journal; outbox: Outbox; log: Logger }): Promise<VendJobOutput> {
  const log = deps.log.child({ vendId: input.vendId, sessionId: input.sessionId })
  let vend
  try {
    vend = deps.journal.createVend({ ...input, origin: 'session' })
  } catch (err) {
    // The notes stay credited and unclaimed: the sweep after this session vends them.
    log.error({ err }, 'vend could not be journaled')
    throw err
  }
  log.info({ amountFen: vend.amountFen, notes: vend.notes.length }, 'vend journaled')
  crashPoint('vendJournaled')
  deps.outbox.enqueue(input.vendId)
  const outcome = await deps.outbox.waitFor(input.vendId)
  return outcome.state === 'done' ? { status: 'vended', response: outcome.response } : { status: 'failed', code: outcome.code }
}

export function createVendLogic(deps: { journal: Journal; outbox: Outbox; log: Logger }) {
  return fromPromise<VendJobOutput, VendJobInput>(({ input }) => runVend(input, deps))
}
