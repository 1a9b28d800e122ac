import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BillAcceptorProtocol } from './bill-acceptor.ts'
import { readCassetteFile } from './cassette-file.ts'
import { createRig, delay, type Rig } from './testing.ts'

/**
 * The cassette file stands in for the physical box when the simulating process dies: a "kill" here
 * is dropping a rig without stopping anything politely and opening a new one on the same file.
 */
const rigs: Rig[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cassette-'))
  dirs.push(dir)
  return join(dir, 'cassette.json')
}

async function rigOn(protocol: BillAcceptorProtocol, file: string, creditHangs = false): Promise<Rig> {
  const r = await createRig(protocol, { sim: { cassetteFile: file, timings: { stackMs: 80 } } })
  rigs.push(r)
  // a credit handler that never returns: the host "dies" after the credit event, before its ACK
  if (creditHangs) r.driver.setCreditHandler((note) => (r.credits.push(note), new Promise<void>(() => undefined)))
  return r
}

/** The process dies: nothing is stopped politely (a driver stuck in its credit handler never returns). */
async function kill(r: Rig): Promise<void> {
  rigs.splice(rigs.indexOf(r), 1)
  void r.driver.stop().catch(() => undefined)
  await r.sim.stop().catch(() => undefined)
}

describe.each(['id003', 'ssp'] as const)('%s simulator with a cassette file', (protocol) => {
  it('restores the box at start', async () => {
    const file = tempFile()
    const a = await rigOn(protocol, file)
    await a.driver.enable()
    a.sim.insertNote(2000)
    await a.next('noteEscrowed')
    await a.driver.stack()
    await a.next('noteCredited')
    await a.until(() => readCassetteFile(file)?.pending === null, 3000, 'credit acknowledged')
    await kill(a)
    expect(readCassetteFile(file)).toEqual({ countsByValueFen: { 2000: 1 }, pending: null })

    const b = await rigOn(protocol, file)
    expect(b.sim.cassette()).toEqual({ countsByValueFen: { 2000: 1 }, totalFen: 2000 })
    await delay(50)
    expect(b.count('suspectNote')).toBe(0)
  })

  it('a note stacked but never acknowledged powers up as a suspect in the stacker, counted once', async () => {
    const file = tempFile()
    const a = await rigOn(protocol, file, true)
    await a.driver.enable()
    a.sim.insertNote(5000)
    await a.next('noteEscrowed')
    await a.driver.stack()
    await a.until(() => a.credits.length === 1, 3000, 'credit handler called')
    // written before the credit event went out
    expect(readCassetteFile(file)).toEqual({ countsByValueFen: { 5000: 1 }, pending: { valueFen: 5000, inBox: true } })
    await kill(a)

    const b = await rigOn(protocol, file)
    await b.next('suspectNote')
    expect(b.events.find((e) => e.type === 'suspectNote')).toMatchObject({ where: 'stacker' })
    expect(b.count('noteCredited')).toBe(0)
    expect(b.sim.cassette().countsByValueFen).toEqual({ 5000: 1 })
    await b.until(() => readCassetteFile(file)?.pending === null, 3000, 'pending cleared once reported')
  })

  it('a note killed mid-stack ends in the box and is reported suspect', async () => {
    const file = tempFile()
    const a = await rigOn(protocol, file)
    await a.driver.enable()
    a.sim.insertNote(1000)
    await a.next('noteEscrowed')
    await a.driver.stack()
    await a.until(() => readCassetteFile(file)?.pending?.inBox === false, 3000, 'note committed')
    await kill(a)

    const b = await rigOn(protocol, file)
    await b.next('suspectNote')
    expect(b.sim.cassette().countsByValueFen).toEqual({ 1000: 1 })
    expect(b.count('noteCredited')).toBe(0)
  })
})
