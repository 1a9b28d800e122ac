import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock, uuidv7, type KioskView, type ServerMessage } from '@gridtill/shared'
import { startAgent, type RunningAgent } from './agent.ts'
import { loadConfig } from './config.ts'
import { Journal } from './journal/journal.ts'
import { FakeCentral, fakeDevices } from './testing/fakes.ts'

const log = pino({ level: 'silent' })
const dirs: string[] = []
const running: RunningAgent[] = []
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-agent-'))
  dirs.push(dir)
  return dir
}

async function start(dataDir: string, central: FakeCentral, env: Record<string, string> = {}) {
  const config = loadConfig({
    AGENT_PORT: '0',
    AGENT_DATA_DIR: dataDir,
    ENROLLMENT_CODE: 'DEMO-ENROLL-K001',
    UI_DIST: path.join(dataDir, 'no-ui'),
    VEND_WAIT_MS: '1500',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const fakes = fakeDevices()
  const agent = await startAgent({ config, clock: systemClock, log, devices: () => Promise.resolve(fakes.devices), fetch: central.fetch })
  running.push(agent)
  return { agent, ...fakes }
}

async function screen(url: string) {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws')
  let view: KioskView | null = null
  const errors: ServerMessage[] = []
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString('utf8')) as ServerMessage
    if (m.type === 'snapshot') view = m.view
    else errors.push(m)
  })
  await new Promise<void>((r) => ws.once('open', () => r()))
  const until = async (pred: (v: KioskView) => boolean, ms = 5000): Promise<KioskView> => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      if (view && pred(view)) return view
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`timed out; last view ${JSON.stringify(view)}`)
  }
  const intent = (i: object) => ws.send(JSON.stringify({ type: 'intent', intentId: uuidv7(), intent: i }))
  return { ws, until, intent, errors }
}

describe('kiosk agent (fake devices, fake central)', () => {
  it('enrols, then sells: card tap → notes → confirm → token on screen, receipt printed, vend journaled done', async () => {
    const central = new FakeCentral()
    const { agent, acceptor, reader, printer } = await start(tempDir(), central)
    const s = await screen(agent.url)
    await s.until((v) => v.screen === 'attract' && v.kiosk.name === 'GT-K001')

    reader.tap('8800010001')
    await s.until((v) => v.screen === 'account')
    s.intent({ type: 'resident.insertCash' })
    await s.until((v) => v.screen === 'collecting' && acceptor.state === 'enabled')
    expect(acceptor.insert(5000)).toBe(true)
    await s.until((v) => v.session?.insertedFen === 5000)
    expect(acceptor.insert(2000)).toBe(true)
    const collecting = await s.until((v) => v.session?.insertedFen === 7000 && v.session.quote?.energyWh === energyOf(7000))
    expect(collecting.session?.notes).toHaveLength(2)

    s.intent({ type: 'resident.confirm' })
    const done = await s.until((v) => v.screen === 'done' && v.result?.receipt === 'printed')
    expect(done.result).toMatchObject({ status: 'vended', amountFen: 7000, receiptNo: 'K001-000001' })
    expect(done.result?.tokens).toHaveLength(1)
    expect(acceptor.state).toBe('disabled')
    expect(printer.printed[0]).toMatchObject({ status: 'vended', token: done.result?.tokens[0], amountFen: 7000, kioskName: 'GT-K001' })
    expect(printer.printed[0]?.notes).toEqual([
      { valueFen: 5000, count: 1 },
      { valueFen: 2000, count: 1 },
    ])
    const vend = agent.journal.getVend(done.result?.vendId ?? '')
    expect(vend?.state).toBe('done')
    expect(central.signatureFailures).toEqual([])
    expect(agent.journal.cashbox().totalFen).toBe(7000)

    s.intent({ type: 'resident.finish' })
    await s.until((v) => v.screen === 'attract' && v.session === null)
    const metrics = await (await fetch(`${agent.url}/metrics`)).text()
    expect(metrics).toContain('gridtill_agent_vends{state="done"} 1')
    expect(metrics).toContain('gridtill_agent_notes_credited_fen_total 7000')
    s.ws.close()
  })

  it('central away: credit pending with a reference; the outbox delivers the same vend when it is back', async () => {
    const central = new FakeCentral()
    const { agent, acceptor, reader, printer } = await start(tempDir(), central)
    const s = await screen(agent.url)
    reader.tap('8800010001')
    await s.until((v) => v.screen === 'account')
    s.intent({ type: 'resident.insertCash' })
    await s.until(() => acceptor.state === 'enabled')
    central.up = false
    acceptor.insert(2000)
    await s.until((v) => v.session?.insertedFen === 2000)
    s.intent({ type: 'resident.confirm' })
    const done = await s.until((v) => v.screen === 'done' && v.result?.receipt === 'printed')
    expect(done.result?.status).toBe('creditPending')
    expect(done.kiosk.centralOnline).toBe(false)
    expect(printer.printed[0]).toMatchObject({ status: 'creditPending', vendId: done.result?.vendId })
    expect(agent.outbox.stats().depth).toBe(1)

    central.up = true
    agent.outbox.kick()
    await s.until(() => agent.journal.getVend(done.result?.vendId ?? '')?.state === 'done')
    expect(central.vends.has(done.result?.vendId ?? '')).toBe(true)

    // A duplicate asked for now carries the token the central has since answered with.
    s.intent({ type: 'resident.reprint' })
    await s.until(() => printer.printed.length === 2)
    expect(printer.printed[1]).toMatchObject({ status: 'vended', duplicate: true, vendId: done.result?.vendId })
    expect(printer.printed[1]?.token).toBe(central.vends.get(done.result?.vendId ?? '')?.response.tokens[0])
    s.ws.close()
  })

  it('restart after a crash: one vend for notes without one, receipts owed printed once', async () => {
    const dir = tempDir()
    const central = new FakeCentral()
    // First life: enrol, then a session takes two notes and the process dies before the vend.
    const first = await start(dir, central)
    await first.agent.stop()
    running.splice(0)
    const j = Journal.open(path.join(dir, 'journal.db'), { clock: systemClock })
    const sessionId = uuidv7()
    j.upsertSession({ sessionId, via: 'card', cardNo: '8800010001', accountId: 'A00001', meterNo: '58101000001', customerNameMasked: '张*明', state: 'collecting' })
    j.creditNote({ noteId: uuidv7(), sessionId, valueFen: 5000 })
    j.creditNote({ noteId: uuidv7(), sessionId, valueFen: 1000 })
    // And an earlier session whose vend was journaled but whose receipt never printed.
    const earlier = uuidv7()
    const noteId = uuidv7()
    j.upsertSession({ sessionId: earlier, via: 'meterNo', cardNo: null, accountId: 'A00001', meterNo: '58101000001', customerNameMasked: '张*明', state: 'vending' })
    j.creditNote({ noteId, sessionId: earlier, valueFen: 2000 })
    j.createVend({ vendId: uuidv7(), sessionId: earlier, meterNo: '58101000001', cardNo: null, notes: [{ noteId, valueFen: 2000 }], paidAt: Date.now(), origin: 'session' })
    j.close()

    const second = await start(dir, central)
    const deadline = Date.now() + 5000
    while (second.printer.printed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(second.printer.printed.map((p) => [p.status, p.amountFen])).toEqual([
      ['vended', 2000],
      ['vended', 6000],
    ])
    expect(central.vends.size).toBe(2)
    await second.agent.stop()
    running.splice(0)

    const third = await start(dir, central)
    await new Promise((r) => setTimeout(r, 300))
    expect(third.printer.printed).toHaveLength(0)
    expect(central.vends.size).toBe(2)
    expect(third.agent.journal.vendsForSession(sessionId)).toHaveLength(1)
  })

  it('suspect note at power-up is recorded for the cash count, not credited', async () => {
    const dir = tempDir()
    const central = new FakeCentral()
    const config = loadConfig({ AGENT_PORT: '0', AGENT_DATA_DIR: dir, ENROLLMENT_CODE: 'DEMO-ENROLL-K001', UI_DIST: dir, LOG_LEVEL: 'silent' })
    const fakes = fakeDevices()
    fakes.acceptor.suspectAtStart = 2000
    const agent = await startAgent({ config, clock: systemClock, log, devices: () => Promise.resolve(fakes.devices), fetch: central.fetch })
    running.push(agent)
    expect(agent.journal.suspectNoteCount()).toBe(1)
    expect(agent.journal.cashbox().totalFen).toBe(0)
  })

  it('refuses to start unenrolled without a code, and with a wrong one', async () => {
    const central = new FakeCentral()
    await expect(start(tempDir(), central, { ENROLLMENT_CODE: '' })).rejects.toThrow(/ENROLLMENT_CODE/)
    await expect(start(tempDir(), central, { ENROLLMENT_CODE: 'WRONG-CODE' })).rejects.toThrow(/refused/)
  })
})

function energyOf(amountFen: number): number {
  return Math.floor(amountFen / 6) * 100
}
