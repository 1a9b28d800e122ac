import { fromPromise } from 'xstate'
import type { CentralClient } from '../central-client/central-client.ts'
import type { LookupCardOutput, LookupMeterOutput, QuoteOutput } from '../machines/transaction.types.ts'

/** The central's read-only calls as one-shot actors; a rejection carries the central's error code. */
export function createCentralLogic(central: Pick<CentralClient, 'lookupCard' | 'lookupMeter' | 'quote'>) {
  return {
    lookupCard: fromPromise<LookupCardOutput, { cardNo: string }>(({ input }) => central.lookupCard(input.cardNo)),
    lookupMeter: fromPromise<LookupMeterOutput, { meterNo: string }>(({ input }) => central.lookupMeter(input.meterNo)),
    quote: fromPromise<QuoteOutput, { meterNo: string; amountFen: number }>(({ input }) =>
      central.quote(input.meterNo, input.amountFen),
    ),
  }
}
