/**
 * The agent is SIGKILLed 200+ times at random moments and at exact steps of the money path
 * (crash-points.ts) while scripted residents top up against a running central. Afterwards the
 * simulated cassette (a file: the box outlives the process), the agent's journal and the central's
 * ledger must agree note for note: cassette = credited + suspect, every credited note in exactly
 * one vend at the central, nothing lost, nothing credited twice.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { agentEnvForTests, bundleAgent, KioskClient, seeded, SimPanel, sleep } from './support.ts'
import { ledgerCheck, readAgentJournal, readCentral } from './ledger.ts'

const SEED = Number(process.env.CHAOS_SEED ?? 7331)
const KILLS = Number(process.env.CHAOS_KILLS ?? 200)
const POINTS = ['escrowed', 'stacking', 'credited', 'vendJournaled', 'posted', 'printing'] as const
const NOTES = [1000, 2000, 5000] as const

let system: RunningSystem
let dataDir: string

beforeAll(async () => {
  const bundle = await bundleAgent()
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-chaos-'))
  system = await launchSystem({
    dataDir,
    ports: await freePorts(),
    meterCount: 10,
    nodeArgs: { agent: bundle },
    env: {
      agent: { ...agentEnvForTests(), SIM_ACCEPTOR_PACE: 'fast', VEND_WAIT_MS: '2000', CENTRAL_TIMEOUT_MS: '3000', DONE_TIMEOUT_MS: '1000' },
      central: { LOG_LEVEL: 'warn' },
      fleet: { LOG_LEVEL: 'warn' },
    },
  })
})

afterAll(async () => {
  await system?.stop()
  if (dataDir && !process.env.CHAOS_KEEP) rmSync(dataDir, { recursive: true, force: true })
})

describe('kiosk agent under SIGKILL', () => {
  it('loses no note and credits none twice', { timeout: 2_400_000 }, async () => {
    const started = Date.now()
    const rnd = seeded(SEED)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
    const residents = demoCustomers(10)
    const agentBase = system.urls.kiosk.replace(/\/$/, '')
    const panel = new SimPanel(agentBase)
    const client = new KioskClient(`${agentBase.replace(/^http/, 'ws')}/ws`)
    const figures = { kills: 0, sessions: 0, sessionsCompleted: 0, notesInserted: 0, byPoint: {} as Record<string, number>, restartMs: 0 }
    let agentDead = false
    /** How long a whole session takes here (moving mean), so random kills land anywhere inside one. */
    let sessionMsMean = 0

    const proc = () => system.processes.get('agent')
    const watchExit = () => {
      agentDead = false
      void proc()?.exited.then(() => (agentDead = true))
    }
    watchExit()

    /** One resident's top-up, as far as it gets before the agent dies. */
    const session = async (): Promise<void> => {
      await client.screen('attract', 15_000)
      const t0 = Date.now()
      const resident = pick(residents)
      await panel.tap(resident.cardNo)
      const account = await client.until((v) => v?.screen === 'account' || v?.screen === 'error', 15_000, 'account')
      if (account.screen !== 'account') {
        client.send({ type: 'resident.finish' })
        return
      }
      if (!account.session?.meterNo) {
        const meterNo = account.session?.account?.meters[0]?.meterNo
        if (meterNo) client.send({ type: 'resident.selectMeter', meterNo })
        await client.until((v) => !!v?.session?.meterNo, 5_000, 'meter chosen')
      }
      client.send({ type: 'resident.insertCash' })
      await client.screen('collecting')
      figures.sessions++
      const notes = 1 + Math.floor(rnd() * 3)
      for (let i = 0; i < notes; i++) {
        const before = client.view?.session?.insertedFen ?? 0
        const accepted = await panel.note(pick(NOTES))
        if (!accepted) break
        figures.notesInserted++
        await client.until((v) => (v?.session?.insertedFen ?? 0) > before || v?.screen !== 'collecting', 8_000, 'note credited')
      }
      client.send({ type: 'resident.confirm' })
      // 'done' shows while the receipt prints; the machine takes "finish" only once it is out.
      await client.until((v) => v?.screen === 'done' && v.result?.receipt !== 'printing', 20_000, 'receipt out')
      client.send({ type: 'resident.finish' })
      await client.screen('attract')
      const ms = Date.now() - t0
      sessionMsMean = sessionMsMean === 0 ? ms : sessionMsMean * 0.9 + ms * 0.1
      figures.sessionsCompleted++
    }

    while (figures.kills < KILLS) {
      if (agentDead) {
        const t0 = Date.now()
        await system.restartProcess('agent')
        figures.restartMs += Date.now() - t0
        watchExit()
      }
      await client.connect()
      const mode = rnd() < 0.55 ? pick(POINTS) : 'random'
      let timer: NodeJS.Timeout | undefined
      if (mode === 'random') {
        // Anywhere from the tap to just past the end of a typical session (measured, not guessed).
        const windowMs = Math.max(600, Math.round((sessionMsMean || 1500) * 1.2))
        timer = setTimeout(() => void system.stopProcess('agent', 'SIGKILL'), 50 + Math.floor(rnd() * windowMs))
      } else {
        await panel.crashAt(mode)
      }
      try {
        await session()
      } catch {
        // the agent died under the session: that is the point
      }
      clearTimeout(timer)
      if (!agentDead) {
        // The armed point was not on this session's path (e.g. it ended in an error screen): kill now.
        await system.stopProcess('agent', 'SIGKILL')
      }
      await proc()?.exited
      agentDead = true
      client.close()
      figures.kills++
      const kind = mode
      figures.byPoint[kind] = (figures.byPoint[kind] ?? 0) + 1
      if (figures.kills % 25 === 0) console.log(`agent-crash progress: ${figures.kills} kills, ${Math.round((Date.now() - started) / 1000)} s, restart ${Math.round(figures.restartMs / figures.kills)} ms mean`)
    }

    // Let the last restart recover and deliver everything it owes.
    await system.restartProcess('agent')
    await client.connect()
    const deadline = Date.now() + 60_000
    for (;;) {
      const h = (await (await fetch(`${agentBase}/health`)).json()) as { outbox: { depth: number } }
      if (h.outbox.depth === 0) break
      if (Date.now() > deadline) throw new Error(`outbox not drained: ${h.outbox.depth}`)
      await sleep(250)
    }
    const sim = await panel.state()
    const check = await ledgerCheck(system.urls.central)
    client.close()
    await system.stop()

    const agent = readAgentJournal(dataDir)
    const central = readCentral(dataDir)
    const cassette = Object.values(sim.acceptor.cassette.countsByValueFen).reduce((a, n) => a + n, 0)
    const centralNotes = new Map(central.notes.map((n) => [n.noteId, n]))
    const journalNotes = new Set(agent.credited.map((n) => n.noteId))
    const lost = agent.credited.filter((n) => !centralNotes.has(n.noteId)).length
    const unknownAtCentral = central.notes.filter((n) => !journalNotes.has(n.noteId)).length
    const claims = new Map<string, number>()
    for (const v of agent.vends) for (const id of v.notes) claims.set(id, (claims.get(id) ?? 0) + 1)
    const doubleClaimed = [...claims.values()].filter((n) => n > 1).length
    const figuresOut = {
      seed: SEED,
      kills: figures.kills,
      killsByPoint: figures.byPoint,
      sessions: figures.sessions,
      sessionsCompleted: figures.sessionsCompleted,
      meanSessionMs: Math.round(sessionMsMean),
      notesInserted: figures.notesInserted,
      cassette,
      credited: agent.credited.length,
      suspect: agent.suspects,
      suspectMatchedToCredited: agent.matchedSuspects,
      returnedAtPowerUp: figures.notesInserted - cassette,
      vends: agent.vends.length,
      vendsAtCentral: central.vends.length,
      vendsFailed: agent.vends.filter((v) => v.state !== 'done').length,
      lost,
      doubleCredited: doubleClaimed + unknownAtCentral + Math.max(0, agent.credited.length + agent.suspects - cassette),
      meanRestartMs: Math.round(figures.restartMs / Math.max(1, figures.kills)),
      seconds: Math.round((Date.now() - started) / 1000),
    }
    console.log(`agent-crash figures ${JSON.stringify(figuresOut)}`)

    expect(check.status).toBe(200)
    expect(figures.kills).toBeGreaterThanOrEqual(KILLS)
    expect(lost).toBe(0)
    expect(unknownAtCentral).toBe(0)
    expect(doubleClaimed).toBe(0)
    // note for note: every note in the box is credited or a suspect for the cash count
    expect(agent.credited.length + agent.suspects).toBe(cassette)
    expect(sim.acceptor.cassette.totalFen).toBeGreaterThanOrEqual(agent.credited.reduce((a, n) => a + n.valueFen, 0))
    for (const n of agent.credited) expect(centralNotes.get(n.noteId)?.valueFen).toBe(n.valueFen)
    expect(agent.vends.every((v) => v.state === 'done')).toBe(true)
    expect(central.vends.length).toBe(agent.vends.length)
  })
})
