import fc from 'fast-check'
import { ManualClock } from '@gridtill/shared'
import { describe, expect, it } from 'vitest'
import { WedgeDecoder, decodeReport, encodeCardReport, type CardData } from './codec.ts'
import type { CardReaderEvent } from './driver.ts'
import { createSimulatedCardReader } from './simulator.ts'

const SEED = 20260115
const hexByte = fc
  .integer({ min: 0, max: 255 })
  .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
const card: fc.Arbitrary<CardData> = fc
  .record({
    uid: fc
      .constantFrom(4, 7, 10)
      .chain((n) => fc.array(hexByte, { minLength: n, maxLength: n }).map((a) => a.join(''))),
    cardNo: fc.stringMatching(/^\d{1,20}$/),
    staffRole: fc.option(fc.constantFrom('field' as const, 'cashier' as const, 'admin' as const), {
      nil: undefined,
    }),
  })
  .map(({ uid, cardNo, staffRole }) =>
    staffRole
      ? { uid, cardNo, cardKind: 'staff', staffRole }
      : { uid, cardNo, cardKind: 'resident' },
  )

describe('seeded fuzz', () => {
  it('decodeReport never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const r = decodeReport(bytes)
        return r.ok || r.reason.length > 0
      }),
      { seed: SEED, numRuns: 5000 },
    )
  })

  it('decodeReport never throws on near-valid reports (right id and size, random body)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 63, maxLength: 63 }), (body) => {
        decodeReport(Uint8Array.from([0x01, ...body]))
      }),
      { seed: SEED, numRuns: 5000 },
    )
  })

  it('every valid card round-trips', () => {
    fc.assert(
      fc.property(card, (c) => {
        expect(decodeReport(encodeCardReport(c))).toEqual({ ok: true, card: c })
      }),
      { seed: SEED, numRuns: 1000 },
    )
  })

  it('any single changed byte of payload or check is caught', () => {
    fc.assert(
      fc.property(card, fc.nat(), fc.integer({ min: 1, max: 255 }), (c, at, flip) => {
        const report = encodeCardReport(c)
        const len = report[2]!
        const i = 3 + (at % (len + 1))
        report[i]! ^= flip
        expect(decodeReport(report).ok).toBe(false)
      }),
      { seed: SEED, numRuns: 2000 },
    )
  })

  it('the wedge decoder never throws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 12 }), { maxLength: 40 }),
        (reports) => {
          const d = new WedgeDecoder()
          reports.forEach((r, i) => d.push(r, i * 10))
        },
      ),
      { seed: SEED, numRuns: 2000 },
    )
  })

  it('the driver turns a stream of random reports into events without throwing', async () => {
    const clock = new ManualClock()
    for (const mode of ['raw', 'wedge'] as const) {
      const { reader, simulator } = createSimulatedCardReader({ mode, reader: { clock } })
      const events: CardReaderEvent[] = []
      reader.on((e) => events.push(e))
      await reader.start()
      const reports = fc.sample(fc.uint8Array({ maxLength: 80 }), { seed: SEED, numRuns: 500 })
      for (const r of reports) simulator.sendReport(r)
      await new Promise((r) => setTimeout(r, 20))
      expect(events[0]).toEqual({ type: 'online' })
      for (const e of events.slice(1)) expect(['badReport', 'cardRead']).toContain(e.type)
      if (mode === 'raw') expect(events.filter((e) => e.type === 'badReport')).toHaveLength(500)
      await reader.stop()
    }
  })
})
