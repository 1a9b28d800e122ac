/**
 * Fakes for driving the transaction machine in tests: an acceptor that answers commands the way
 * the real driver does, a card reader, and scriptable central/printer jobs. Test-only.
 */
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate'
import { uuidv7, type AccountSummary, type QuoteResponse, type VendResponse } from '@gridtill/shared'
import { transactionMachine } from '../machines/transaction.machine.ts'
import type {
  AcceptorCommand,
  HistoryOutput,
  VendStatusOutput,
  LookupCardOutput,
  AcceptorEvent,
  PrintJobInput,
  PrintJobOutput,
  ReaderEvent,
  Timing,
  VendJobInput,
  VendJobOutput,
} from '../machines/transaction.types.ts'

export const T0 = Date.UTC(2026, 0, 1, 2, 0, 0)

export const ACCOUNT: AccountSummary = {
  accountId: 'acc-1',
  customerNameMasked: '张*明',
  meters: [{ meterNo: '58101000001', meterNoDisplay: '5810 1000 0012', unitName: '1-101' }],
  tariffName: '居民生活用电 Residential flat',
  priceFenPerKwh: 60,
  minVendFen: 1000,
  maxVendFen: 20_000,
  arrearsFen: 0,
  walletFen: 0,
  lastKnownCreditWh: null,
  daysLeft: null,
  nextBlock: { blockNumber: 1, blockCount: 1, priceFenPerKwh: 60, remainingWh: null, nextPriceFenPerKwh: null, resetsOn: '2026-02-01' },
}

export const TIMING: Timing = {
  idleTimeoutMs: 60_000,
  idleWarningMs: 30_000,
  lookupTimeoutMs: 15_000,
  vendWaitMs: 10_000,
  printTimeoutMs: 30_000,
  doneTimeoutMs: 60_000,
  errorTimeoutMs: 15_000,
  serviceTimeoutMs: 300_000,
  testNoteTimeoutMs: 60_000,
  closeCashTimeoutMs: 5_000,
  deliveryPollMs: 3_000,
  escrowHoldMs: 0,
}

export function vendResponse(input: VendJobInput): VendResponse {
  const amountFen = input.notes.reduce((a, n) => a + n.valueFen, 0)
  return {
    vendId: input.vendId,
    receiptNo: 'R0001',
    meterNo: input.meterNo,
    meterNoDisplay: '5810 1000 0012',
    customerNameMasked: '张*明',
    amountFen,
    energyWh: Math.floor((amountFen / 60) * 10) * 100,
    tokens: ['12345678901234567890'],
    breakdown: { energyFen: amountFen, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 },
    tariffName: ACCOUNT.tariffName,
    createdAt: new Date(T0).toISOString(),
  }
}

export interface HarnessOptions {
  /** Stack commands credit the note at once (default) or wait for `creditEscrow()`. */
  autoCredit?: boolean
  vend?: (input: VendJobInput) => Promise<VendJobOutput>
  print?: (input: PrintJobInput) => Promise<PrintJobOutput>
  quote?: (meterNo: string, amountFen: number) => Promise<QuoteResponse>
  lookupMeter?: (meterNo: string) => Promise<{ account: AccountSummary }>
  lookupCard?: (cardNo: string) => Promise<LookupCardOutput>
  /** The card's history (issue #8); default: no purchases, a year without readings. */
  loadHistory?: (cardNo: string) => Promise<HistoryOutput>
  /** Timing over TIMING (e.g. an escrow hold). */
  timing?: Partial<Timing>
  /** The token's delivery; default: still 'sent'. */
  vendStatus?: (vendId: string) => Promise<VendStatusOutput>
}

export function createHarness(options: HarnessOptions = {}) {
  const clock = new SimulatedClock()
  clock.set(T0)
  const commands: AcceptorCommand['type'][] = []
  const creditOrder: string[] = []
  const vends: VendJobInput[] = []
  const prints: PrintJobInput[] = []
  const quotes: number[] = []
  let toMachine: ((e: AcceptorEvent | ReaderEvent) => void) | null = null
  let escrow: number | null = null
  let enabled = false

  const acceptor = fromCallback<AcceptorCommand>(({ sendBack, receive }) => {
    toMachine = sendBack
    receive((cmd) => {
      commands.push(cmd.type)
      switch (cmd.type) {
        case 'acceptor.enable':
          if (!enabled) {
            enabled = true
            sendBack({ type: 'acceptor.enabled' })
          }
          break
        case 'acceptor.disable':
          if (enabled) {
            enabled = false
            sendBack({ type: 'acceptor.disabled' })
          }
          break
        case 'acceptor.stack':
          if (options.autoCredit !== false) creditEscrow()
          break
        case 'acceptor.return':
          if (escrow !== null) {
            escrow = null
            sendBack({ type: 'acceptor.noteReturned' })
          }
          break
      }
    })
  })
  const reader = fromCallback(({ sendBack }) => {
    const prev = toReader
    toReader = sendBack
    return () => {
      toReader = prev
    }
  })
  let toReader: ((e: ReaderEvent) => void) | null = null

  function creditEscrow(): void {
    if (escrow === null) return
    const noteId = uuidv7(clock.now())
    const valueFen = escrow
    escrow = null
    creditOrder.push(noteId)
    toMachine?.({ type: 'acceptor.noteCredited', noteId, valueFen })
  }

  const machine = transactionMachine.provide({
    actors: {
      acceptor,
      reader,
      lookupCard: fromPromise<LookupCardOutput, { cardNo: string }>(({ input }) =>
        options.lookupCard
          ? options.lookupCard(input.cardNo)
          : Promise.resolve(
              input.cardNo.startsWith('99')
                ? { kind: 'staff' as const, cardNo: input.cardNo, staffName: '李师傅', role: 'field' as const }
                : { kind: 'resident' as const, cardNo: input.cardNo, account: ACCOUNT },
            ),
      ),
      lookupMeter: fromPromise(({ input }) => (options.lookupMeter ?? (() => Promise.resolve({ account: ACCOUNT })))(input.meterNo)),
      quote: fromPromise(({ input }) => {
        quotes.push(input.amountFen)
        return (options.quote ?? ((meterNo: string, amountFen: number) =>
          Promise.resolve({
            meterNo,
            amountFen,
            energyWh: Math.floor(amountFen / 6) * 100,
            breakdown: { energyFen: amountFen, vatFen: 0, fixedChargesFen: 0, debtRecoveredFen: 0, walletUsedFen: 0, carriedOverFen: 0 },
            tariffName: ACCOUNT.tariffName,
          })))(input.meterNo, input.amountFen)
      }),
      vend: fromPromise(({ input }) => {
        vends.push(input)
        return (options.vend ?? ((i: VendJobInput) => Promise.resolve({ status: 'vended' as const, response: vendResponse(i) })))(input)
      }),
      printReceipt: fromPromise(({ input }) => {
        prints.push(input)
        return (options.print ?? (() => Promise.resolve({ ok: true as const })))(input)
      }),
      testPrint: fromPromise<PrintJobOutput, { staffCardNo: string }>(() => Promise.resolve({ ok: true })),
      closeCashbox: fromPromise(({ input }) => Promise.resolve({ cycleId: 'c1', sealNo: input.sealNo, totalFen: 0 })),
      loadHistory: fromPromise<HistoryOutput, { cardNo: string }>(({ input }) =>
        (options.loadHistory ?? (() => Promise.resolve({ accountId: ACCOUNT.accountId, vends: [], months: [], timeZone: 'Asia/Shanghai' })))(input.cardNo),
      ),
      vendStatus: fromPromise<VendStatusOutput, { vendId: string }>(({ input }) =>
        (options.vendStatus ?? ((vendId: string) => Promise.resolve({ vend: vendResponse({ vendId, sessionId: '', meterNo: ACCOUNT.meters[0]?.meterNo ?? '', cardNo: null, notes: [], paidAt: T0 }), delivery: { state: 'sent' as const, updatedAt: new Date(T0).toISOString() } })))(input.vendId),
      ),
    },
  })
  const actor = createActor(machine, { clock, input: { now: () => clock.now(), timing: { ...TIMING, ...options.timing } } })
  const emitted: unknown[] = []
  actor.on('*', (e) => emitted.push(e))
  actor.start()

  return {
    actor,
    clock,
    commands,
    vends,
    prints,
    quotes,
    emitted,
    creditOrder,
    get escrow() {
      return escrow
    },
    state: () => actor.getSnapshot(),
    ctx: () => actor.getSnapshot().context,
    /** A note reaches escrow; the machine decides stack or return. */
    insert(valueFen: number) {
      escrow = valueFen
      toMachine?.({ type: 'acceptor.noteEscrowed', valueFen })
    },
    creditEscrow,
    device(e: AcceptorEvent) {
      toMachine?.(e)
    },
    tap(cardNo = '8800010001', cardKind: 'resident' | 'staff' = 'resident', staffRole?: 'field' | 'cashier' | 'admin') {
      toReader?.({ type: 'reader.cardRead', uid: '04A1B200C5', cardNo, cardKind, ...(staffRole ? { staffRole } : {}) })
    },
    advance(ms: number) {
      clock.increment(ms)
    },
  }
}

/** Lets promise actors settle (several microtask turns and one macrotask). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}
