/**
 * Model-based path coverage (kiosk-hardware.md §7.9): xstate/graph walks the transaction machine
 * as a pure model — device facts, central answers (done/error of the invoked jobs) and timeouts
 * are all events — and every shortest path to every abstract state is replayed on a live actor
 * with deterministic test actors, XState's SimulatedClock for the timeouts and a real (in-memory)
 * journal. After each path the resident walks away and every pending job eventually answers; then
 * every note the acceptor credited must be claimed by a vend for the meter that was on screen
 * (delivered, still in the outbox, or refused and recorded as owed). Never unjournaled money.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyStateNode } from 'xstate'
import { getShortestPaths } from 'xstate/graph'
import type { Clock } from '@gridtill/shared'
import { Journal } from '../journal/journal.ts'
import { recoverUnvendedNotes } from '../journal/recovery.ts'
import { ACCOUNT, T0, TIMING, vendResponse } from '../testing/machine-harness.ts'
import { transactionMachine, type TransactionSnapshot } from './transaction.machine.ts'
import type { AcceptorCommand, TransactionEvent, Timing, VendJobInput } from './transaction.types.ts'

const log = pino({ level: 'silent' })
const TMP = mkdtempSync(path.join(tmpdir(), 'tx-paths-'))
afterAll(() => rmSync(TMP, { recursive: true, force: true }))
let journals = 0
const METER = ACCOUNT.meters[0]?.meterNo ?? ''
const NOTE = 10_000 // two fit under the account's maximum (20 000): the full-box stop is on the map too
/** With an escrow hold, so the held-note paths (cancel or buy while a note waits) are on the map. */
const MODEL_TIMING: Timing = { ...TIMING, escrowHoldMs: 2_000 }

// ── the model's event alphabet ────────────────────────────────────────────────────────────────
type ModelEvent = TransactionEvent | { type: string; output?: unknown; error?: unknown }

const allNodes = (n: AnyStateNode): AnyStateNode[] => [n, ...Object.values(n.states).flatMap((c) => allNodes(c))]
const NODES = allNodes(transactionMachine.root).filter((n) => n !== transactionMachine.root)

/** Every delayed transition's event, and which delay it is (the live run advances the clock by it). */
const AFTER_EVENTS = new Map<string, keyof Timing>()
for (const n of NODES) {
  for (const t of n.after as { eventType: string }[]) {
    const delay = /^xstate\.after\.([^.]+)\./.exec(t.eventType)?.[1]
    if (delay) AFTER_EVENTS.set(t.eventType, `${delay}Ms` as keyof Timing)
  }
}

/** Invoke ids → the actor source, so done/error events reach the right test actor. */
const INVOKES = new Map<string, string>()
for (const n of NODES) for (const inv of n.invoke) if (typeof inv.src === 'string') INVOKES.set(inv.id, inv.src)
const invokeIdOf = (src: string, stateId: string) => [...INVOKES].find(([id, s]) => s === src && id.endsWith(stateId))?.[0] ?? ''

const done = (src: string, stateId: string, output: unknown): ModelEvent => ({ type: `xstate.done.actor.${invokeIdOf(src, stateId)}`, output })
const fail = (src: string, stateId: string, code: string): ModelEvent => ({ type: `xstate.error.actor.${invokeIdOf(src, stateId)}`, error: { code } })

const STAFF_CARD = '9900000101'
const staffLookup = { kind: 'staff', cardNo: STAFF_CARD, staffName: '李师傅', role: 'field' }

function eventsFor(s: TransactionSnapshot): ModelEvent[] {
  const c = s.context
  const sess = c.session
  const ev: ModelEvent[] = [
    { type: 'reader.cardRead', uid: '04A1B200C5', cardNo: '8800010001', cardKind: 'resident' },
    { type: 'reader.cardRead', uid: '04A1B200C6', cardNo: STAFF_CARD, cardKind: 'staff', staffRole: 'field' },
    { type: 'resident.start' },
    { type: 'resident.enterMeterNo', digits: METER },
    { type: 'resident.insertCash' },
    { type: 'resident.confirm' },
    { type: 'resident.cancel' },
    { type: 'resident.back' },
    { type: 'resident.finish' },
    { type: 'resident.reprint' },
    { type: 'resident.stillHere' },
    { type: 'resident.setLanguage', language: 'en' },
    { type: 'resident.toggleLargeText' },
    { type: 'resident.selectMeter', meterNo: METER },
    { type: 'resident.showHistory' },
    { type: 'acceptor.jammed', safe: true },
    { type: 'acceptor.offline' },
    { type: 'acceptor.fault', code: 'ERR_ACCEPTOR_FAULT' },
    { type: 'acceptor.stackerFull' },
    { type: 'acceptor.cashboxRemoved' },
    ...(s.matches('service')
      ? [
          { type: 'staff.testPrint' },
          { type: 'staff.testNote' },
          { type: 'staff.beginCashboxExchange' },
          { type: 'staff.completeCashboxExchange', sealNo: 'SEAL-0001' },
          { type: 'staff.paperRefilled' },
          { type: 'staff.syncOutbox' },
          { type: 'staff.setOutOfService', outOfService: !c.outOfService },
          { type: 'staff.exit' },
        ] as ModelEvent[]
      : ([] as ModelEvent[])),
    // the central
    done('lookupCard', 'tx.lookingUp.card', { kind: 'resident', cardNo: '8800010001', account: ACCOUNT }),
    fail('lookupCard', 'tx.lookingUp.card', 'ERR_CENTRAL_UNREACHABLE'),
    fail('lookupCard', 'tx.lookingUp.card', 'ERR_CARD_BLOCKED'),
    done('lookupMeter', 'tx.lookingUp.meter', { account: ACCOUNT }),
    fail('lookupMeter', 'tx.lookingUp.meter', 'ERR_CENTRAL_UNREACHABLE'),
    done('lookupCard', 'tx.service', staffLookup),
    fail('lookupCard', 'tx.service', 'ERR_CENTRAL_UNREACHABLE'),
    fail('quote', 'tx.collecting.quote.fetching', 'ERR_CENTRAL_UNREACHABLE'),
    done('vend', 'tx.vending', { status: 'failed', code: 'ERR_VALIDATION' }), // 422: owed
    fail('vend', 'tx.vending', 'ERR_CENTRAL_UNREACHABLE'),
    done('loadHistory', 'tx.history.load.loading', { accountId: ACCOUNT.accountId, vends: [], months: [], timeZone: 'Asia/Shanghai' }),
    fail('loadHistory', 'tx.history.load.loading', 'ERR_CENTRAL_UNREACHABLE'),
    ...(['sent', 'accepted', 'rejected'] as const).map((state) =>
      done('vendStatus', 'tx.done.checking', { vend: vendResponse({ vendId: c.result?.vendId ?? 'v', sessionId: '', meterNo: METER, cardNo: null, notes: [], paidAt: T0 }), delivery: { state, updatedAt: new Date(T0).toISOString() } }),
    ),
    fail('vendStatus', 'tx.done.checking', 'ERR_CENTRAL_UNREACHABLE'),
    // the printer
    done('printReceipt', 'tx.printing', { ok: true }),
    done('printReceipt', 'tx.printing', { ok: false, reason: 'ERR_PRINTER_PAPER_OUT' }),
    done('testPrint', 'tx.service.testPrinting', { ok: false, reason: 'ERR_PRINTER_PAPER_OUT' }),
    done('closeCashbox', 'tx.service.closingCycle', { cycleId: 'c1', sealNo: 'SEAL-0001', totalFen: 0 }),
    // A held note's timer (2 s) always fires before the idle timers, which the escrow restarted.
    ...[...AFTER_EVENTS.keys()]
      .filter((type) => !s.matches({ collecting: { cash: 'holding' } }) || AFTER_EVENTS.get(type) === 'escrowHoldMs')
      .map((type) => ({ type })),
  ]
  if (sess?.vendId) {
    const input: VendJobInput = { vendId: sess.vendId, sessionId: sess.sessionId, meterNo: sess.meterNo ?? '', cardNo: sess.cardNo, notes: sess.notes, paidAt: T0 }
    ev.push(done('vend', 'tx.vending', { status: 'vended', response: vendResponse(input) }))
  }
  if (s.matches({ collecting: { quote: 'fetching' } }) && sess) {
    ev.push(done('quote', 'tx.collecting.quote.fetching', { meterNo: METER, amountFen: sess.insertedFen, energyWh: 1000, breakdown: vendResponse({ vendId: 'q', sessionId: '', meterNo: METER, cardNo: null, notes: [], paidAt: T0 }).breakdown, tariffName: ACCOUNT.tariffName }))
  }
  // The acceptor only does what a real one can: escrow when enabled, credit or return what is in escrow.
  if (c.acceptorEnabled) ev.push({ type: 'acceptor.noteEscrowed', valueFen: NOTE }, { type: 'acceptor.disabled' })
  else ev.push({ type: 'acceptor.enabled' })
  if (sess?.escrowFen != null) {
    ev.push(
      { type: 'acceptor.noteCredited', noteId: `note-${sess.notes.length + 1}`, valueFen: sess.escrowFen },
      { type: 'acceptor.noteReturned' },
      { type: 'acceptor.noteRejected', reason: 'ERR_ACCEPTOR_REJECTED' },
    )
  }
  if (s.matches({ service: 'testNote' })) {
    ev.push(
      { type: 'acceptor.noteEscrowed', valueFen: NOTE },
      { type: 'acceptor.noteReturned' },
      { type: 'acceptor.noteRejected', reason: 'ERR_ACCEPTOR_REJECTED' },
      { type: 'acceptor.noteCredited', noteId: 'test-1', valueFen: NOTE },
    )
  }
  return ev
}

/** The state as far as money and screens go (ids and clocks abstracted away). */
function serialize(s: TransactionSnapshot): string {
  const c = s.context
  const x = c.session
  return JSON.stringify([
    s.value,
    x && [x.via, !!x.account, !!x.meterNo, x.insertedFen, x.escrowFen, x.escrowHeld, x.cashStoppedReason, !!x.vendId],
    c.acceptorEnabled,
    c.closeThen,
    c.outOfService,
    c.staff?.exchange ?? null,
    c.result && [c.result.status, c.result.receipt],
    c.error?.code ?? null,
    c.history?.status ?? null,
    c.result?.delivery?.state ?? null,
  ])
}

// ── the live replay ───────────────────────────────────────────────────────────────────────────
interface Pending {
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  input: unknown
}

function liveKiosk() {
  const clock = new SimulatedClock()
  clock.set(T0)
  const journalClock: Clock = { now: () => clock.now() }
  const journal = Journal.open(path.join(TMP, `p${++journals}.db`), { clock: journalClock })
  const pending = new Map<string, Pending>()
  const credited: string[] = []
  let seq = 0
  let enabledFor: string | null = null
  const job = (src: string) =>
    fromPromise<never, unknown>(({ input }) => new Promise((resolve, reject) => pending.set(src, { resolve: resolve as (v: unknown) => void, reject, input })))
  const machine = transactionMachine.provide({
    actors: {
      // Passive: the model's events are the device; the commands are only observed.
      acceptor: fromCallback<AcceptorCommand>(({ receive }) => {
        receive((cmd) => {
          if (cmd.type === 'acceptor.enable') enabledFor = cmd.testNoteBy === undefined ? cmd.sessionId : null
        })
      }),
      reader: fromCallback(() => undefined),
      lookupCard: job('lookupCard') as never,
      lookupMeter: job('lookupMeter') as never,
      quote: job('quote') as never,
      vend: fromPromise<never, VendJobInput>(
        ({ input }) =>
          new Promise((resolve, reject) => {
            // As vend.actor.ts: the intent and its notes in the journal before anything is sent.
            journal.createVend({ ...input, origin: 'session' })
            pending.set('vend', { resolve: resolve as (v: unknown) => void, reject, input })
          }),
      ) as never,
      printReceipt: job('printReceipt') as never,
      testPrint: job('testPrint') as never,
      closeCashbox: job('closeCashbox') as never,
      loadHistory: job('loadHistory') as never,
      vendStatus: job('vendStatus') as never,
    },
  })
  const covered = { states: new Set<string>(), transitions: new Set<string>() }
  const actor = createActor(machine, {
    clock,
    input: { now: () => clock.now(), timing: MODEL_TIMING },
    inspect: (ev) => {
      if (ev.type !== '@xstate.microstep' || ev.actorRef !== actor) return
      for (const t of (ev as unknown as { _transitions: Parameters<typeof transitionKey>[0][] })._transitions) covered.transitions.add(transitionKey(t))
      for (const n of (ev.snapshot as unknown as { _nodes: AnyStateNode[] })._nodes) covered.states.add(n.id)
    },
  })
  // As agent.ts: sessions into the journal; at a session's end, late credits get a vend of their own.
  actor.on('journal.session', (e) => {
    if (e.state === 'abandoned') journal.setSessionState(e.sessionId, 'abandoned')
    else journal.upsertSession(e)
    if (e.state === 'done' || e.state === 'abandoned') recoverUnvendedNotes(journal, { clock: journalClock, log })
  })
  actor.start()
  for (const n of (actor.getSnapshot() as unknown as { _nodes: AnyStateNode[] })._nodes) covered.states.add(n.id)

  const settle = async () => {
    for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r))
  }

  async function apply(e: ModelEvent): Promise<void> {
    const delay = AFTER_EVENTS.get(e.type)
    if (delay) {
      clock.increment(MODEL_TIMING[delay])
    } else if (e.type.startsWith('xstate.done.actor.') || e.type.startsWith('xstate.error.actor.')) {
      const id = e.type.replace(/^xstate\.(done|error)\.actor\./, '')
      const src = INVOKES.get(id) ?? ''
      const p = pending.get(src)
      if (!p) throw new Error(`no ${src} job pending for ${e.type}`)
      pending.delete(src)
      if ('error' in e) p.reject(e.error)
      else if (src === 'vend') {
        // the answer is for the live vend (its own id); a 422 is recorded as owed, as the outbox does
        const input = p.input as VendJobInput
        const out = (e as { output?: unknown }).output as { status: string }
        if (out.status === 'vended') {
          const response = vendResponse(input)
          journal.markVendDone(input.vendId, response)
          p.resolve({ status: 'vended', response })
        } else {
          journal.markVendFailed(input.vendId, 'ERR_VALIDATION', 'refused')
          p.resolve(out)
        }
      } else p.resolve((e as { output?: unknown }).output)
    } else {
      if (e.type === 'acceptor.noteCredited' && 'noteId' in e && 'valueFen' in e) {
        // The credit handler journals the note before the machine hears of it; a test note is nobody's money.
        const noteId = `${e.noteId}-${seq++}`
        if (!actor.getSnapshot().matches({ service: 'testNote' })) {
          journal.creditNote({ noteId, sessionId: enabledFor, valueFen: e.valueFen })
          credited.push(noteId)
        }
        actor.send({ type: 'acceptor.noteCredited', noteId, valueFen: e.valueFen })
      } else actor.send(e as TransactionEvent)
    }
    await settle()
  }
  /** The resident walks away; every job still out eventually answers; the kiosk settles. */
  async function walkAway(): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const s = actor.getSnapshot()
      if (s.matches('attract') || s.matches('outOfService') || s.matches({ service: 'main' })) return
      const [src, p] = [...pending][0] ?? []
      if (src && p) {
        pending.delete(src)
        if (src === 'vend') {
          journal.markVendAttempt((p.input as VendJobInput).vendId, 'central unreachable') // still owed to the central: the outbox keeps it
          p.reject({ code: 'ERR_CENTRAL_UNREACHABLE' })
        } else p.reject({ code: 'ERR_CENTRAL_UNREACHABLE' })
      } else clock.increment(TIMING.serviceTimeoutMs)
      await settle()
    }
    throw new Error(`did not settle: ${JSON.stringify(actor.getSnapshot().value)}`)
  }
  return { actor, journal, apply, walkAway, covered, credited }
}

function transitionKey(t: { source: AnyStateNode; eventType: string; target?: readonly AnyStateNode[] | undefined; guard?: unknown }): string {
  const guard = t.guard === undefined ? '' : typeof t.guard === 'string' ? t.guard : ((t.guard as { type?: string }).type ?? 'inline')
  return `${t.source.id}|${t.eventType}|${(t.target ?? []).map((n) => n.id).join(',')}|${guard}`
}

function definedTransitions(): Set<string> {
  const all = new Set<string>()
  for (const n of NODES.concat(transactionMachine.root)) {
    for (const list of n.transitions.values()) for (const t of list) all.add(transitionKey(t))
    for (const t of n.always ?? []) all.add(transitionKey(t))
  }
  return all
}

describe('transaction machine: every path that takes cash ends journaled', () => {
  it('replays the shortest path to every abstract state and walks away from each', { timeout: 600_000 }, async () => {
    const model = transactionMachine.provide({})
    const paths = getShortestPaths(model, {
      input: { now: () => T0, timing: MODEL_TIMING },
      events: (s) => eventsFor(s) as TransactionEvent[],
      serializeState: (s) => serialize(s),
      limit: 2_000_000,
    })
    expect(paths.length).toBeGreaterThan(50)
    console.log(`transaction machine model: ${paths.length} shortest paths`)

    const states = new Set<string>()
    const transitions = new Set<string>()
    let cashPaths = 0
    let owedPaths = 0
    let replays = 0
    const replay = async (steps: readonly { event: ModelEvent; state?: TransactionSnapshot }[]) => {
      replays++
      const k = liveKiosk()
      for (const step of steps) {
        await k.apply(step.event)
        // the live actor follows the model step for step
        if (step.state) expect(k.actor.getSnapshot().value, `after ${step.event.type}`).toEqual(step.state.value)
      }
      await k.walkAway()
      for (const s of k.covered.states) states.add(s)
      for (const t of k.covered.transitions) transitions.add(t)
      if (k.credited.length > 0) {
        cashPaths++
        // Every credited note is in exactly one vend, for the meter on screen; none left unclaimed.
        expect(k.journal.unvendedNotes(), steps.map((s) => s.event.type).join(' → ')).toEqual([])
        const vends = k.journal.recentVends(100)
        const claimed = vends.flatMap((v) => v.notes.map((n) => n.noteId))
        expect(new Set(claimed).size).toBe(claimed.length)
        expect(claimed.length).toBe(k.credited.length)
        for (const v of vends) {
          expect(v.meterNo).toBe(METER)
          expect(['done', 'failed', 'intent', 'sent']).toContain(v.state)
        }
        if (vends.some((v) => v.state === 'failed')) owedPaths++
      }
      k.actor.stop()
      k.journal.close()
    }
    for (const p of paths) await replay(p.steps)

    // Transitions no shortest path took (they lead to an abstract state already reached): one
    // more event at the end of a path whose last state has the transition's source active.
    const defined = definedTransitions()
    for (const [key, sourceId, eventType] of [...defined].map((k) => [k, ...k.split('|')] as const)) {
      if (transitions.has(key)) continue
      const host = paths.find(
        (p) =>
          (p.state as unknown as { _nodes: AnyStateNode[] })._nodes.some((n) => n.id === sourceId) &&
          eventsFor(p.state).some((e) => e.type === eventType),
      )
      const event = host && eventsFor(host.state).find((e) => e.type === eventType)
      if (host && event) await replay([...host.steps, { event }])
    }
    const allTransitions = defined
    const coveredTransitions = [...transitions].filter((t) => allTransitions.has(t))
    const missing = [...allTransitions].filter((t) => !transitions.has(t))
    const coveredStates = NODES.filter((n) => states.has(n.id)).length
    console.log(
      `transaction machine coverage: states ${coveredStates}/${NODES.length}, transitions ${coveredTransitions.length}/${allTransitions.size}; ` +
        `${paths.length} shortest paths + ${replays - paths.length} edge extensions replayed, ${cashPaths} take cash (${owedPaths} end owed); ` +
        `not covered: ${missing.join('; ') || 'none'}`,
    )
    expect(cashPaths).toBeGreaterThan(10)
    expect(coveredStates).toBe(NODES.length)
  })
})
