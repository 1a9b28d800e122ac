import { describe, expect, it } from 'vitest'
import type { DevicesView } from '@gridtill/shared'
import { createHarness, settle, TIMING } from '../testing/machine-harness.ts'
import { toKioskView, type ViewExtras } from './view.ts'

const DEVICES: DevicesView = {
  acceptor: { health: 'ok', protocol: 'id003', cashboxPresent: true, stackerFull: false },
  reader: { health: 'ok' },
  printer: { health: 'ok', paper: 'ok', coverOpen: false },
}
const extras: ViewExtras = {
  seq: 7,
  at: 123,
  kiosk: { name: 'GT-K001', location: 'lobby', centralOnline: true, version: '1' },
  serviceData: () => ({
    cashbox: { cycleId: 'c1', countsByValueFen: { '5000': 2 }, totalFen: 10000, noteCount: 2 },
    outbox: { depth: 1, oldestAgeMs: 5, lastSyncAt: null, lastError: 'down' },
    collections: { pending: 1, failed: [{ cycleId: 'c0', sealNo: 'SEAL-9', code: 'ERR_COLLECTION_COUNTS_MISMATCH', at: 99 }] },
    suspectNotes: 1,
    lastCollection: null,
  }),
}

describe('toKioskView', () => {
  it('attract: no session, defaults, the kiosk and devices as given', () => {
    const h = createHarness()
    const v = toKioskView(h.state(), DEVICES, extras)
    expect(v).toMatchObject({ seq: 7, at: 123, screen: 'attract', language: 'zh-CN', session: null, result: null, idleWarning: null, service: null })
    expect(v.kiosk).toEqual({ name: 'GT-K001', location: 'lobby', centralOnline: true, version: '1', outOfService: false })
    expect(v.devices).toBe(DEVICES)
  })

  it('collecting: money, escrow, what more may go in, the live quote, the idle warning deadline', async () => {
    const h = createHarness({ autoCredit: false })
    h.actor.send({ type: 'resident.start' })
    h.actor.send({ type: 'resident.enterMeterNo', digits: '58101000001' })
    await settle()
    h.actor.send({ type: 'resident.insertCash' })
    h.insert(5000)
    h.creditEscrow()
    await settle()
    h.insert(1000)
    const v = toKioskView(h.state(), DEVICES, extras)
    expect(v.screen).toBe('collecting')
    expect(v.session).toMatchObject({ via: 'meterNo', meterNo: '58101000001', insertedFen: 5000, escrowFen: 1000, maxMoreFen: 20_000 - 6000 })
    expect(v.session?.quote?.energyWh).toBeGreaterThan(0)
    h.advance(TIMING.idleTimeoutMs)
    const w = toKioskView(h.state(), DEVICES, extras)
    expect(w.idleWarning?.deadline).toBe(h.clock.now() + TIMING.idleWarningMs)
  })

  it('service: staff, cash box and outbox from the journal', () => {
    const h = createHarness()
    h.tap('9900000101', 'staff', 'field')
    const v = toKioskView(h.state(), DEVICES, extras)
    expect(v.screen).toBe('service')
    expect(v.session).toBeNull()
    expect(v.service).toMatchObject({ role: 'field', exchange: 'idle', suspectNotes: 1, cashbox: { totalFen: 10000 }, outbox: { depth: 1 } })
    expect(v.service?.collections).toEqual({ pending: 1, failed: [{ cycleId: 'c0', sealNo: 'SEAL-9', code: 'ERR_COLLECTION_COUNTS_MISMATCH', at: 99 }] })
  })

  it('done: the result with the token', async () => {
    const h = createHarness()
    h.actor.send({ type: 'resident.start' })
    h.actor.send({ type: 'resident.enterMeterNo', digits: '58101000001' })
    await settle()
    h.actor.send({ type: 'resident.insertCash' })
    h.insert(1000)
    await settle()
    h.actor.send({ type: 'resident.confirm' })
    await settle()
    const v = toKioskView(h.state(), DEVICES, extras)
    expect(v.screen).toBe('done')
    expect(v.result).toMatchObject({ status: 'vended', receipt: 'printed', tokens: ['12345678901234567890'] })
  })

  it('history: the card\'s purchases with token status and the months, only on the history screen', async () => {
    const h = createHarness({
      loadHistory: () =>
        Promise.resolve({
          accountId: 'acc-1',
          vends: [
            {
              vendId: 'v1',
              receiptNo: 'R1',
              meterNo: '58101000001',
              meterNoDisplay: '5810 1000 0012',
              paidAt: '2026-01-01T02:00:00.000Z',
              amountFen: 2000,
              energyWh: 33_300,
              tokens: ['12345678901234567890'],
              delivery: { state: 'cancelled', reason: 'VOIDED', updatedAt: '2026-01-01T02:00:05.000Z' },
            },
          ],
          months: [{ month: '2026-01', energyWh: null }],
          timeZone: 'Asia/Shanghai',
        }),
    })
    h.tap('8800010001', 'resident')
    await settle()
    expect(toKioskView(h.state(), DEVICES, extras).history).toBeNull()
    h.actor.send({ type: 'resident.showHistory' })
    expect(toKioskView(h.state(), DEVICES, extras)).toMatchObject({ screen: 'history', history: { status: 'loading', vends: [] } })
    await settle()
    const v = toKioskView(h.state(), DEVICES, extras)
    expect(v.history).toEqual({
      status: 'ready',
      errorCode: null,
      vends: [
        {
          vendId: 'v1',
          paidAt: '2026-01-01T02:00:00.000Z',
          receiptNo: 'R1',
          meterNoDisplay: '5810 1000 0012',
          amountFen: 2000,
          energyWh: 33_300,
          tokens: ['12345678901234567890'],
          delivery: { state: 'cancelled', reason: 'VOIDED' },
        },
      ],
      months: [{ month: '2026-01', energyWh: null }],
    })
    expect(v.session?.account?.accountId).toBe('acc-1')
  })
})
