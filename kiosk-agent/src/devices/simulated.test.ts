import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '@gridtill/shared'
import { startAgent, type RunningAgent } from '../agent.ts'
import { loadConfig } from '../config.ts'
import { FakeCentral } from '../testing/fakes.ts'
import { createSimulatedDevices } from './simulated.ts'

/** The agent on the real drivers and simulators (ID-003 bytes, HID reports, ESC/POS), central faked. */
const log = pino({ level: 'silent' })
const dirs: string[] = []
const running: RunningAgent[] = []
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('agent on simulated hardware', () => {
  it('a top-up through real protocol bytes; each note is in the journal file before the device sees its ACK', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-sim-'))
    dirs.push(dir)
    const config = loadConfig({ AGENT_PORT: '0', AGENT_DATA_DIR: dir, ENROLLMENT_CODE: 'DEMO-ENROLL-K001', UI_DIST: dir, LOG_LEVEL: 'silent' })
    const central = new FakeCentral()
    const agent = await startAgent({
      config,
      clock: systemClock,
      log,
      fetch: central.fetch,
      devices: () => createSimulatedDevices({ protocol: 'id003', clock: systemClock, log }),
    })
    running.push(agent)
    const sim = agent.devices.sim
    if (!sim) throw new Error('no simulator')

    // Watch the device side: at the moment the ACK for VEND VALID arrives, read the journal file.
    const reader = new Database(path.join(dir, 'journal.db'), { readonly: true })
    const atAck: number[] = []
    const acceptorSim = sim.acceptor as unknown as { onEvent(l: (e: { type: string }) => void): () => void }
    acceptorSim.onEvent((e) => {
      if (e.type === 'creditAcked') atAck.push((reader.prepare('SELECT COUNT(*) AS n FROM notes').get() as { n: number }).n)
    })

    const snap = () => agent.actor.getSnapshot()
    sim.reader.tap({ uid: '04A1B200C50000', cardNo: '8800010001', kind: 'resident' })
    await until(() => snap().matches('account'))
    agent.actor.send({ type: 'resident.insertCash' })
    await until(() => agent.devices.acceptor.state === 'enabled')
    await until(() => sim.acceptor.insertNote(5000))
    await until(() => snap().context.session?.insertedFen === 5000)
    await until(() => sim.acceptor.insertNote(1000))
    await until(() => snap().context.session?.insertedFen === 6000 && atAck.length === 2)
    expect(atAck).toEqual([1, 2])

    agent.actor.send({ type: 'resident.confirm' })
    await until(() => snap().matches('done') && snap().context.result?.receipt !== 'printing')
    const result = snap().context.result
    expect(result).toMatchObject({ status: 'vended', amountFen: 6000, receipt: 'printed' })
    expect(sim.acceptor.cassette().totalFen).toBe(6000)
    const receipt = sim.printer.receipts.at(-1)
    expect(receipt?.qrPayloads).toEqual([result?.vendId])
    const digits = (result?.tokens[0] ?? '').match(/\d{4}/g)?.join(' ')
    expect(receipt?.lines.some((l) => l.text.includes(digits ?? 'none'))).toBe(true)
    reader.close()
  })
})
