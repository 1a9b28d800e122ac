import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MeterReading } from '@gridtill/shared'
import {
  buildCalendar,
  dayStartMs,
  gridForLocalDays,
  HOUR_MS,
  type IntervalGrid,
} from './calendar.ts'
import { ingestIntoStore, intervalsFromReadings } from './ingest.ts'
import { getBit, IntervalStore, MISSING_16, MISSING_32 } from './interval-store.ts'
import {
  applySilence,
  generateMeter,
  readingsFor,
  syntheticFleet,
  type Plant,
} from './synthetic.ts'

const TZ = 'Asia/Shanghai'
const Q = 900_000
const grid: IntervalGrid = { startMs: Date.UTC(2025, 0, 1), intervalMs: Q, count: 96 * 4 }
const M = '30000000000'

const reading = (
  at: number,
  energyWh: number,
  extra: Partial<MeterReading> = {},
): MeterReading => ({
  meterNo: M,
  at,
  energyWh,
  creditWh: 100_000,
  powerW: 0,
  relay: 'closed',
  tamper: false,
  ...extra,
})

/** A constant load: the register at t is base + watts × hours since the grid start. */
const steady =
  (watts: number, base = 1_000_000) =>
  (t: number) =>
    base + Math.round((watts * (t - grid.startMs)) / HOUR_MS)

const sum = (xs: ArrayLike<number>, from = 0, to = xs.length): number => {
  let s = 0
  for (let i = from; i < to; i++) s += xs[i]!
  return s
}

describe('ingest: cumulative register → interval energy', () => {
  it('readings → ingest gives exactly the row the generator builds (gaps, relay, tamper included)', () => {
    const cal = buildCalendar(gridForLocalDays(TZ, '2025-06-01', 30), TZ)
    const fleet = syntheticFleet({ seed: 3, meters: 40, sites: 1 })
    const day = (d: number, h = 0): number => dayStartMs(cal, d) + h * HOUR_MS
    const plants: Plant[] = [
      { kind: 'silent', meterNo: fleet[0]!.meterNo, fromMs: day(10, 7), toMs: day(13, 2) },
      {
        kind: 'silent',
        meterNo: fleet[0]!.meterNo,
        fromMs: day(28, 5),
        toMs: Number.POSITIVE_INFINITY,
      },
      { kind: 'silent', meterNo: fleet[1]!.meterNo, fromMs: 0, toMs: day(2) },
      { kind: 'creditOut', meterNo: fleet[2]!.meterNo, fromMs: day(5, 20), toMs: day(8) },
      { kind: 'drop', meterNo: fleet[3]!.meterNo, fromMs: day(20), factor: 0.2, tamperFlag: true },
    ]
    for (const m of fleet.slice(0, 6)) {
      const got = intervalsFromReadings(readingsFor(m, cal, plants), cal.grid).intervals
      const { row: want, silent } = generateMeter(m, cal, plants)
      applySilence(want, silent, cal.grid.count)
      expect(Array.from(got.energy)).toEqual(Array.from(want.energy))
      expect(got.estimated).toEqual(want.estimated)
      expect(got.relayOpen).toEqual(want.relayOpen)
      expect(got.tamper).toEqual(want.tamper)
      expect([got.lastReadingAt, got.lastCreditWh, got.lastRelayClosed]).toEqual([
        want.lastReadingAt,
        want.lastCreditWh,
        want.lastRelayClosed,
      ])
    }
  })

  it('shuffled and redelivered readings give the same intervals; the quality report counts them', () => {
    const reg = steady(1200)
    const rs = Array.from({ length: grid.count + 1 }, (_, j) =>
      reading(grid.startMs + j * Q, reg(grid.startMs + j * Q)),
    )
    const clean = intervalsFromReadings(rs, grid)
    const messy = [...rs, ...rs.slice(10, 40)].sort(
      (a, b) => ((a.at * 7919) % 1013) - ((b.at * 7919) % 1013),
    )
    messy.push({ ...rs[50]!, energyWh: rs[50]!.energyWh + 5 }) // same time, different register
    const got = intervalsFromReadings(messy, grid)
    expect(Array.from(got.intervals.energy)).toEqual(Array.from(clean.intervals.energy))
    expect(got.quality.duplicates).toBe(31)
    expect(got.quality.conflicting).toBe(1)
    expect(got.quality.outOfOrder).toBeGreaterThan(0)
    expect(new Set(Array.from(clean.intervals.energy))).toEqual(new Set([300]))
  })

  it('off-grid cadence (every 5 min at +2 min): boundaries interpolated, nothing lost', () => {
    const reg = steady(2000)
    const rs: MeterReading[] = []
    for (
      let t = grid.startMs - 3 * 60_000;
      t <= grid.startMs + grid.count * Q + 5 * 60_000;
      t += 5 * 60_000
    )
      rs.push(reading(t + 60_000, reg(t + 60_000)))
    const { intervals, quality } = intervalsFromReadings(rs, grid)
    expect(quality.missingIntervals).toBe(0)
    expect(new Set(Array.from(intervals.energy))).toEqual(new Set([500]))
  })

  it('a 3-day silence: the register difference is spread over the gap and flagged estimated', () => {
    const reg = steady(800)
    const gapFrom = grid.startMs + 20 * Q
    const gapTo = gridStartPlusHours(20 * 0.25 + 72)
    const rs = Array.from({ length: grid.count + 1 }, (_, j) => grid.startMs + j * Q)
      .filter((t) => t <= gapFrom || t >= gapTo)
      .map((t) => reading(t, reg(t)))
    const { intervals, quality } = intervalsFromReadings(rs, grid)
    expect(quality.estimatedIntervals).toBe(72 * 4)
    expect(getBit(intervals.estimated, 20)).toBe(true)
    expect(getBit(intervals.estimated, 19)).toBe(false)
    expect(sum(intervals.energy)).toBe(reg(grid.startMs + grid.count * Q) - reg(grid.startMs))
  })

  it('a meter swap (register back near zero) keeps the energy; a swap to a used meter is unknown', () => {
    const rs: MeterReading[] = []
    for (let j = 0; j <= 40; j++) rs.push(reading(grid.startMs + j * Q, 5_000_000 + 250 * j))
    for (let j = 41; j <= 80; j++) rs.push(reading(grid.startMs + j * Q, 250 * (j - 40))) // new meter from 0
    const swap = intervalsFromReadings(rs, grid)
    expect(swap.quality.resets).toBe(1)
    expect(swap.quality.unknownBridges).toBe(0)
    expect(Array.from(swap.intervals.energy.subarray(0, 80))).toEqual(new Array(80).fill(250))

    const used = rs.map((r, j) => (j > 40 ? { ...r, energyWh: r.energyWh + 3_000_000 } : r))
    const u = intervalsFromReadings(used, grid)
    expect(u.quality.resets).toBe(1)
    expect(u.quality.unknownBridges).toBe(1)
    expect(u.intervals.energy[40]).toBe(MISSING_16)
    expect(u.intervals.energy[39]).toBe(250)
    expect(u.intervals.energy[41]).toBe(250)
    // An impossible jump upwards is unknown too (1 MW default ceiling: 250 kWh per 15 min).
    const jump = rs
      .slice(0, 41)
      .map((r, j) => (j > 20 ? { ...r, energyWh: r.energyWh + 400_000 } : r))
    expect(intervalsFromReadings(jump, grid).intervals.energy[20]).toBe(MISSING_16)
  })

  it('single-reading glitches (a spike, a dip) are dropped without losing energy', () => {
    const reg = steady(1200)
    const rs = Array.from({ length: 41 }, (_, j) =>
      reading(grid.startMs + j * Q, reg(grid.startMs + j * Q)),
    )
    rs[10] = { ...rs[10]!, energyWh: 99_999_999 }
    rs[30] = { ...rs[30]!, energyWh: 12 }
    const { intervals, quality } = intervalsFromReadings(rs, grid)
    expect(quality.glitches).toBe(2)
    expect(quality.resets).toBe(0)
    expect(Array.from(intervals.energy.subarray(0, 40))).toEqual(new Array(40).fill(300))
  })

  it('relay and tamper state per interval; nothing before the first or after the last reading', () => {
    const reg = steady(400)
    const rs = Array.from({ length: 41 }, (_, j) =>
      reading(grid.startMs + (j + 4) * Q, reg(grid.startMs + (j + 4) * Q), {
        relay: j >= 10 && j < 15 ? 'open' : 'closed',
        tamper: j === 20,
      }),
    )
    const { intervals } = intervalsFromReadings(rs, grid)
    expect(intervals.energy[3]).toBe(MISSING_16)
    expect(intervals.energy[4]).toBe(100)
    expect(intervals.energy[44]).toBe(MISSING_16)
    const open = Array.from({ length: 50 }, (_, i) => getBit(intervals.relayOpen, i))
    expect(open.flatMap((o, i) => (o ? [i] : []))).toEqual([14, 15, 16, 17, 18])
    expect(getBit(intervals.tamper, 24)).toBe(true)
    expect(getBit(intervals.tamper, 25)).toBe(false)
    expect(intervals.lastReadingAt).toBe(grid.startMs + 44 * Q)
  })

  it('a row widens to Uint32 when an interval exceeds 65 534 Wh (a 300 kW plant)', () => {
    const reg = steady(300_000)
    const rs = Array.from({ length: 9 }, (_, j) =>
      reading(grid.startMs + j * Q, reg(grid.startMs + j * Q)),
    )
    const { intervals } = intervalsFromReadings(rs, grid)
    expect(intervals.energy).toBeInstanceOf(Uint32Array)
    expect(intervals.energy[0]).toBe(75_000)
    expect(intervals.energy[8]).toBe(MISSING_32)
  })

  it('ingestIntoStore groups by meter and ignores unknown meters', () => {
    const store = new IntervalStore(grid, [M, '30000000001'])
    const rs = [
      reading(grid.startMs, 10),
      reading(grid.startMs + Q, 110),
      { ...reading(grid.startMs, 0), meterNo: '39999999999' },
    ]
    const rep = ingestIntoStore(store, rs)
    expect(rep.unknownMeterReadings).toBe(1)
    expect(store.rows[0]!.energy[0]).toBe(100)
    expect(store.rows[1]!.energy[0]).toBe(MISSING_16)
  })

  it('property: intervals are non-negative and add up to the register difference, whatever the cadence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 20, maxLength: 200 }),
        fc.integer({ min: 60_000, max: 3 * Q }),
        fc.integer({ min: 0, max: Q - 1 }),
        fc.boolean(),
        (steps, cadence, phase, shuffle) => {
          // Readings from before the grid start to after the part we check.
          let e = 1_000
          const rs: MeterReading[] = []
          for (let k = 0; k < steps.length; k++) {
            rs.push(reading(grid.startMs - cadence + phase + k * cadence, e))
            e += steps[k]!
          }
          const input = shuffle ? [...rs].reverse() : rs
          const { intervals } = intervalsFromReadings(input, grid)
          const first = rs[0]!.at
          const last = rs[rs.length - 1]!.at
          const lo = Math.max(0, Math.ceil((first - grid.startMs) / Q))
          const hi = Math.min(grid.count, Math.floor((last - grid.startMs) / Q))
          if (hi <= lo) return
          for (let i = lo; i < hi; i++) expect(intervals.energy[i]).toBeLessThan(MISSING_16)
          // Σ over [b_lo, b_hi] equals the interpolated register difference, rounded at both ends.
          const at = (t: number): number => {
            const k = rs.findIndex((r) => r.at >= t)
            const b = rs[k]!
            if (b.at === t) return b.energyWh
            const a = rs[k - 1]!
            return a.energyWh + Math.round(((t - a.at) / (b.at - a.at)) * (b.energyWh - a.energyWh))
          }
          expect(sum(intervals.energy, lo, hi)).toBe(
            at(grid.startMs + hi * Q) - at(grid.startMs + lo * Q),
          )
        },
      ),
      { numRuns: 200 },
    )
  })
})

function gridStartPlusHours(h: number): number {
  return grid.startMs + h * HOUR_MS
}
