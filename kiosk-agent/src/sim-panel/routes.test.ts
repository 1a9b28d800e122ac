import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { DEMO_STAFF_CARDS, ManualClock, demoCustomers } from '@gridtill/shared'
import { SnapshotHub } from '../ui-bridge/snapshot-hub.ts'
import { buildUiBridge } from '../ui-bridge/server.ts'
import { demoCards, maskName, simPanelPlugin, type SimDevices } from './routes.ts'

const log = pino({ level: 'silent' })
let app: FastifyInstance | null = null
afterEach(async () => {
  await app?.close()
  app = null
})

function fakeSim() {
  const calls: string[] = []
  let notesAccepted = true
  const sim: SimDevices = {
    acceptor: {
      protocol: 'id003',
      insertNote: (v) => (calls.push(`note:${v}`), notesAccepted),
      insertFake: () => (calls.push('fake'), true),
      jam: (safe) => calls.push(`jam:${safe}`),
      clearJam: () => calls.push('clearJam'),
      removeCashbox: () => calls.push('removeCashbox'),
      replaceCashbox: () => calls.push('replaceCashbox'),
      setStackerFull: (b) => calls.push(`stackerFull:${b}`),
      cassette: () => ({ countsByValueFen: { 5000: 1 }, totalFen: 5000 }),
      snapshot: () => ({ powered: true, jammed: undefined, cashboxRemoved: false, stackerFull: false }),
    },
    acceptorLink: { unplug: () => calls.push('unplug'), replug: () => calls.push('replug'), plugged: true },
    acceptorOnline: () => true,
    reader: {
      tap: (card) => calls.push(`tap:${card.cardNo}:${card.uid}:${card.kind}:${card.role ?? ''}`),
      tapGarbage: () => calls.push('garbage'),
      unplug: () => undefined,
      replug: () => undefined,
      plugged: true,
    },
    printer: {
      receipts: [{ at: 1, lines: [{ text: 'GT-K001' }, { text: 'TOKEN' }], qrPayloads: ['vend-1'] }],
      state: { paperNearEnd: false, paperOut: false, coverOpen: false, cutterError: false },
      refill: () => calls.push('refill'),
      setPaper: (n) => calls.push(`paper:${n}`),
      openCover: () => calls.push('coverOpen'),
      closeCover: () => calls.push('coverClose'),
      setCutterFault: (b) => calls.push(`cutter:${b}`),
    },
    renderReceiptPng: () => Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  }
  return { sim, calls, reject: () => (notesAccepted = false) }
}

async function build(sim: SimDevices) {
  const clock = new ManualClock()
  app = await buildUiBridge({
    log,
    uiDist: '/nonexistent',
    hub: new SnapshotHub(() => ({}) as never, clock),
    handleMessage: () => null,
    health: () => ({ ready: true, reasons: [] }),
    metrics: () => '',
    plugins: [simPanelPlugin(sim, { meterCount: 50 })],
  })
  return app
}

describe('simulator panel API', () => {
  it('lists every demo card (residents masked) and the device states', async () => {
    const { sim } = fakeSim()
    const a = await build(sim)
    const res = await a.inject({ method: 'GET', url: '/sim/state' })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ cards: { label: string; cardNo: string; kind: string }[]; acceptor: object; printer: { receipts: object[] }; reader: object }>()
    expect(body.cards).toHaveLength(demoCustomers(50).length + DEMO_STAFF_CARDS.length)
    expect(body.cards[0]).toMatchObject({ cardNo: '8800010001', kind: 'resident', label: `${maskName(demoCustomers(1)[0]!.name)} 8800010001` })
    expect(body.cards.at(-1)).toMatchObject({ kind: 'staff', role: 'cashier' })
    expect(body.acceptor).toEqual({ protocol: 'id003', cassette: { countsByValueFen: { '5000': 1 }, totalFen: 5000 }, cashboxPresent: true, jammed: false, stackerFull: false, online: true })
    expect(body.printer.receipts[0]).toEqual({ index: 0, at: 1, lines: ['GT-K001', 'TOKEN'], qrPayloads: ['vend-1'] })
    expect(body.reader).toEqual({ online: true })
  })

  it('taps a demo card with its uid, kind and role; an unknown card is 404', async () => {
    const { sim, calls } = fakeSim()
    const a = await build(sim)
    expect((await a.inject({ method: 'POST', url: '/sim/card', payload: { cardNo: '9900000101' } })).statusCode).toBe(200)
    expect(calls).toEqual([`tap:9900000101:0499AA01010080:staff:field`])
    const unknown = await a.inject({ method: 'POST', url: '/sim/card', payload: { cardNo: '12345678' } })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'ERR_CARD_UNKNOWN' })
  })

  it('inserts notes of the accepted values only', async () => {
    const { sim, calls } = fakeSim()
    const a = await build(sim)
    const ok = await a.inject({ method: 'POST', url: '/sim/note', payload: { valueFen: 5000 } })
    expect(ok.json()).toEqual({ accepted: true })
    for (const payload of [{ valueFen: 300 }, { valueFen: '5000' }, { valueFen: 5000, extra: 1 }, {}]) {
      const bad = await a.inject({ method: 'POST', url: '/sim/note', payload })
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({ statusCode: 400, code: 'ERR_VALIDATION' })
    }
    expect(calls).toEqual(['note:5000'])
  })

  it('drives acceptor and printer faults; refuses unknown actions', async () => {
    const { sim, calls } = fakeSim()
    const a = await build(sim)
    for (const action of ['jam', 'jamUnsafe', 'clearJam', 'removeCashbox', 'replaceCashbox', 'stackerFull', 'stackerOk', 'unplug', 'replug']) {
      expect((await a.inject({ method: 'POST', url: '/sim/acceptor', payload: { action } })).statusCode).toBe(200)
    }
    for (const action of ['paperOut', 'paperNearEnd', 'refill', 'coverOpen', 'coverClose', 'cutterFault', 'clearFault']) {
      expect((await a.inject({ method: 'POST', url: '/sim/printer', payload: { action } })).statusCode).toBe(200)
    }
    expect(calls).toEqual([
      'jam:true', 'jam:false', 'clearJam', 'removeCashbox', 'replaceCashbox', 'stackerFull:true', 'stackerFull:false', 'unplug', 'replug',
      'paper:0', 'paper:5', 'refill', 'coverOpen', 'coverClose', 'cutter:true', 'cutter:false', 'coverClose',
    ])
    expect((await a.inject({ method: 'POST', url: '/sim/acceptor', payload: { action: 'explode' } })).json()).toMatchObject({ code: 'ERR_VALIDATION' })
    expect((await a.inject({ method: 'POST', url: '/sim/printer', payload: 'nonsense', headers: { 'content-type': 'application/json' } })).statusCode).toBe(400)
  })

  it('serves receipt images', async () => {
    const { sim } = fakeSim()
    const a = await build(sim)
    const png = await a.inject({ method: 'GET', url: '/sim/receipts/0.png' })
    expect(png.statusCode).toBe(200)
    expect(png.headers['content-type']).toBe('image/png')
    expect((await a.inject({ method: 'GET', url: '/sim/receipts/9.png' })).statusCode).toBe(404)
    expect((await a.inject({ method: 'GET', url: '/sim/receipts/x.png' })).statusCode).toBe(404)
  })

  it('gives every demo card a UID of a size ISO 14443-A readers report (4, 7 or 10 bytes)', () => {
    expect(demoCards(3).every((c) => [8, 14, 20].includes(c.uid.length))).toBe(true)
  })
})
