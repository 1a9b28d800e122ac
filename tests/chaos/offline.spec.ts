/**
 * The central goes away in the middle of sessions and comes back. Every vend is delivered exactly
 * once; the residents leave with credit-pending receipts that carry the vend's reference; and the
 * tokens reach the meters once the central (and its embedded MQTT broker) is back — which also
 * shows the meter fleet reconnects to the restarted broker.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { agentEnvForTests, KioskClient, SimPanel, sleep } from './support.ts'
import { ledgerCheck, readAgentJournal, readCentral } from './ledger.ts'

let system: RunningSystem
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-offline-'))
  system = await launchSystem({
    dataDir,
    ports: await freePorts(),
    meterCount: 10,
    env: { agent: { ...agentEnvForTests(), VEND_WAIT_MS: '2000', CENTRAL_TIMEOUT_MS: '1500', SIM_ACCEPTOR_PACE: 'fast' } },
  })
})

afterAll(async () => {
  await system?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

interface FleetMeter {
  lastAccepted?: { token: string; result: string }[]
}

describe('the central is away during sessions', () => {
  it('delivers every vend once, prints credit pending with a reference, and the tokens reach the meters', { timeout: 240_000 }, async () => {
    const base = system.urls.kiosk.replace(/\/$/, '')
    const panel = new SimPanel(base)
    const client = new KioskClient(`${base.replace(/^http/, 'ws')}/ws`)
    await client.connect()
    const residents = demoCustomers(10).slice(0, 3)
    const pending: { vendId: string; reference: string; meterNo: string }[] = []

    for (const [i, r] of residents.entries()) {
      await client.screen('attract', 20_000)
      // Identification needs the central; it goes away after that, at a different step each time.
      await panel.tap(r.cardNo)
      const account = await client.screen('account', 20_000)
      if (!account.session?.meterNo) client.send({ type: 'resident.selectMeter', meterNo: r.meters[0]!.meterNo })
      await client.until((v) => !!v?.session?.meterNo, 5_000, 'meter')
      if (i === 1) await system.stopProcess('central') // before any money
      client.send({ type: 'resident.insertCash' })
      await client.screen('collecting')
      expect(await panel.note(i === 1 ? 5000 : 2000)).toBe(true)
      await client.until((v) => (v?.session?.insertedFen ?? 0) > 0, 10_000, 'credited')
      if (i === 0) await system.stopProcess('central') // with money in
      if (i === 2) await system.stopProcess('central', 'SIGKILL') // abruptly, at the confirm
      client.send({ type: 'resident.confirm' })
      const done = await client.until((v) => v?.screen === 'done' && v.result?.receipt !== 'printing', 30_000, 'done')
      expect(done.result?.status).toBe('creditPending')
      expect(done.result?.reference).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/)
      pending.push({ vendId: done.result!.vendId, reference: done.result!.reference, meterNo: done.result!.meterNo })
      client.send({ type: 'resident.finish' })
      if (i < residents.length - 1) await system.restartProcess('central')
    }

    // Receipts: credit pending, with the vend's reference.
    const sim = await panel.state()
    for (const p of pending) {
      const receipt = sim.printer.receipts.find((rc) => rc.lines.some((l) => l.includes(p.vendId)))
      expect(receipt, `receipt for ${p.vendId}`).toBeDefined()
      expect(receipt!.lines.join('\n')).toContain('CREDIT PENDING')
    }

    await system.restartProcess('central')
    // The outbox delivers; the central's meter outbox pushes the tokens over the restarted broker.
    const deadline = Date.now() + 90_000
    const tokens = new Map<string, string>()
    for (;;) {
      const h = (await (await fetch(`${base}/health`)).json()) as { outbox: { depth: number } }
      if (h.outbox.depth === 0) break
      if (Date.now() > deadline) throw new Error(`outbox not drained: ${h.outbox.depth}`)
      await sleep(500)
    }
    // The vends' tokens, as the central answered them (journaled by the agent).
    for (;;) {
      let all = true
      for (const p of pending) {
        const m = (await (await fetch(`${system.urls.fleet}/${p.meterNo}`)).json()) as FleetMeter
        const accepted = m.lastAccepted?.map((t) => t.token) ?? []
        if (accepted.length === 0) all = false
        else tokens.set(p.vendId, accepted.join(','))
      }
      if (all) break
      if (Date.now() > deadline) throw new Error(`tokens not at the meters: ${JSON.stringify([...tokens])}`)
      await sleep(500)
    }
    const check = await ledgerCheck(system.urls.central)
    expect(check.status).toBe(200)
    client.close()
    await system.stop()

    const agent = readAgentJournal(dataDir)
    const central = readCentral(dataDir)
    const vendIds = pending.map((p) => p.vendId)
    for (const id of vendIds) {
      expect(agent.vends.find((v) => v.vendId === id)?.state).toBe('done')
      expect(central.vends.filter((v) => v.vendId === id)).toHaveLength(1)
    }
    expect(central.vends.length).toBe(agent.vends.length)
    expect(central.notes.length).toBe(agent.credited.length)
    // Each meter accepted the token the central minted for its vend.
    const journalTokens = readVendTokens(dataDir)
    for (const p of pending) {
      const t = journalTokens.get(p.vendId) ?? []
      expect(t.length).toBeGreaterThan(0)
      for (const token of t) expect(tokens.get(p.vendId)?.replace(/\s/g, '')).toContain(token.replace(/\s/g, ''))
    }
    console.log(`offline figures ${JSON.stringify({ vends: pending.length, references: pending.map((p) => p.reference), centralVends: central.vends.length, tokensAtMeters: tokens.size })}`)
  })
})

function readVendTokens(dir: string): Map<string, string[]> {
  const db = new Database(join(dir, 'kiosk-k001', 'journal.db'), { readonly: true })
  try {
    const rows = db.prepare("SELECT vend_id, response_json FROM vends WHERE state = 'done'").all() as { vend_id: string; response_json: string }[]
    return new Map(rows.map((r) => [r.vend_id, (JSON.parse(r.response_json) as { tokens: string[] }).tokens]))
  } finally {
    db.close()
  }
}
