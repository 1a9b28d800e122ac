/**
 * The agent is SIGKILLed inside a cash box exchange, every round, at a random moment from the field
 * staff's tap to just after 'done': before the cycle closes, between the close and the collection's
 * post, while the post is in flight. Some rounds run with the central stopped (the post cannot have
 * landed before the kill), some with it frozen (SIGSTOP: the kiosk's posts hang instead of being
 * refused, and the restart meets a central that wakes with connections queued), and some with the
 * central's answers swallowed by a proxy on the kiosk's road to it (the kill comes once the central
 * committed a collection the kiosk never heard about, so the retry must meet the central's dedupe).
 * Afterwards the journal and the central must agree cycle for cycle: every closed cycle's
 * collection at the central exactly once with the journal's amount and notes, nothing the journal
 * does not know, every credited note in a closed cycle or the open one, and the ledger balanced.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { agentEnvForTests, bundleAgent, KioskClient, seeded, SimPanel, sleep } from './support.ts'
import { ledgerCheck, readAgentJournal, readCentral } from './ledger.ts'
import { CentralProxy, centralCollectionLog, centralHasCollection, kioskCycleState, nonZero, readCentralCollections, readKioskCashBooks, topUp } from './cashbox-support.ts'

const SEED = Number(process.env.CHAOS_SEED ?? 9001)
const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 16)
const FIELD_STAFF_CARD = '9900000101'
const NOTES = [1000, 2000, 5000] as const
/**
 * The central during each round's exchange — up: running; down: stopped before the tap (a restart
 * costs seconds here, so few); frozen: SIGSTOPped before the tap (observed: the ops outbox's pass
 * then hangs on the 'service.enter' event, so the collection waits behind it and is not in flight at
 * the kill); lostAnswer: running, its answers swallowed. Fixed counts, shuffled by the seed.
 */
type CentralMode = 'up' | 'down' | 'frozen' | 'lostAnswer'
const DOWN_ROUNDS = Math.max(2, Math.round(ROUNDS * 0.125))
const FROZEN_ROUNDS = Math.max(2, Math.round(ROUNDS * 0.19))
const LOST_ANSWER_ROUNDS = Math.max(2, Math.round(ROUNDS * 0.19))
/**
 * When the kill comes — timer: anywhere in the exchange; atSeal: right after the seal is sent;
 * afterDone: right after 'done'; centralCommitted (lostAnswer rounds): once the central has the collection.
 */
type Trigger = 'timer' | 'atSeal' | 'afterDone' | 'centralCommitted'
type Phase = 'notClosed' | 'closedPending' | 'closedPosted'

let system: RunningSystem
let dataDir: string
let proxy: CentralProxy

beforeAll(async () => {
  const bundle = await bundleAgent()
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-cashbox-'))
  const ports = await freePorts()
  proxy = await new CentralProxy(ports.central).start()
  system = await launchSystem({
    dataDir,
    ports,
    meterCount: 10,
    nodeArgs: { agent: bundle },
    env: {
      agent: { ...agentEnvForTests(), CENTRAL_URL: proxy.url, SIM_ACCEPTOR_PACE: 'fast', VEND_WAIT_MS: '2000', CENTRAL_TIMEOUT_MS: '3000', DONE_TIMEOUT_MS: '1000' },
      // info: the central's 'collection received' / 'collection replayed' lines are counted at the end.
      central: { LOG_LEVEL: 'info' },
      fleet: { LOG_LEVEL: 'warn' },
    },
  })
})

afterAll(async () => {
  // A frozen central would sit out SIGTERM until the SIGKILL fallback.
  system?.processes.get('central')?.child.kill('SIGCONT')
  await system?.stop()
  await proxy?.close()
  if (dataDir && !process.env.CHAOS_KEEP) rmSync(dataDir, { recursive: true, force: true })
})

describe('kiosk agent SIGKILLed inside cash box exchanges', () => {
  it('posts every closed cycle to the central exactly once and loses no note', { timeout: 170_000 }, async () => {
    const started = Date.now()
    const rnd = seeded(SEED)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
    const residents = demoCustomers(10)
    const base = system.urls.kiosk.replace(/\/$/, '')
    const panel = new SimPanel(base)
    const client = new KioskClient(`${base.replace(/^http/, 'ws')}/ws`)
    const shuffled = <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1))
        ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
      }
      return xs
    }
    const planned: CentralMode[] = [
      ...Array<CentralMode>(DOWN_ROUNDS).fill('down'),
      ...Array<CentralMode>(FROZEN_ROUNDS).fill('frozen'),
      ...Array<CentralMode>(LOST_ANSWER_ROUNDS).fill('lostAnswer'),
    ]
    const modes = shuffled(Array.from({ length: ROUNDS }, (_, i) => planned[i] ?? 'up'))
    // Half the kills anywhere in the exchange, a quarter each at the two steps where the collection is made and sent.
    const triggers = shuffled(Array.from({ length: ROUNDS }, (_, i): Trigger => (['timer', 'atSeal', 'timer', 'afterDone'] as const)[i % 4]!))
    const figures = {
      kills: 0,
      killsCentralDown: 0,
      killsCentralFrozen: 0,
      killsAnswerLost: 0,
      byPhase: { notClosed: 0, closedPending: 0, closedPosted: 0 } as Record<Phase, number>,
      byTrigger: {} as Record<string, number>,
      topUps: 0,
      creditedFen: 0,
      centralStartMs: 0,
      centralStopMs: 0,
      agentRestartMs: 0,
      topUpMs: 0,
    }
    /**
     * Tap → the collection delivered, measured with the central up (moving mean), so timer kills
     * land anywhere from the tap to just past 'done' and the post that follows it.
     */
    let exchangeMsMean = 0
    let centralState: 'up' | 'down' | 'frozen' = 'up'
    const agent = () => system.processes.get('agent')
    const central = () => system.processes.get('central')
    const kill = () => void system.stopProcess('agent', 'SIGKILL')

    const centralBack = async () => {
      const t0 = Date.now()
      if (centralState === 'frozen') central()?.child.kill('SIGCONT')
      if (centralState === 'down') await system.restartProcess('central')
      centralState = 'up'
      figures.centralStartMs += Date.now() - t0
    }
    const agentBack = async () => {
      const t0 = Date.now()
      await system.restartProcess('agent')
      figures.agentRestartMs += Date.now() - t0
    }

    await client.connect()
    for (let round = 0; round < ROUNDS; round++) {
      const tTopUp = Date.now()
      // Money into the box: one or two residents, one or two notes each.
      // Two different residents: the reader ignores the same card again within its 1.5 s debounce.
      const first = Math.floor(rnd() * residents.length)
      const who = rnd() < 0.5 ? [first] : [first, (first + 1 + Math.floor(rnd() * (residents.length - 1))) % residents.length]
      for (const i of who) {
        const notes = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => pick(NOTES))
        figures.creditedFen += await topUp(client, panel, residents[i]!.cardNo, notes)
        figures.topUps++
      }
      figures.topUpMs += Date.now() - tTopUp

      const mode = modes[round]!
      const trigger: Trigger = mode === 'lostAnswer' ? 'centralCommitted' : triggers[round]!
      figures.byTrigger[trigger] = (figures.byTrigger[trigger] ?? 0) + 1
      if (mode === 'down') {
        const t0 = Date.now()
        await system.stopProcess('central', rnd() < 0.5 ? 'SIGTERM' : 'SIGKILL')
        figures.centralStopMs += Date.now() - t0
        centralState = 'down'
      } else if (mode === 'frozen') {
        central()?.child.kill('SIGSTOP')
        centralState = 'frozen'
      } else if (mode === 'lostAnswer') {
        proxy.swallowAnswers = true
      }

      const dead = agent()!.exited
      let timer: NodeJS.Timeout | undefined
      const armIn = (ms: number) => (timer = setTimeout(kill, ms))
      const windowMs = Math.max(100, Math.round((exchangeMsMean || 300) * 1.2))
      const killAfterMs = Math.floor(rnd() * windowMs)
      const jitterMs = Math.floor(rnd() * 100)
      const exchange = async () => {
        await client.screen('attract', 15_000)
        const t0 = Date.now()
        if (trigger === 'timer') armIn(killAfterMs)
        await panel.tap(FIELD_STAFF_CARD)
        await client.screen('service', 10_000)
        client.send({ type: 'staff.beginCashboxExchange' })
        await client.until((v) => v?.service?.exchange === 'awaitingSeal', 5_000, 'asks for the seal')
        client.send({ type: 'staff.completeCashboxExchange', sealNo: `SEAL-${SEED}-${round}` })
        if (trigger === 'atSeal') armIn(jitterMs)
        const done = await client.until((v) => v?.service?.exchange === 'done', 5_000, 'exchange done')
        if (trigger === 'afterDone') armIn(jitterMs)
        if (trigger === 'centralCommitted') {
          const cycleId = done.service?.lastCollection?.cycleId ?? ''
          const until = Date.now() + 5_000
          while (!centralHasCollection(dataDir, cycleId)) {
            if (Date.now() > until) throw new Error(`round ${round}: the central never committed ${cycleId}`)
            await sleep(10)
          }
          kill()
          return
        }
        if (mode === 'up') {
          // The service view counts the collection until the central answered it.
          await client.until((v) => v?.service?.collections.pending === 0, 5_000, 'collection delivered')
          const ms = Date.now() - t0
          exchangeMsMean = exchangeMsMean === 0 ? ms : exchangeMsMean * 0.8 + ms * 0.2
        }
        client.send({ type: 'staff.exit' })
        await client.screen('attract', 5_000)
      }
      try {
        await exchange()
      } catch {
        // the agent died under the exchange: that is the point
      }
      // Every round ends in exactly one kill: a timer still pending fires within its window.
      await Promise.race([dead, sleep(windowMs + 100)])
      clearTimeout(timer)
      await system.stopProcess('agent', 'SIGKILL')
      await dead
      client.close()
      figures.kills++
      if (mode === 'down') figures.killsCentralDown++
      if (mode === 'frozen') figures.killsCentralFrozen++
      if (mode === 'lostAnswer') figures.killsAnswerLost++
      proxy.swallowAnswers = false
      // Where the kill left this round's cycle: still open, closed and owed to the central, or delivered.
      const atKill = kioskCycleState(dataDir)
      const closedThisRound = atKill.closed > figures.byPhase.closedPending + figures.byPhase.closedPosted
      const phase: Phase = !closedThisRound ? 'notClosed' : atKill.latest?.state === 'posted' ? 'closedPosted' : 'closedPending'
      figures.byPhase[phase]++
      if (process.env.CHAOS_TRACE) console.log(`cashbox-crash round ${round}: central ${mode}, kill ${trigger} → ${phase} (${atKill.latest?.cycleId ?? '-'})`)
      if ((mode === 'down' || mode === 'lostAnswer') && phase === 'closedPosted') throw new Error(`round ${round}: the kiosk heard from a central that could not answer`)
      if (mode === 'lostAnswer' && phase !== 'closedPending') throw new Error(`round ${round}: answer-lost round ended ${phase}`)

      // Recover, the two in either order: the kiosk's outbox must cope with a central that is still away.
      if (rnd() < 0.5) {
        await centralBack()
        await agentBack()
      } else {
        await agentBack()
        // Frozen: the restarted kiosk's retry may reach the central together with the dead one's post.
        if (centralState === 'frozen') await sleep(Math.floor(rnd() * 400))
        await centralBack()
      }
      await client.connect()
    }

    // Let the last restart deliver everything the kiosk owes: vends and the ops outbox.
    const deadline = Date.now() + 45_000
    for (;;) {
      const h = (await (await fetch(`${base}/health`)).json()) as { outbox: { depth: number } }
      const c = kioskCycleState(dataDir)
      if (h.outbox.depth === 0 && c.pending === 0) break
      if (Date.now() > deadline) throw new Error(`not delivered: vend outbox ${h.outbox.depth}, collections pending ${c.pending}`)
      await sleep(250)
    }
    const sim = await panel.state()
    const check = await ledgerCheck(system.urls.central)
    expect(client.errors).toEqual([])
    client.close()
    await system.stop()

    const kiosk = readKioskCashBooks(dataDir)
    const centralCollections = readCentralCollections(dataDir)
    const closed = kiosk.cycles.filter((c) => c.closed)
    const open = kiosk.cycles.filter((c) => !c.closed)
    const outboxById = new Map(kiosk.collections.map((c) => [c.cycleId, c]))
    const atCentral = new Map<string, number>()
    for (const c of centralCollections) atCentral.set(c.cycleId, (atCentral.get(c.cycleId) ?? 0) + 1)
    const duplicates = [...atCentral.values()].filter((n) => n > 1).length
    const missing = closed.filter((c) => !atCentral.has(c.cycleId)).length
    const closedIds = new Set(closed.map((c) => c.cycleId))
    const unknownAtCentral = centralCollections.filter((c) => !closedIds.has(c.cycleId)).length
    const cassetteNotes = Object.values(sim.acceptor.cassette.countsByValueFen).reduce((a, n) => a + n, 0)
    const creditedNotesFen = kiosk.notes.reduce((a, n) => a + n.valueFen, 0)
    const books = { agent: readAgentJournal(dataDir), central: readCentral(dataDir) }
    const centralLog = centralCollectionLog(dataDir)
    const out = {
      seed: SEED,
      rounds: ROUNDS,
      kills: figures.kills,
      killsCentralDown: figures.killsCentralDown,
      killsCentralFrozen: figures.killsCentralFrozen,
      killsAnswerLost: figures.killsAnswerLost,
      killsByPhase: figures.byPhase,
      killsByTrigger: figures.byTrigger,
      meanExchangeMs: Math.round(exchangeMsMean),
      topUps: figures.topUps,
      cyclesClosed: closed.length,
      collectionsAtCentral: centralCollections.length,
      // Receipts with duplicate: true (the kiosk heard the replay) / replays the central logged (heard or not).
      replayedReceipts: kiosk.collections.filter((c) => c.replayed).length,
      replaysAtCentral: centralLog.replayed,
      receivedAtCentral: centralLog.received,
      duplicates,
      missing,
      unknownAtCentral,
      collectedFen: centralCollections.reduce((a, c) => a + c.expectedFen, 0),
      openCycleFen: open.reduce((a, c) => a + c.notesFen, 0),
      creditedNotesFen,
      // The console's "late" money: vends the central booked to another kiosk cash cycle than the kiosk's.
      cyclesCentralCreditDiffers: centralCollections.filter((c) => c.creditedFen !== c.expectedFen).length,
      meanAgentRestartMs: Math.round(figures.agentRestartMs / Math.max(1, figures.kills)),
      centralStartMs: figures.centralStartMs,
      centralStopMs: figures.centralStopMs,
      topUpMs: figures.topUpMs,
      seconds: Math.round((Date.now() - started) / 1000),
    }
    console.log(`cashbox-crash figures ${JSON.stringify(out)}`)

    // (5) the central's books balance
    expect(check.status).toBe(200)
    expect(figures.kills).toBe(ROUNDS)
    // (1) every cycle the journal closed is at the central exactly once, as the journal closed it
    expect(duplicates).toBe(0)
    expect(missing).toBe(0)
    expect(kiosk.collections.map((c) => c.cycleId).sort()).toEqual(closed.map((c) => c.cycleId).sort())
    expect(kiosk.collections.filter((c) => c.state !== 'posted')).toEqual([])
    for (const c of centralCollections) {
      const row = outboxById.get(c.cycleId)
      const cycle = closed.find((y) => y.cycleId === c.cycleId)
      expect(row, `journal collection for ${c.cycleId}`).toBeDefined()
      expect({ cycleId: c.cycleId, sealNo: c.sealNo, expectedFen: c.expectedFen, noteCount: c.noteCount, counts: c.countsByValueFen }).toEqual({
        cycleId: c.cycleId,
        sealNo: row?.sealNo,
        expectedFen: row?.totalFen,
        noteCount: row?.noteCount,
        counts: nonZero(row?.countsByValueFen ?? {}),
      })
      expect(cycle?.totalFen).toBe(c.expectedFen)
      // (3) the notes the journal credited into the cycle add up to what the central expects in the bag
      expect({ cycleId: c.cycleId, fen: cycle?.notesFen, notes: cycle?.noteCount, counts: cycle?.countsByValueFen }).toEqual({
        cycleId: c.cycleId,
        fen: c.expectedFen,
        notes: c.noteCount,
        counts: c.countsByValueFen,
      })
    }
    // (2) nothing at the central that the journal did not close
    expect(unknownAtCentral).toBe(0)
    // the answer-lost rounds' retries met the central's dedupe: the same receipt, duplicate: true
    expect(out.replayedReceipts).toBeGreaterThanOrEqual(figures.killsAnswerLost)
    // (4) every credited note is in a closed cycle's collection or in the one open cycle
    expect(open).toHaveLength(1)
    const homes = new Set([...closedIds, open[0]!.cycleId])
    expect(kiosk.notes.filter((n) => !homes.has(n.cycleId))).toEqual([])
    expect(out.collectedFen + out.openCycleFen).toBe(creditedNotesFen)
    expect(creditedNotesFen).toBe(figures.creditedFen)
    // and the box itself: the kills never touched the money path, so no suspects and nothing extra
    expect(kiosk.openSuspects).toBe(0)
    expect(kiosk.notes.length).toBe(cassetteNotes)
    expect(sim.acceptor.cassette.totalFen).toBe(creditedNotesFen)
    // the top-ups themselves: every credited note in exactly one vend at the central
    expect(books.agent.vends.every((v) => v.state === 'done')).toBe(true)
    expect(books.central.notes.length).toBe(books.agent.credited.length)
  })
})
