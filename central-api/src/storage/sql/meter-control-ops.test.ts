import { afterEach, describe, expect, it } from 'vitest'
import { ENGINES, FIRST_METER, makeApp, type TestApp } from '../../test-support.ts'

const SECOND_METER = '58101000002'

describe.each(ENGINES)('meter control storage on %s', (engine) => {
  let t: TestApp
  afterEach(async () => t.close())

  it('queues commands with one audit entry, spends a TID only against the snapshot, supersedes relay orders', async () => {
    t = await makeApp({ engine })
    const repo = t.app.repo
    const now = t.clock.now()
    const meter = (await repo.findMeter(FIRST_METER))!
    const out = await repo.createMeterCommands({
      batchId: 'b1',
      actor: 'staff:S001',
      now,
      items: [
        { commandId: 'cmd-1', meterNo: FIRST_METER, kind: 'relayOpen', maxPowerW: null, tokens: null, tid: null, expectedLastTid: null },
        { commandId: 'cmd-2', meterNo: SECOND_METER, kind: 'clearTamper', maxPowerW: null, tokens: ['12345678901234567890'], tid: 777, expectedLastTid: 0 },
        { commandId: 'cmd-3', meterNo: FIRST_METER, kind: 'setMaxPower', maxPowerW: 3000, tokens: ['12345678901234567891'], tid: 5, expectedLastTid: meter.lastTid + 1 },
        { commandId: 'cmd-4', meterNo: '58109999999', kind: 'relayOpen', maxPowerW: null, tokens: null, tid: null, expectedLastTid: null },
      ],
    })
    expect(out).toEqual(['created', 'created', 'stale', 'unknownMeter'])
    expect((await repo.findMeter(SECOND_METER))!.lastTid).toBe(777)
    expect((await repo.verifyAuditChain()).entries).toBeGreaterThan(0)

    await repo.createMeterCommands({ batchId: 'b2', actor: 'staff:S002', now: now + 1, items: [{ commandId: 'cmd-5', meterNo: FIRST_METER, kind: 'relayClose', maxPowerW: null, tokens: null, tid: null, expectedLastTid: null }] })
    expect((await repo.getMeterCommand('cmd-1'))?.state).toBe('superseded')

    const claimed = await repo.claimDueCommands(now + 1, 10, () => 2_000)
    expect(claimed.map((c) => c.id).sort()).toEqual(['cmd-2', 'cmd-5'])
    expect(await repo.claimDueCommands(now + 1, 10, () => 2_000)).toEqual([])
    expect(await repo.nextCommandDueAt()).toBe(now + 2_001)
    expect(await repo.makeDueNowForMeter(FIRST_METER, now + 2)).toBe(1)
    expect((await repo.settleMeterCommand('cmd-5', FIRST_METER, { state: 'done', reason: null }, now + 3)).kind).toBe('settled')
    expect((await repo.settleMeterCommand('cmd-5', FIRST_METER, { state: 'refused', reason: 'late' }, now + 4)).kind).toBe('duplicate')
    expect((await repo.settleMeterCommand('cmd-5', SECOND_METER, { state: 'done', reason: null }, now + 4)).kind).toBe('unknown')
    expect((await repo.listMeterCommands({ meterNo: FIRST_METER, limit: 10 })).map((c) => [c.id, c.state])).toEqual([
      ['cmd-5', 'done'],
      ['cmd-1', 'superseded'],
    ])
  })

  it('keeps the newest live state, filters meters by status, and one open alert per meter', async () => {
    t = await makeApp({ engine })
    const repo = t.app.repo
    const now = t.clock.now()
    const reading = { meterNo: FIRST_METER, at: now, energyWh: 100, creditWh: 900, powerW: 50, relay: 'open' as const, tamper: false }
    expect(await repo.ingestReading(reading)).toBe(true)
    expect(await repo.ingestReading(reading)).toBe(false)
    expect(await repo.ingestReading({ ...reading, at: now - 10, relay: 'closed', creditWh: 5 })).toBe(true) // older: stored, live state kept
    expect(await repo.getMeterStatus(FIRST_METER)).toMatchObject({ relay: 'open', creditWh: 900, readingAt: now, online: null })
    expect((await repo.readingsSince(FIRST_METER, now - 100, 10)).map((r) => r.at)).toEqual([now - 10, now])

    expect(await repo.recordMeterStatus(FIRST_METER, true, now + 5)).toEqual({ known: true, madeDue: 0 })
    expect(await repo.recordMeterStatus(SECOND_METER, false, now + 5)).toEqual({ known: true, madeDue: 0 })
    expect(await repo.recordMeterStatus('58109999999', true, now)).toEqual({ known: false, madeDue: 0 })
    expect(await repo.recordMeterEvent(SECOND_METER, { tamper: true }, now + 6)).toBe(true)
    const ids = async (filter?: 'offline' | 'online' | 'tamper' | 'relayOpen' | 'lowCredit') => (await repo.listMeterStatus({ limit: 100, ...(filter ? { filter } : {}) })).map((m) => m.meterNo)
    expect(await ids('online')).toEqual([FIRST_METER])
    expect((await ids('offline'))[0]).toBe(SECOND_METER) // and the never-connected rest
    expect(await ids('tamper')).toEqual([SECOND_METER])
    expect(await ids('relayOpen')).toEqual([FIRST_METER])
    expect((await repo.listMeterStatus({ after: FIRST_METER, limit: 1 }))[0]?.meterNo).toBe(SECOND_METER)

    const a = await repo.openMeterAlert({ id: 'a1', meterNo: FIRST_METER, kind: 'lowCredit', daysLeft: 1.5, avgDailyWh: 600.4, creditWh: 900, now })
    expect(a).toMatchObject({ state: 'open', daysLeft: 1.5, avgDailyWh: 600, notified: false })
    expect(await repo.openMeterAlert({ id: 'a2', meterNo: FIRST_METER, kind: 'lowCredit', daysLeft: 1, avgDailyWh: 600, creditWh: 800, now })).toBeNull()
    expect(await ids('lowCredit')).toEqual([FIRST_METER])
    await repo.markMeterAlertNotified('a1')
    expect((await repo.clearMeterAlert(FIRST_METER, 'lowCredit', now + 1))?.notified).toBe(true)
    expect(await repo.clearMeterAlert(FIRST_METER, 'lowCredit', now + 2)).toBeNull()
    expect(await repo.openMeterAlert({ id: 'a3', meterNo: FIRST_METER, kind: 'lowCredit', daysLeft: 1, avgDailyWh: 600, creditWh: 800, now })).not.toBeNull()
    expect((await repo.listMeterAlerts({ meterNo: FIRST_METER, limit: 10 })).map((x) => x.state).sort()).toEqual(['cleared', 'open'])
  })
})
