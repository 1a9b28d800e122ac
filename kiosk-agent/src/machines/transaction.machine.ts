/**
 * The kiosk's transaction machine: one resident session from the attract loop to the token on
 * screen, and the field-staff service screen. Devices and the central are injected actors
 * (`.provide()` in main.ts); every timeout is an `after` delay on XState's clock, which tests
 * replace with SimulatedClock. Money rules (kiosk-hardware.md §6): a note is money only when the
 * acceptor credits it; a timeout never discards money — with money in, the vend completes for
 * the account on screen.
 */
import { and, assign, not, emit, enqueueActions, fromCallback, fromPromise, sendTo, setup, type ActorRefFrom, type SnapshotFrom } from 'xstate'
import { DEFAULT_NOTE_VALUES_FEN, meterNoDisplay, parseTypedMeterNo, uuidv7, type VendResultView } from '@gridtill/shared'
import {
  DEFAULT_TIMING,
  codeOf,
  daysLeftAfterVend,
  isRetryable,
  shortReference,
  type AcceptorCommand,
  type CashStoppedReason,
  type CloseCashboxOutput,
  type HistoryOutput,
  type LookupCardOutput,
  type LookupMeterOutput,
  type PrintJobInput,
  type PrintJobOutput,
  type QuoteOutput,
  type SessionContext,
  type SessionJournalState,
  type TransactionContext,
  type TransactionEmitted,
  type TransactionEvent,
  type TransactionInput,
  type VendJobInput,
  type VendJobOutput,
  type VendStatusOutput,
} from './transaction.types.ts'

const notProvided = (name: string) => () => Promise.reject(new Error(`actor ${name} not provided`))

function newSession(ctx: TransactionContext, via: 'card' | 'meterNo', cardNo: string | null): SessionContext {
  return {
    sessionId: uuidv7(ctx.now()),
    via,
    cardNo,
    account: null,
    meterNo: null,
    notes: [],
    insertedFen: 0,
    escrowFen: null,
    escrowHeld: false,
    quote: null,
    keypadDigits: '',
    cashStoppedReason: null,
    vendId: null,
    paidAt: null,
  }
}

function patchSession(ctx: TransactionContext, patch: Partial<SessionContext>): SessionContext | null {
  return ctx.session ? { ...ctx.session, ...patch } : null
}

export function maxMoreFen(s: SessionContext | null): number {
  if (!s?.account) return 0
  return Math.max(0, s.account.maxVendFen - s.insertedFen - (s.escrowFen ?? 0))
}

function journalSession(ctx: TransactionContext, state: SessionJournalState): TransactionEmitted {
  const s = ctx.session
  return {
    type: 'journal.session',
    sessionId: s?.sessionId ?? '',
    via: s?.via ?? 'meterNo',
    cardNo: s?.cardNo ?? null,
    accountId: s?.account?.accountId ?? null,
    meterNo: s?.meterNo ?? null,
    customerNameMasked: s?.account?.customerNameMasked ?? null,
    state,
  }
}

function displayFor(s: SessionContext, meterNo: string): string {
  return s.account?.meters.find((m) => m.meterNo === meterNo)?.meterNoDisplay ?? meterNoDisplay(meterNo)
}

function pendingResult(s: SessionContext): VendResultView {
  const meterNo = s.meterNo ?? ''
  const vendId = s.vendId ?? ''
  return {
    vendId,
    status: 'creditPending',
    receiptNo: null,
    meterNo,
    meterNoDisplay: meterNo ? displayFor(s, meterNo) : '',
    amountFen: s.insertedFen,
    energyWh: null,
    tokens: [],
    breakdown: null,
    receipt: 'printing',
    receiptFailReason: null,
    reference: shortReference(vendId),
  }
}

function vendedResult(s: SessionContext, out: Extract<VendJobOutput, { status: 'vended' }>): VendResultView {
  const r = out.response
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

/** What a staff action's journal row says: the intent's or device event's fields, a job's output, the screen's message. */
function staffDetail(event: TransactionEvent | { type: string; output?: unknown }, ctx: TransactionContext): Record<string, unknown> {
  const { type: _type, ...fields } = event as Record<string, unknown> & { type: string }
  return { ...fields, ...(ctx.staff?.message ? { message: ctx.staff.message } : {}) }
}

/**
 * The "are you still there?" timer every resident screen runs: quiet for idleTimeout, then the
 * warning for idleWarning, then `onTimeout`. One fragment, so every screen treats a tap the same
 * way: the state hosting it spreads IDLE_ACTIVITY into its `on` (the targets are relative to it).
 */
function idleTimer<T>(onTimeout: T) {
  return {
    initial: 'active' as const,
    states: {
      active: { after: { idleTimeout: 'warning' } },
      warning: {
        entry: 'startIdleWarning' as const,
        exit: 'clearIdleWarning' as const,
        after: { idleWarning: onTimeout },
      },
    },
  }
}

/**
 * What counts as the resident still being there. A handler for an event in a child state replaces
 * the root's handler, so the language switch must carry its own action here (it once did not, and
 * a switch while collecting cash was lost).
 */
const IDLE_ACTIVITY = {
  'resident.stillHere': { target: '.active' },
  'resident.setLanguage': { target: '.active', actions: 'setLanguage' },
  'resident.toggleLargeText': { target: '.active', actions: 'toggleLargeText' },
} as const

const CASH_STOP: Partial<Record<TransactionEvent['type'], CashStoppedReason>> = {
  'acceptor.jammed': 'jammed',
  'acceptor.offline': 'acceptorOffline',
  'acceptor.fault': 'acceptorFault',
  'acceptor.stackerFull': 'stackerFull',
  'acceptor.cashboxRemoved': 'cashboxRemoved',
}

export const transactionMachine = setup({
  types: {
    context: {} as TransactionContext,
    events: {} as TransactionEvent,
    input: {} as TransactionInput,
    emitted: {} as TransactionEmitted,
  },
  actors: {
    /** Streaming device: sends acceptor.* facts back, receives AcceptorCommand. */
    acceptor: fromCallback<AcceptorCommand>(() => undefined),
    /** Streaming device: sends reader.cardRead. */
    reader: fromCallback(() => undefined),
    lookupCard: fromPromise<LookupCardOutput, { cardNo: string }>(notProvided('lookupCard')),
    lookupMeter: fromPromise<LookupMeterOutput, { meterNo: string }>(notProvided('lookupMeter')),
    quote: fromPromise<QuoteOutput, { meterNo: string; amountFen: number }>(notProvided('quote')),
    /** Journals the vend intent (before any send) and waits for the outbox's answer. */
    vend: fromPromise<VendJobOutput, VendJobInput>(notProvided('vend')),
    printReceipt: fromPromise<PrintJobOutput, PrintJobInput>(notProvided('printReceipt')),
    testPrint: fromPromise<PrintJobOutput, { staffCardNo: string }>(notProvided('testPrint')),
    closeCashbox: fromPromise<CloseCashboxOutput, { sealNo: string; staffCardNo: string }>(notProvided('closeCashbox')),
    loadHistory: fromPromise<HistoryOutput, { cardNo: string }>(notProvided('loadHistory')),
    vendStatus: fromPromise<VendStatusOutput, { vendId: string }>(notProvided('vendStatus')),
  },
  delays: {
    idleTimeout: ({ context }) => context.timing.idleTimeoutMs,
    idleWarning: ({ context }) => context.timing.idleWarningMs,
    lookupTimeout: ({ context }) => context.timing.lookupTimeoutMs,
    vendWait: ({ context }) => context.timing.vendWaitMs,
    printTimeout: ({ context }) => context.timing.printTimeoutMs,
    doneTimeout: ({ context }) => context.timing.doneTimeoutMs,
    errorTimeout: ({ context }) => context.timing.errorTimeoutMs,
    serviceTimeout: ({ context }) => context.timing.serviceTimeoutMs,
    testNoteTimeout: ({ context }) => context.timing.testNoteTimeoutMs,
    closeCashTimeout: ({ context }) => context.timing.closeCashTimeoutMs,
    deliveryPoll: ({ context }) => context.timing.deliveryPollMs,
    escrowHold: ({ context }) => context.timing.escrowHoldMs,
  },
  guards: {
    isResidentCard: ({ event }) => event.type === 'reader.cardRead' && event.cardKind === 'resident',
    isStaffCard: ({ event }) => event.type === 'reader.cardRead' && event.cardKind === 'staff',
    isOutOfService: ({ context }) => context.outOfService,
    viaCard: ({ context }) => context.session?.via === 'card',
    validTypedMeterNo: ({ event }) => event.type === 'resident.enterMeterNo' && parseTypedMeterNo(event.digits).ok,
    cardIsStaff: ({ event }) =>
      'output' in event && typeof event.output === 'object' && event.output !== null && (event.output as LookupCardOutput).kind === 'staff',
    centralRefusedCard: ({ event }) =>
      'error' in event && ['ERR_CARD_UNKNOWN', 'ERR_CARD_BLOCKED'].includes(codeOf(event.error)),
    cardIsResident: ({ event }) =>
      'output' in event && typeof event.output === 'object' && event.output !== null && (event.output as LookupCardOutput).kind === 'resident',
    meterOnAccount: ({ context, event }) =>
      event.type === 'resident.selectMeter' && (context.session?.account?.meters.some((m) => m.meterNo === event.meterNo) ?? false),
    meterChosen: ({ context }) => context.session?.meterNo != null,
    noteFits: ({ context, event }) =>
      event.type === 'acceptor.noteEscrowed' &&
      context.session?.cashStoppedReason == null &&
      context.session?.escrowFen == null &&
      event.valueFen <= maxMoreFen(context.session),
    holdNotes: ({ context }) => context.timing.escrowHoldMs > 0,
    escrowGone: ({ context }) => context.session?.escrowFen == null,
    enoughToConfirm: ({ context }) => {
      const s = context.session
      return !!s?.account && s.insertedFen > 0 && s.insertedFen >= s.account.minVendFen
    },
    noMoney: ({ context }) => (context.session?.insertedFen ?? 0) === 0,
    hasMoney: ({ context }) => (context.session?.insertedFen ?? 0) > 0,
    cashSettled: ({ context }) => !context.acceptorEnabled && context.session?.escrowFen == null,
    closeToAccount: ({ context }) => context.closeThen === 'account',
    vended: ({ event }) => 'output' in event && (event.output as VendJobOutput | undefined)?.status === 'vended',
    hasResult: ({ context }) => context.result !== null && context.result.receipt !== 'printing',
    awaitingSeal: ({ context }) => context.staff?.exchange === 'awaitingSeal',
    notInService: ({ context }) => context.staff === null,
    /** A vended token whose delivery may still change (pending or sent, or not asked yet). */
    tokenInFlight: ({ context }) =>
      context.result?.status === 'vended' &&
      context.result.tokens.length > 0 &&
      (context.result.delivery == null || context.result.delivery.state === 'pending' || context.result.delivery.state === 'sent'),
  },
  actions: {
    setLanguage: assign({ language: ({ context, event }) => (event.type === 'resident.setLanguage' ? event.language : context.language) }),
    toggleLargeText: assign({ largeText: ({ context }) => !context.largeText }),
    closeToAttract: assign({ closeThen: 'attract' }),
    startIdleWarning: assign({ idleDeadline: ({ context }) => context.now() + context.timing.idleWarningMs }),
    clearIdleWarning: assign({ idleDeadline: null }),
    disableAcceptor: sendTo('acceptor', { type: 'acceptor.disable' } satisfies AcceptorCommand),
    returnNote: sendTo('acceptor', { type: 'acceptor.return' } satisfies AcceptorCommand),
    stackNote: sendTo('acceptor', { type: 'acceptor.stack' } satisfies AcceptorCommand),
    enableAcceptor: sendTo('acceptor', ({ context }): AcceptorCommand => {
      const more = maxMoreFen(context.session)
      return {
        type: 'acceptor.enable',
        sessionId: context.session?.sessionId ?? '',
        valuesFen: context.noteValuesFen.filter((v) => v <= more),
      }
    }),
    addCreditedNote: assign({
      session: ({ context, event }) => {
        const s = context.session
        if (!s || event.type !== 'acceptor.noteCredited') return s
        // The driver calls once per note; a repeated id is ignored, never counted twice.
        if (s.notes.some((n) => n.noteId === event.noteId)) return { ...s, escrowFen: null, escrowHeld: false }
        return {
          ...s,
          notes: [...s.notes, { noteId: event.noteId, valueFen: event.valueFen }],
          insertedFen: s.insertedFen + event.valueFen,
          escrowFen: null,
          escrowHeld: false,
        }
      },
    }),
    markEscrow: assign({
      session: ({ context, event }) => patchSession(context, { escrowFen: event.type === 'acceptor.noteEscrowed' ? event.valueFen : null, escrowHeld: false }),
    }),
    holdEscrow: assign({
      session: ({ context, event }) => patchSession(context, { escrowFen: event.type === 'acceptor.noteEscrowed' ? event.valueFen : null, escrowHeld: true }),
    }),
    releaseHold: assign({ session: ({ context }) => patchSession(context, { escrowHeld: false }) }),
    clearEscrow: assign({ session: ({ context }) => patchSession(context, { escrowFen: null, escrowHeld: false }) }),
    stopCash: assign({
      session: ({ context, event }) =>
        patchSession(context, { cashStoppedReason: CASH_STOP[event.type] ?? 'acceptorFault', escrowFen: null, escrowHeld: false }),
    }),
    /** At the account's maximum (no note fits any more) the acceptor is switched off. */
    stopIfFull: enqueueActions(({ context, enqueue }) => {
      const s = context.session
      if (!s || s.cashStoppedReason != null) return
      if (maxMoreFen(s) >= Math.min(...context.noteValuesFen)) return
      enqueue.assign({ session: { ...s, cashStoppedReason: 'maximumReached' } })
      enqueue.sendTo('acceptor', { type: 'acceptor.disable' } satisfies AcceptorCommand)
    }),
    acceptorStopped: assign({ acceptorEnabled: false }),
    staffAction: emit(({ context, event }, params: { action: string }) => ({
      type: 'journal.staff' as const,
      staffCardNo: context.staff?.cardNo ?? '',
      action: params.action,
      detail: staffDetail(event, context),
    })),
  },
}).createMachine({
  id: 'tx',
  context: ({ input }) => ({
    now: input.now,
    timing: { ...DEFAULT_TIMING, ...input.timing },
    noteValuesFen: [...(input.noteValuesFen ?? DEFAULT_NOTE_VALUES_FEN)].sort((a, b) => a - b),
    language: 'zh-CN',
    largeText: false,
    session: null,
    result: null,
    printKind: 'vend',
    error: null,
    idleDeadline: null,
    acceptorEnabled: false,
    closeThen: 'attract',
    staff: null,
    outOfService: false,
    history: null,
  }),
  invoke: [
    { id: 'acceptor', src: 'acceptor' },
    { id: 'reader', src: 'reader' },
  ],
  on: {
    'resident.setLanguage': { guard: 'notInService', actions: 'setLanguage' },
    'resident.toggleLargeText': { guard: 'notInService', actions: 'toggleLargeText' },
    'acceptor.enabled': { actions: assign({ acceptorEnabled: true }) },
    'acceptor.disabled': { actions: assign({ acceptorEnabled: false }) },
    'acceptor.offline': { actions: assign({ acceptorEnabled: false }) },
    // Outside collecting no note is wanted: hand it back.
    'acceptor.noteEscrowed': { actions: 'returnNote' },
  },
  initial: 'attract',
  states: {
    attract: {
      entry: [
        enqueueActions(({ context, enqueue }) => {
          // A session that never reached the vend ends here; one that did was closed at done.
          if (context.session && context.session.vendId === null && context.session.account) {
            enqueue.emit(journalSession(context, 'abandoned'))
          }
        }),
        assign({
          session: null,
          result: null,
          error: null,
          idleDeadline: null,
          staff: null,
          history: null,
          language: 'zh-CN',
          largeText: false,
          printKind: 'vend',
        }),
        'disableAcceptor',
      ],
      always: { guard: 'isOutOfService', target: 'outOfService' },
      on: {
        'resident.start': {
          target: 'identify',
          actions: assign({ session: ({ context }) => newSession(context, 'meterNo', null) }),
        },
        'reader.cardRead': [
          {
            guard: 'isResidentCard',
            target: 'lookingUp',
            actions: assign({
              session: ({ context, event }) => newSession(context, 'card', event.cardNo),
            }),
          },
          {
            guard: 'isStaffCard',
            target: 'service',
            actions: assign({
              staff: ({ event }) => ({
                cardNo: event.cardNo,
                staffName: `${event.staffRole ?? 'field'} ·${event.cardNo.slice(-4)}`,
                role: event.staffRole ?? 'field',
                exchange: 'idle' as const,
                lastCollection: null,
                message: null,
              }),
            }),
          },
        ],
      },
    },

    identify: {
      ...idleTimer('#tx.attract'),
      on: {
        ...IDLE_ACTIVITY,
        'resident.enterMeterNo': [
          {
            guard: 'validTypedMeterNo',
            target: 'lookingUp',
            actions: assign({
              error: null,
              session: ({ context, event }) => {
                const parsed = parseTypedMeterNo(event.digits)
                return patchSession(context, {
                  via: 'meterNo',
                  cardNo: null,
                  keypadDigits: event.digits,
                  meterNo: parsed.ok ? parsed.meterNo : null,
                })
              },
            }),
          },
          {
            target: '.active',
            actions: assign({
              session: ({ context, event }) => patchSession(context, { keypadDigits: event.digits }),
              error: ({ event }) => {
                const parsed = parseTypedMeterNo(event.digits)
                return { code: parsed.ok ? 'ERR_VALIDATION' : parsed.code, retryable: true }
              },
            }),
          },
        ],
        'reader.cardRead': {
          guard: 'isResidentCard',
          target: 'lookingUp',
          actions: assign({
            error: null,
            session: ({ context, event }) => patchSession(context, { via: 'card', cardNo: event.cardNo, meterNo: null }),
          }),
        },
        'resident.cancel': 'attract',
        'resident.back': 'attract',
      },
    },

    lookingUp: {
      initial: 'route',
      states: {
        route: { always: [{ guard: 'viaCard', target: 'card' }, { target: 'meter' }] },
        card: {
          invoke: {
            src: 'lookupCard',
            input: ({ context }) => ({ cardNo: context.session?.cardNo ?? '' }),
            onDone: [
              {
                guard: 'cardIsResident',
                target: '#tx.account',
                actions: assign({
                  session: ({ context, event }) => {
                    const out = event.output
                    if (out.kind !== 'resident') return context.session
                    const only = out.account.meters.length === 1 ? (out.account.meters[0]?.meterNo ?? null) : null
                    return patchSession(context, { account: out.account, meterNo: only })
                  },
                }),
              },
              { target: '#tx.error', actions: assign({ error: { code: 'ERR_CARD_UNKNOWN', retryable: false } }) },
            ],
            onError: {
              target: '#tx.error',
              actions: assign({
                error: ({ event }) => {
                  const code = codeOf(event.error, 'ERR_CENTRAL_UNREACHABLE')
                  return { code, retryable: isRetryable(code) }
                },
              }),
            },
          },
        },
        meter: {
          invoke: {
            src: 'lookupMeter',
            input: ({ context }) => ({ meterNo: context.session?.meterNo ?? '' }),
            onDone: {
              target: '#tx.account',
              actions: assign({
                session: ({ context, event }) => patchSession(context, { account: event.output.account }),
              }),
            },
            onError: {
              target: '#tx.error',
              actions: assign({
                error: ({ event }) => {
                  const code = codeOf(event.error, 'ERR_CENTRAL_UNREACHABLE')
                  return { code, retryable: isRetryable(code) }
                },
              }),
            },
          },
        },
      },
      after: {
        lookupTimeout: { target: 'error', actions: assign({ error: { code: 'ERR_CENTRAL_UNREACHABLE', retryable: true } }) },
      },
      on: { 'resident.cancel': 'attract' },
    },

    account: {
      entry: emit(({ context }) => journalSession(context, 'identified')),
      ...idleTimer('#tx.attract'),
      on: {
        ...IDLE_ACTIVITY,
        // Only a card opens its history: a typed meter number proves nothing about who is here.
        'resident.showHistory': { guard: 'viaCard', target: 'history' },
        'resident.selectMeter': {
          guard: 'meterOnAccount',
          target: '.active',
          actions: [
            assign({ session: ({ context, event }) => patchSession(context, { meterNo: event.meterNo }) }),
            emit(({ context }) => journalSession(context, 'identified')),
          ],
        },
        'resident.insertCash': { guard: 'meterChosen', target: 'collecting' },
        'resident.cancel': 'attract',
        'resident.back': {
          target: 'identify',
          actions: assign({ session: ({ context }) => patchSession(context, { account: null, meterNo: null, via: 'meterNo', cardNo: null }) }),
        },
      },
    },

    /** The card's recent purchases and monthly use, read from the central; back returns to the account. */
    history: {
      type: 'parallel',
      entry: assign({ history: { status: 'loading', data: null, errorCode: null } }),
      exit: assign({ history: null }),
      states: {
        load: {
          initial: 'loading',
          states: {
            loading: {
              invoke: {
                src: 'loadHistory',
                input: ({ context }) => ({ cardNo: context.session?.cardNo ?? '' }),
                onDone: { target: 'ready', actions: assign({ history: ({ event }) => ({ status: 'ready' as const, data: event.output, errorCode: null }) }) },
                onError: {
                  target: 'failed',
                  actions: assign({
                    history: ({ event }) => ({ status: 'failed' as const, data: null, errorCode: codeOf(event.error, 'ERR_CENTRAL_UNREACHABLE') }),
                  }),
                },
              },
            },
            ready: {},
            failed: {
              on: {
                'resident.showHistory': {
                  target: 'loading',
                  actions: assign({ history: { status: 'loading', data: null, errorCode: null } }),
                },
              },
            },
          },
        },
        timer: {
          ...idleTimer('#tx.attract'),
          on: IDLE_ACTIVITY,
        },
      },
      on: {
        'resident.back': 'account',
        'resident.cancel': 'attract',
      },
    },

    collecting: {
      type: 'parallel',
      entry: [
        assign({ session: ({ context }) => patchSession(context, { cashStoppedReason: null, escrowFen: null, escrowHeld: false }) }),
        emit(({ context }) => journalSession(context, 'collecting')),
        'enableAcceptor',
      ],
      states: {
        cash: {
          initial: 'open',
          states: {
            open: {},
            /** A note that fits waits in escrow for escrowHoldMs; Cancel or Buy meanwhile returns it (closingCash). */
            holding: {
              always: { guard: 'escrowGone', target: 'open' },
              after: { escrowHold: { target: 'open', actions: ['releaseHold', 'stackNote'] } },
            },
          },
          on: {
            'acceptor.noteEscrowed': [
              { guard: and(['noteFits', 'holdNotes']), target: '.holding', actions: 'holdEscrow' },
              { guard: 'noteFits', actions: ['markEscrow', 'stackNote'] },
              // Over the account's maximum (or cash stopped): the note goes back, nothing is owed.
              { actions: 'returnNote' },
            ],
            'acceptor.noteCredited': { actions: ['addCreditedNote', 'stopIfFull'] },
            'acceptor.noteReturned': { actions: 'clearEscrow' },
            'acceptor.noteRejected': { actions: 'clearEscrow' },
            // The device takes no more notes: closing cash must not wait for a "disabled" it may never send.
            'acceptor.jammed': { actions: ['stopCash', 'disableAcceptor', 'acceptorStopped'] },
            'acceptor.offline': { actions: ['stopCash', 'acceptorStopped'] },
            'acceptor.fault': { actions: ['stopCash', 'disableAcceptor', 'acceptorStopped'] },
            'acceptor.stackerFull': { actions: ['stopCash', 'disableAcceptor', 'acceptorStopped'] },
            'acceptor.cashboxRemoved': { actions: ['stopCash', 'disableAcceptor', 'acceptorStopped'] },
          },
        },
        timer: {
          // Walk-away: with money in, the vend completes for the account shown; without, back to attract.
          ...idleTimer({ target: '#tx.closingCash', actions: 'closeToAttract' as const }),
          on: {
            ...IDLE_ACTIVITY,
            'acceptor.noteEscrowed': '.active',
            'acceptor.noteCredited': '.active',
          },
        },
        quote: {
          initial: 'idle',
          states: {
            idle: {},
            fetching: {
              invoke: {
                src: 'quote',
                input: ({ context }) => ({ meterNo: context.session?.meterNo ?? '', amountFen: context.session?.insertedFen ?? 0 }),
                onDone: {
                  target: 'idle',
                  actions: assign({
                    session: ({ context, event }) =>
                      // A stale answer (another note came in meanwhile) would show the wrong energy.
                      event.output.amountFen === context.session?.insertedFen
                        ? patchSession(context, { quote: { energyWh: event.output.energyWh, breakdown: event.output.breakdown } })
                        : context.session,
                  }),
                },
                // Best effort: offline, the screen shows the money without an energy estimate.
                onError: 'idle',
              },
            },
          },
          on: { 'acceptor.noteCredited': '.fetching' },
        },
      },
      on: {
        'resident.confirm': { guard: 'enoughToConfirm', target: 'closingCash', actions: assign({ closeThen: 'attract' }) },
        // Not a refund once money is in: closingCash completes the vend for the account shown.
        'resident.cancel': { target: 'closingCash', actions: assign({ closeThen: 'attract' }) },
        'resident.back': { guard: 'noMoney', target: 'closingCash', actions: assign({ closeThen: 'account' }) },
      },
    },

    /** Stop taking cash and wait until the acceptor says it is disabled and no note is mid-stack. */
    closingCash: {
      entry: [
        'disableAcceptor',
        // Without money in, a note waiting in escrow goes back (if the device has not started stacking it);
        // a held note was never told to stack, so it goes back whatever is in.
        enqueueActions(({ context, enqueue }) => {
          const s = context.session
          if (s?.escrowFen != null && (s.insertedFen === 0 || s.escrowHeld)) enqueue('returnNote')
        }),
      ],
      always: { guard: 'cashSettled', target: 'settleCash' },
      on: {
        'acceptor.noteCredited': { actions: 'addCreditedNote' },
        'acceptor.noteReturned': { actions: 'clearEscrow' },
        'acceptor.noteRejected': { actions: 'clearEscrow' },
        'acceptor.jammed': { actions: ['clearEscrow', 'acceptorStopped'] },
        'acceptor.offline': { actions: ['clearEscrow', 'acceptorStopped'] },
        'acceptor.fault': { actions: ['clearEscrow', 'acceptorStopped'] },
      },
      after: { closeCashTimeout: 'settleCash' },
    },
    settleCash: {
      always: [
        { guard: 'hasMoney', target: 'vending' },
        { guard: 'closeToAccount', target: 'account' },
        { target: 'attract' },
      ],
    },

    vending: {
      entry: [
        assign({
          session: ({ context }) => patchSession(context, { vendId: uuidv7(context.now()), paidAt: context.now() }),
          idleDeadline: null,
        }),
        emit(({ context }) => journalSession(context, 'vending')),
      ],
      invoke: {
        src: 'vend',
        input: ({ context }) => {
          const s = context.session
          return {
            vendId: s?.vendId ?? '',
            sessionId: s?.sessionId ?? '',
            meterNo: s?.meterNo ?? '',
            cardNo: s?.cardNo ?? null,
            notes: s?.notes ?? [],
            paidAt: s?.paidAt ?? context.now(),
          }
        },
        onDone: [
          {
            guard: 'vended',
            target: 'printing',
            actions: assign({
              result: ({ context, event }) =>
                context.session && event.output.status === 'vended' ? vendedResult(context.session, event.output) : null,
            }),
          },
          { target: 'printing', actions: assign({ result: ({ context }) => (context.session ? pendingResult(context.session) : null) }) },
        ],
        onError: {
          target: 'printing',
          actions: assign({ result: ({ context }) => (context.session ? pendingResult(context.session) : null) }),
        },
      },
      // The central is slow or away: the outbox keeps trying; the resident leaves with a reference.
      after: {
        vendWait: {
          target: 'printing',
          actions: assign({ result: ({ context }) => (context.session ? pendingResult(context.session) : null) }),
        },
      },
    },

    printing: {
      invoke: {
        src: 'printReceipt',
        input: ({ context }): PrintJobInput => {
          const s = context.session
          const result = context.result ?? (s ? pendingResult(s) : pendingResult(newSession(context, 'meterNo', null)))
          return {
            kind: context.printKind,
            sessionId: s?.sessionId ?? '',
            result,
            customerNameMasked: s?.account?.customerNameMasked ?? '',
            tariffName: s?.account?.tariffName ?? '',
            notes: s?.notes ?? [],
            language: context.language,
            daysLeft: daysLeftAfterVend(s?.account ?? null, result),
          }
        },
        onDone: {
          target: 'done',
          actions: assign({
            result: ({ context, event }) =>
              context.result && {
                ...context.result,
                receipt: event.output.ok ? ('printed' as const) : ('failed' as const),
                receiptFailReason: event.output.ok ? null : event.output.reason,
              },
          }),
        },
        onError: {
          target: 'done',
          actions: assign({
            result: ({ context, event }) =>
              context.result && { ...context.result, receipt: 'failed' as const, receiptFailReason: codeOf(event.error, 'ERR_PRINTER_FAULT') },
          }),
        },
      },
      after: {
        printTimeout: {
          target: 'done',
          actions: assign({
            result: ({ context }) => context.result && { ...context.result, receipt: 'failed' as const, receiptFailReason: 'ERR_PRINTER_FAULT' },
          }),
        },
      },
    },

    done: {
      entry: emit(({ context }) => journalSession(context, 'done')),
      after: { doneTimeout: 'attract' },
      // Token status on screen: ask the central until the meter has answered (or the resident leaves).
      initial: 'route',
      states: {
        route: { always: [{ guard: 'tokenInFlight', target: 'checking' }, { target: 'settled' }] },
        checking: {
          invoke: {
            src: 'vendStatus',
            input: ({ context }) => ({ vendId: context.result?.vendId ?? '' }),
            onDone: {
              target: 'waiting',
              actions: assign({
                result: ({ context, event }) =>
                  context.result && {
                    ...context.result,
                    delivery: { state: event.output.delivery.state, reason: event.output.delivery.reason ?? null },
                  },
              }),
            },
            // Unknown for now; the token is on the receipt either way.
            onError: 'waiting',
          },
        },
        waiting: {
          always: { guard: not('tokenInFlight'), target: 'settled' },
          after: { deliveryPoll: 'checking' },
        },
        settled: {},
      },
      on: {
        'resident.finish': 'attract',
        'resident.reprint': {
          guard: 'hasResult',
          target: 'printing',
          actions: assign({
            printKind: 'duplicate',
            result: ({ context }) => context.result && { ...context.result, receipt: 'printing' as const, receiptFailReason: null },
          }),
        },
      },
    },

    error: {
      after: { errorTimeout: 'attract' },
      on: {
        'resident.finish': 'attract',
        'resident.cancel': 'attract',
        'resident.back': {
          target: 'identify',
          actions: assign({
            error: null,
            session: ({ context }) =>
              patchSession(context, { account: null, meterNo: null, via: 'meterNo', cardNo: null, keypadDigits: '' }),
          }),
        },
      },
    },

    service: {
      entry: ['disableAcceptor', { type: 'staffAction', params: { action: 'service.enter' } }],
      exit: [{ type: 'staffAction', params: { action: 'service.exit' } }, assign({ staff: null })],
      // The reader's word lets field staff in offline; the central, when it answers, names them — or
      // sends a card it does not know as staff back out.
      invoke: {
        src: 'lookupCard',
        input: ({ context }) => ({ cardNo: context.staff?.cardNo ?? '' }),
        onDone: [
          {
            guard: 'cardIsStaff',
            actions: assign({
              staff: ({ context, event }) =>
                context.staff && event.output.kind === 'staff'
                  ? { ...context.staff, staffName: event.output.staffName, role: event.output.role }
                  : context.staff,
            }),
          },
          { target: 'attract' },
        ],
        onError: [
          { guard: 'centralRefusedCard', target: 'attract' },
          // Unreachable: stay, field work goes on offline.
          {},
        ],
      },
      initial: 'main',
      states: {
        main: { after: { serviceTimeout: '#tx.attract' } },
        /**
         * The acceptor takes one note to show it works; the note goes back. If the device stacks it
         * anyway, the acceptor service journals it as a test note belonging to no account.
         */
        testNote: {
          entry: [
            sendTo('acceptor', ({ context }): AcceptorCommand => ({
              type: 'acceptor.enable',
              sessionId: '',
              valuesFen: [...context.noteValuesFen],
              testNoteBy: context.staff?.cardNo ?? '',
            })),
            assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testNote.insert' } }),
          ],
          exit: 'disableAcceptor',
          on: {
            'acceptor.noteEscrowed': {
              actions: [
                'returnNote',
                assign({
                  staff: ({ context, event }) => context.staff && { ...context.staff, message: `testNote.escrowed:${event.valueFen}` },
                }),
              ],
            },
            'acceptor.noteReturned': {
              target: 'main',
              actions: [
                assign({ staff: ({ context }) => context.staff && { ...context.staff, message: `testNote.returned:${context.staff.message?.split(':')[1] ?? ''}` } }),
                { type: 'staffAction', params: { action: 'testNote' } },
              ],
            },
            'acceptor.noteRejected': {
              target: 'main',
              actions: [
                assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testNote.rejected' } }),
                { type: 'staffAction', params: { action: 'testNote' } },
              ],
            },
            'acceptor.noteCredited': {
              target: 'main',
              actions: [
                assign({ staff: ({ context, event }) => context.staff && { ...context.staff, message: `testNote.stacked:${event.valueFen}` } }),
                { type: 'staffAction', params: { action: 'testNote' } },
              ],
            },
            'acceptor.jammed': { target: 'main', actions: assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testNote.jammed' } }) },
            'acceptor.offline': { target: 'main', actions: assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testNote.offline' } }) },
          },
          after: {
            testNoteTimeout: { target: 'main', actions: assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testNote.timeout' } }) },
          },
        },
        testPrinting: {
          invoke: {
            src: 'testPrint',
            input: ({ context }) => ({ staffCardNo: context.staff?.cardNo ?? '' }),
            onDone: {
              target: 'main',
              actions: [
                assign({
                  staff: ({ context, event }) =>
                    context.staff && { ...context.staff, message: event.output.ok ? 'testPrint.ok' : `testPrint.failed:${event.output.reason}` },
                }),
                { type: 'staffAction', params: { action: 'testPrint' } },
              ],
            },
            onError: {
              target: 'main',
              actions: assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'testPrint.failed' } }),
            },
          },
        },
        closingCycle: {
          invoke: {
            src: 'closeCashbox',
            input: ({ context, event }) => ({
              sealNo: event.type === 'staff.completeCashboxExchange' ? event.sealNo : '',
              staffCardNo: context.staff?.cardNo ?? '',
            }),
            onDone: {
              target: 'main',
              actions: [
                assign({
                  staff: ({ context, event }) =>
                    context.staff && { ...context.staff, exchange: 'done' as const, lastCollection: event.output, message: 'cashbox.closed' },
                }),
                { type: 'staffAction', params: { action: 'cashbox.closed' } },
              ],
            },
            onError: {
              target: 'main',
              actions: assign({
                staff: ({ context }) => context.staff && { ...context.staff, exchange: 'awaitingSeal' as const, message: 'cashbox.failed' },
              }),
            },
          },
        },
      },
      on: {
        'staff.exit': [{ guard: 'isOutOfService', target: 'outOfService' }, { target: 'attract' }],
        'staff.testPrint': '.testPrinting',
        'staff.testNote': { target: '.testNote', actions: { type: 'staffAction', params: { action: 'testNote.start' } } },
        'staff.beginCashboxExchange': {
          target: '.main',
          actions: [
            assign({
              staff: ({ context }) => context.staff && { ...context.staff, exchange: 'awaitingSeal' as const, message: null },
            }),
            { type: 'staffAction', params: { action: 'cashbox.begin' } },
          ],
        },
        'staff.completeCashboxExchange': {
          guard: 'awaitingSeal',
          target: '.closingCycle',
          actions: [
            assign({ staff: ({ context }) => context.staff && { ...context.staff, exchange: 'posting' as const } }),
            { type: 'staffAction', params: { action: 'cashbox.seal' } },
          ],
        },
        'staff.syncOutbox': { target: '.main', actions: [emit({ type: 'outbox.kick' }), { type: 'staffAction', params: { action: 'outbox.sync' } }] },
        'staff.setOutOfService': {
          target: '.main',
          actions: [
            assign({ outOfService: ({ event }) => event.outOfService }),
            { type: 'staffAction', params: { action: 'outOfService' } },
          ],
        },
        'staff.paperRefilled': {
          target: '.main',
          actions: [
            assign({ staff: ({ context }) => context.staff && { ...context.staff, message: 'printer.refilled' } }),
            { type: 'staffAction', params: { action: 'printer.refilled' } },
          ],
        },
      },
    },

    outOfService: {
      entry: 'disableAcceptor',
      on: {
        'reader.cardRead': {
          guard: 'isStaffCard',
          target: 'service',
          actions: assign({
            staff: ({ event }) => ({
              cardNo: event.cardNo,
              staffName: `${event.staffRole ?? 'field'} ·${event.cardNo.slice(-4)}`,
              role: event.staffRole ?? 'field',
              exchange: 'idle' as const,
              lastCollection: null,
              message: null,
            }),
          }),
        },
      },
    },
  },
})

export type TransactionMachine = typeof transactionMachine
export type TransactionSnapshot = SnapshotFrom<TransactionMachine>
export type TransactionActor = ActorRefFrom<TransactionMachine>
