import { isUuid } from '@gridtill/shared'
import { afterEach, describe, expect, it } from 'vitest'
import type { BillAcceptorProtocol } from './bill-acceptor.ts'
import { createRig, delay, type Rig, type RigOptions } from './testing.ts'

/**
 * One contract for every acceptor driver + simulator pair (kiosk-hardware.md §7.8: "both levels
 * must satisfy the same contract tests"), over an in-memory link, whole writes and byte by byte.
 * Invoked once per protocol from contract.<protocol>.test.ts, so the two run in parallel.
 */
const LINKS = [
  { name: 'whole frames', maxChunk: 0 },
  { name: 'byte by byte', maxChunk: 1 },
]

export function acceptorContract(protocol: BillAcceptorProtocol): void {
  describe.each(LINKS)('$name', ({ maxChunk }) => {
    let rig: Rig | undefined
    const open = async (o: RigOptions = {}): Promise<Rig> => {
      rig = await createRig(protocol, { ...o, link: { maxChunk, ...o.link } })
      return rig
    }
    afterEach(async () => {
      await rig?.close()
      rig = undefined
    })

    /** Insert a note, wait for escrow, stack it, wait for the credit. */
    const acceptOne = async (r: Rig, valueFen: number): Promise<void> => {
      const from = r.events.length
      expect(r.sim.insertNote(valueFen)).toBe(true)
      const escrow = await r.next('noteEscrowed', { from })
      expect(escrow.valueFen).toBe(valueFen)
      await r.driver.stack()
      const credited = await r.next('noteCredited', { from })
      expect(credited.valueFen).toBe(valueFen)
      await r.until(() => r.driver.state === 'enabled', 3000, 'enabled after the note')
    }

    it('starts disabled, reads the denominations from the device, enables and disables', async () => {
      const r = await open()
      expect(r.driver.protocol).toBe(protocol)
      expect(r.driver.denominationsFen).toEqual([100, 500, 1000, 2000, 5000, 10000])
      expect(r.driver.state).toBe('disabled')
      expect(r.sim.insertNote(1000)).toBe(false)
      await r.driver.enable()
      await r.until(() => r.driver.state === 'enabled')
      expect(r.count('enabled')).toBe(1)
      await r.driver.disable()
      expect(r.driver.state).toBe('disabled')
      expect(r.sim.snapshot().enabled).toBe(false)
      await expect(r.driver.enable([700])).rejects.toMatchObject({
        code: 'ERR_ACCEPTOR_UNKNOWN_DENOMINATION',
      })
    })

    it('accepts a note: escrow is not money, the credit event is', async () => {
      const r = await open()
      await r.driver.enable()
      expect(r.sim.insertNote(2000)).toBe(true)
      await r.next('noteEscrowed')
      expect(r.credits).toHaveLength(0)
      expect(r.driver.state).toBe('busy')
      await r.driver.stack()
      const credited = await r.next('noteCredited')
      expect(credited.valueFen).toBe(2000)
      expect(isUuid(credited.noteId)).toBe(true)
      expect(r.credits).toEqual([{ noteId: credited.noteId, valueFen: 2000 }])
      await r.until(() => r.driver.state === 'enabled')
      expect(r.sim.cassette()).toEqual({ countsByValueFen: { 2000: 1 }, totalFen: 2000 })
      await acceptOne(r, 10000)
      expect(r.credits.map((c) => c.valueFen)).toEqual([2000, 10000])
      expect(new Set(r.credits.map((c) => c.noteId)).size).toBe(2)
      expect(r.sim.cassette().totalFen).toBe(12000)
    })

    it('credits exactly once when the device repeats the credit event', async () => {
      const r = await open({ sim: { faults: { repeatCreditEvent: 4 } } })
      await r.driver.enable()
      await acceptOne(r, 5000)
      await delay(100)
      expect(r.credits).toHaveLength(1)
      expect(r.count('noteCredited')).toBe(1)
    })

    it('credits exactly once while the device never takes the acknowledgement', async () => {
      const r = await open({ sim: { faults: { neverAckCredit: true } } })
      await r.driver.enable()
      r.sim.insertNote(1000)
      await r.next('noteEscrowed')
      await r.driver.stack()
      await r.next('noteCredited')
      await delay(250) // the credit event keeps coming, every poll
      expect(r.credits).toHaveLength(1)
      // ID-003 holds the whole cycle in VEND VALID; SSP stacks and keeps re-reporting CREDIT NOTE
      if (protocol === 'id003') expect(r.driver.state).toBe('busy')
      r.sim.setFaults({ neverAckCredit: false })
      await r.until(() => r.driver.state === 'enabled')
      expect(r.credits).toHaveLength(1)
      expect(r.sim.cassette().totalFen).toBe(1000)
    })

    it('acknowledges only after the credit handler resolves; a rejecting handler is retried with the same noteId', async () => {
      const r = await open()
      const calls: { noteId: string; at: number }[] = []
      let resolvedAt = 0
      r.driver.setCreditHandler(async (note) => {
        calls.push({ noteId: note.noteId, at: Date.now() })
        await delay(5)
        if (calls.length < 3) throw new Error('journal busy')
        resolvedAt = Date.now()
      })
      let ackedAt = 0
      r.sim.onEvent((e) => {
        if (e.type === 'creditAcked') ackedAt = Date.now()
      })
      await r.driver.enable()
      r.sim.insertNote(2000)
      await r.next('noteEscrowed')
      await r.driver.stack()
      const credited = await r.next('noteCredited')
      await r.until(() => ackedAt > 0, 3000, 'device to see the acknowledgement')
      expect(calls).toHaveLength(3)
      expect(new Set(calls.map((c) => c.noteId))).toEqual(new Set([credited.noteId]))
      expect(ackedAt).toBeGreaterThanOrEqual(resolvedAt)
      expect(r.count('noteCredited')).toBe(1)
      await r.until(() => r.driver.state === 'enabled')
    })

    it('returns the note on request, without credit', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.insertNote(5000)
      await r.next('noteEscrowed')
      await r.driver.returnNote()
      const returned = await r.next('noteReturned')
      expect(returned.valueFen).toBe(5000)
      await r.until(() => r.driver.state === 'enabled')
      expect(r.credits).toHaveLength(0)
      expect(r.sim.cassette().totalFen).toBe(0)
      await expect(r.driver.stack()).rejects.toMatchObject({ code: 'ERR_ACCEPTOR_NO_ESCROW' })
    })

    it('returns the note when nobody decides within the escrow window', async () => {
      const r = await open({ driver: { escrowTimeoutMs: 150 } })
      await r.driver.enable()
      r.sim.insertNote(1000)
      await r.next('noteEscrowed')
      const returned = await r.next('noteReturned')
      expect(returned.valueFen).toBe(1000)
      await r.until(() => r.driver.state === 'enabled')
      expect(r.credits).toHaveLength(0)
      expect(r.sim.cassette().totalFen).toBe(0)
    })

    it('holds a note past the escrow window, then stacks it', async () => {
      const r = await open({ driver: { escrowTimeoutMs: 120 } })
      await r.driver.enable()
      r.sim.insertNote(1000)
      await r.next('noteEscrowed')
      for (let i = 0; i < 3; i++) {
        await delay(70)
        await r.driver.hold()
      }
      expect(r.count('noteReturned')).toBe(0)
      await r.driver.stack()
      await r.next('noteCredited')
      expect(r.credits).toHaveLength(1)
    })

    it('reports a safe and an unsafe jam, and recovers when cleared', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.jam(true)
      expect((await r.next('jammed')).safe).toBe(true)
      expect(r.driver.state).toBe('jammed')
      r.sim.clearJam()
      await r.until(() => r.driver.state === 'enabled')
      const from = r.events.length
      r.sim.jam(false)
      expect((await r.next('jammed', { from })).safe).toBe(false)
      r.sim.clearJam()
      await r.until(() => r.driver.state === 'enabled')
      await acceptOne(r, 2000)
    })

    it('reports a full stacker', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.setStackerFull(true)
      await r.next('stackerFull')
      expect(r.driver.state).toBe('fault')
      expect(r.sim.insertNote(1000)).toBe(false)
      r.sim.setStackerFull(false)
      await r.until(() => r.driver.state === 'enabled')
    })

    it('reports the cashbox removed and replaced', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.removeCashbox()
      await r.next('cashboxRemoved')
      expect(r.driver.state).toBe('fault')
      r.sim.replaceCashbox()
      await r.next('cashboxReplaced')
      await r.until(() => r.driver.state === 'enabled')
    })

    it('reports a fraud attempt', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.fraudAttempt(2000)
      await r.next('fraudAttempt')
      await r.until(() => r.driver.state === 'enabled')
      expect(r.credits).toHaveLength(0)
    })

    it('rejects a counterfeit', async () => {
      const r = await open()
      await r.driver.enable()
      expect(r.sim.insertFake()).toBe(true)
      await r.next('noteRejected')
      expect(r.count('noteEscrowed')).toBe(0)
      await r.until(() => r.driver.state === 'enabled')
    })

    it('rejects inhibited denominations', async () => {
      const r = await open()
      await r.driver.enable([1000, 2000])
      expect(r.sim.insertNote(5000)).toBe(true)
      const rejected = await r.next('noteRejected')
      expect(rejected.reason).toMatch(/inhibit/)
      expect(r.count('noteEscrowed')).toBe(0)
      await r.until(() => r.driver.state === 'enabled')
      await acceptOne(r, 2000)
      expect(r.credits.map((c) => c.valueFen)).toEqual([2000])
    })

    it('after a power cut mid-stack reports a suspect note and never credits it', async () => {
      const r = await open({
        sim: { timings: { stackMs: 300 } },
        driver: { responseTimeoutMs: 60, offlineAfterFailures: 2 },
      })
      await r.driver.enable()
      r.sim.insertNote(5000)
      await r.next('noteEscrowed')
      await r.driver.stack()
      r.sim.powerCut()
      const offline = await r.next('offline')
      expect(offline.reason).toBeTruthy()
      expect(r.driver.state).toBe('offline')
      await delay(50)
      const from = r.events.length
      r.sim.powerOn()
      const suspect = await r.next('suspectNote', { from })
      expect(suspect).toMatchObject({ where: 'stacker', valueFen: 5000 })
      await r.next('online', { from })
      await r.until(() => r.driver.state === 'enabled', 3000, 'enabled restored after power-up')
      await delay(100)
      expect(r.credits).toHaveLength(0)
      expect(r.count('noteCredited')).toBe(0)
      expect(r.sim.cassette().countsByValueFen).toEqual({ 5000: 1 }) // physically in the box
      await acceptOne(r, 1000)
      expect(r.credits.map((c) => c.valueFen)).toEqual([1000])
    })

    it('resyncs through corrupted frames', async () => {
      const r = await open({
        sim: { faults: { corruptProbability: 0.15, seed: 7 } },
        driver: { offlineAfterFailures: 6 },
      })
      await r.driver.enable()
      for (const v of [1000, 5000]) await acceptOne(r, v)
      expect(r.credits.map((c) => c.valueFen)).toEqual([1000, 5000])
      expect(
        r.driver.stats.badChecksums + r.driver.stats.garbageBytes + r.driver.stats.timeouts,
      ).toBeGreaterThan(0)
      expect(r.sim.cassette().totalFen).toBe(6000)
    })

    it('works with a slow device', async () => {
      const r = await open({
        sim: { faults: { responseDelayMs: 25 } },
        driver: { responseTimeoutMs: 150 },
      })
      await r.driver.enable()
      await acceptOne(r, 2000)
      expect(r.credits).toHaveLength(1)
      expect(r.count('offline')).toBe(0)
    })

    it('goes offline when the device stops answering and recovers when it answers again', async () => {
      const r = await open({ driver: { responseTimeoutMs: 60, offlineAfterFailures: 2 } })
      await r.driver.enable()
      r.sim.setFaults({ dropProbability: 1 })
      await r.next('offline')
      expect(r.driver.state).toBe('offline')
      await expect(r.driver.stack()).rejects.toMatchObject({ code: 'ERR_DEVICE_OFFLINE' })
      const from = r.events.length
      r.sim.setFaults({ dropProbability: 0 })
      await r.next('online', { from })
      await r.until(() => r.driver.state === 'enabled')
      await acceptOne(r, 1000)
    })

    it('goes offline on unplug and comes back on replug', async () => {
      const r = await open()
      await r.driver.enable()
      r.link.unplug()
      await r.next('offline')
      await delay(80)
      const from = r.events.length
      r.link.replug()
      await r.next('online', { from })
      await r.until(() => r.driver.state === 'enabled')
      await acceptOne(r, 500)
    })

    it('disable() waits for a note mid-cycle to finish', async () => {
      const r = await open()
      await r.driver.enable()
      r.sim.insertNote(1000)
      await r.next('noteEscrowed')
      let disabled = false
      const pending = r.driver.disable().then(() => {
        disabled = true
      })
      await delay(40)
      expect(disabled).toBe(false)
      await r.driver.stack()
      await pending
      expect(r.credits).toHaveLength(1)
      expect(r.driver.state).toBe('disabled')
    })
  })
}
