/**
 * Field service mode against the real central, as processes (the unit-level run against a stub
 * central is kiosk-agent/src/service-mode/service-mode.e2e.test.ts): the demo field-staff card
 * opens service mode, a cash box exchange posts its collection, every staff action reaches the
 * central's service events, and the central and the kiosk's journal agree on both.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoCustomers } from '@gridtill/shared'
import { freePorts, launchSystem, type RunningSystem } from '../system/launch.ts'
import { agentEnvForTests, bundleAgent, KioskClient, SimPanel, sleep } from './support.ts'

const FIELD_STAFF_CARD = '9900000101'
let system: RunningSystem
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridtill-service-'))
  system = await launchSystem({
    dataDir,
    ports: await freePorts(),
    meterCount: 10,
    nodeArgs: { agent: await bundleAgent() },
    env: { agent: { ...agentEnvForTests(), SIM_ACCEPTOR_PACE: 'fast', HEARTBEAT_MS: '2000' }, central: { LOG_LEVEL: 'warn' }, fleet: { LOG_LEVEL: 'warn' } },
  })
})

afterAll(async () => {
  await system?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('field service mode with the real central', () => {
  it('cash box exchange posts the collection; every staff action is a service event at the central', { timeout: 120_000 }, async () => {
    const base = system.urls.kiosk.replace(/\/$/, '')
    const panel = new SimPanel(base)
    const c = new KioskClient(`${base.replace(/^http/, 'ws')}/ws`)
    await c.connect()
    // ¥50 into the box first.
    const r = demoCustomers(10)[0]!
    await panel.tap(r.cardNo)
    const acc = await c.screen('account', 15_000)
    if (!acc.session?.meterNo) c.send({ type: 'resident.selectMeter', meterNo: r.meters[0]!.meterNo })
    await c.until((v) => !!v?.session?.meterNo, 5_000, 'meter')
    c.send({ type: 'resident.insertCash' })
    await c.screen('collecting')
    expect(await panel.note(5000)).toBe(true)
    await c.until((v) => (v?.session?.insertedFen ?? 0) === 5000, 8_000, 'note credited')
    c.send({ type: 'resident.confirm' })
    await c.until((v) => v?.screen === 'done' && v.result?.receipt !== 'printing', 20_000, 'done')
    c.send({ type: 'resident.finish' })
    await c.screen('attract')

    await panel.tap(FIELD_STAFF_CARD)
    const svc = await c.screen('service', 10_000)
    expect(svc.service?.cashbox.totalFen).toBe(5000)
    c.send({ type: 'staff.testPrint' })
    await c.until((v) => v?.service?.message === 'testPrint.ok', 10_000, 'test page')
    c.send({ type: 'staff.beginCashboxExchange' })
    await c.until((v) => v?.service?.exchange === 'awaitingSeal', 5_000, 'asks for the seal')
    c.send({ type: 'staff.completeCashboxExchange', sealNo: 'SEAL-9001' })
    const done = await c.until((v) => v?.service?.exchange === 'done', 5_000, 'exchange done')
    const cycleId = done.service?.lastCollection?.cycleId
    c.send({ type: 'staff.exit' })
    await c.screen('attract')
    // Delivered in the background; the service view's outbox counts them until the central answered.
    const deadline = Date.now() + 20_000
    for (;;) {
      const h = (await (await fetch(`${base}/health`)).json()) as { outbox: { depth: number } }
      const j = readJournal()
      if (h.outbox.depth === 0 && j.collections.every((x) => x.state === 'posted') && j.events.every((e) => e.send_state === 'posted')) break
      if (Date.now() > deadline) throw new Error(`not delivered: ${JSON.stringify(j)}`)
      await sleep(250)
    }
    expect(c.errors).toEqual([])
    c.close()
    await system.stop()

    const kiosk = readJournal()
    const central = new Database(join(dataDir, 'central', 'central.db'), { readonly: true })
    try {
      const col = central.prepare('SELECT cycle_id, seal_no, staff_card_no, note_count, expected_fen FROM collections').all()
      expect(col).toEqual([{ cycle_id: cycleId, seal_no: 'SEAL-9001', staff_card_no: FIELD_STAFF_CARD, note_count: 1, expected_fen: 5000 }])
      const events = (central.prepare('SELECT COUNT(*) AS n FROM kiosk_service_events').get() as { n: number }).n
      expect(events).toBe(kiosk.events.length)
      expect(kiosk.events.map((e) => e.action)).toEqual(['service.enter', 'testPrint', 'cashbox.begin', 'cashbox.seal', 'cashbox.closed', 'service.exit'])
      expect((central.prepare('SELECT COUNT(*) AS n FROM kiosk_heartbeats').get() as { n: number }).n).toBeGreaterThan(0)
    } finally {
      central.close()
    }
  })
})

function readJournal() {
  const db = new Database(join(dataDir, 'kiosk-k001', 'journal.db'), { readonly: true })
  try {
    return {
      collections: db.prepare('SELECT cycle_id, state FROM collections_outbox').all() as { cycle_id: string; state: string }[],
      events: db.prepare('SELECT action, send_state FROM service_actions ORDER BY id').all() as { action: string; send_state: string }[],
    }
  } finally {
    db.close()
  }
}
