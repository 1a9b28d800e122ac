import { beforeAll, describe, expect, it } from 'vitest'
import { adviceFor, buildAdviceFacts, type Advice, type AdviceFacts } from './advice.ts'
import { buildCalendar, dayIndex, dayStartMs, gridForLocalDays, type Calendar } from './calendar.ts'
import { IntervalStore, MISSING_16 } from './interval-store.ts'
import { sizeClass } from './peers.ts'
import { dailyRollup } from './rollup.ts'
import { fillStore, syntheticFleet, type Plant, type SyntheticMeter } from './synthetic.ts'

/**
 * One residential community, ~290 homes, May–June 2025, advice as of 30 June. Planted: an
 * always-on 1 kW load (night base), a 2.5 kW evening heater on 18–22 h, a June rise of 60 %,
 * a home with only 5 days of data, and credit figures for the runway.
 */
const TZ = 'Asia/Shanghai'
let cal: Calendar
let fleet: SyntheticMeter[]
let facts: AdviceFacts[]
let advice: Advice[][]
let asOf: number
const idx: Record<'alwaysOn' | 'evening' | 'riser' | 'sparse' | 'low', number> = {
  alwaysOn: 0,
  evening: 0,
  riser: 0,
  sparse: 0,
  low: 0,
}

beforeAll(() => {
  cal = buildCalendar(gridForLocalDays(TZ, '2025-05-01', 61), TZ)
  asOf = dayIndex(cal, '2025-06-30')
  fleet = syntheticFleet({ seed: 21, meters: 300, sites: 1 })
  const homes = fleet.flatMap((m, r) =>
    m.profile === 'household' && m.areaM2 >= 60 && m.areaM2 < 120 ? [r] : [],
  )
  ;[idx.alwaysOn, idx.evening, idx.riser, idx.sparse, idx.low] = homes as [
    number,
    number,
    number,
    number,
    number,
  ]
  const start = dayStartMs(cal, 0)
  const plants: Plant[] = [
    { kind: 'extraLoad', meterNo: fleet[idx.alwaysOn]!.meterNo, fromMs: start, addW: 1000 },
    {
      kind: 'extraLoad',
      meterNo: fleet[idx.evening]!.meterNo,
      fromMs: start,
      addW: 2500,
      fromHour: 18,
      toHour: 22,
    },
    {
      kind: 'rise',
      meterNo: fleet[idx.riser]!.meterNo,
      fromMs: dayStartMs(cal, dayIndex(cal, '2025-06-01')),
      factor: 1.6,
    },
  ]
  const store = new IntervalStore(
    cal.grid,
    fleet.map((m) => m.meterNo),
  )
  fillStore(store, cal, fleet, plants)
  store.rows[idx.sparse]!.energy.fill(MISSING_16, 0, cal.dayStart[asOf - 4])
  const daily = dailyRollup(store, cal)
  const credit = new Map([
    [idx.alwaysOn, 20_000],
    [idx.low, 2_000],
    [idx.sparse, 50_000],
  ])
  facts = buildAdviceFacts({
    store,
    daily,
    asOfDay: asOf,
    classesOf: (r) => [sizeClass(fleet[r]!.profile, fleet[r]!.areaM2), fleet[r]!.profile],
    creditWhOf: (r) => credit.get(r),
    fenPerKwhOf: () => 56,
  })
  advice = facts.map(adviceFor)
})

const codes = (r: number): string[] => advice[r]!.map((a) => a.code)
const find = (r: number, code: Advice['code']): Advice => {
  const a = advice[r]!.find((x) => x.code === code)
  if (a === undefined) throw new Error(`no ${code} advice for row ${r}: ${codes(r).join(',')}`)
  return a
}

describe('advice backed by the resident’s own data', () => {
  it('an always-on 1 kW load: night base load several times that of similar homes, with the numbers', () => {
    const a = find(idx.alwaysOn, 'nightBase')
    expect(a.level).toBe('notice')
    const w = a.figures.nightBaseW as number
    const peer = a.figures.peerMedianW as number
    expect(w - peer).toBeGreaterThan(850)
    expect(w - peer).toBeLessThan(1150)
    expect(a.figures.times).toBeGreaterThan(4)
    expect(a.figures.excessKwhPerMonth).toBe(Math.round(((w - peer) * 24 * 30) / 1000))
    expect(
      Math.abs(
        (a.figures.excessFenPerMonth as number) - (a.figures.excessKwhPerMonth as number) * 56,
      ),
    ).toBeLessThanOrEqual(56)
    expect(a.text.en).toContain(`${(w / 1000).toFixed(1)} kW`)
    expect(a.text.en).toContain(`${(a.figures.times as number).toFixed(1)} times`)
    expect(a.text['zh-CN']).toContain(`${(w / 1000).toFixed(1)} 千瓦`)
    expect(a.text['zh-CN']).toContain('倍')
    expect(a.figures.peers).toBeGreaterThanOrEqual(10)
  })

  it('a 2.5 kW evening heater: the weekday evening peak, and no night-base advice', () => {
    const a = find(idx.evening, 'eveningPeak')
    expect(a.figures.eveningW as number).toBeGreaterThan((a.figures.peerMedianW as number) + 2000)
    expect(a.text.en).toMatch(/18:00–22:00/)
    expect(codes(idx.evening)).not.toContain('nightBase')
  })

  it('June 60 % above May while similar homes rose less: a month-over-month notice', () => {
    const a = find(idx.riser, 'monthChange')
    expect(a.level).toBe('notice')
    expect(a.figures).toMatchObject({ month: '2025-06', previousMonth: '2025-05' })
    const pct = a.figures.changePct as number
    expect(pct - (a.figures.peerChangePct as number)).toBeGreaterThan(35)
    expect(a.text.en).toContain(`${pct}% more than in May 2025`)
    expect(a.text['zh-CN']).toContain('2025年6月')
  })

  it('days of credit left: a warning when low, the most pressing advice first', () => {
    const low = find(idx.low, 'creditRunway')
    expect(low.level).toBe('warning')
    expect(low.figures.days as number).toBeLessThan(1)
    expect(advice[idx.low]![0]!.code).toBe('creditRunway')
    const on = find(idx.alwaysOn, 'creditRunway')
    // 20 kWh at ~ (own use + 24 kWh/day for the 1 kW load): under a day.
    expect(on.figures.days as number).toBeLessThan(1)
    expect(on.text.en).toMatch(/Top up soon/)
  })

  it('no advice without data: five days of readings give nothing, not even days-left', () => {
    expect(advice[idx.sparse]).toEqual([])
    expect(facts[idx.sparse]!.runway).toEqual({ status: 'insufficientData', basedOnDays: 5 })
    // Meters without a credit figure get no runway advice.
    expect(codes(idx.evening)).not.toContain('creditRunway')
  })

  it('ordinary homes: only the outliers are told they stand out (measured 16 of 284, bound 8 %), and what they are told is true', () => {
    const planted = new Set(Object.values(idx))
    const normal = fleet.flatMap((m, r) =>
      m.profile === 'household' && !planted.has(r) ? [r] : [],
    )
    const flagged = normal.filter((r) =>
      codes(r).some((c) => c === 'nightBase' || c === 'eveningPeak'),
    )
    expect(flagged.length).toBeLessThanOrEqual(Math.ceil(0.08 * normal.length))
    for (const r of flagged)
      for (const a of advice[r]!) {
        if (a.code === 'nightBase')
          expect(a.figures.nightBaseW as number).toBeGreaterThanOrEqual(
            2 * (a.figures.peerMedianW as number) - 1,
          )
        if (a.code === 'eveningPeak')
          expect(a.figures.eveningW as number).toBeGreaterThanOrEqual(
            1.75 * (a.figures.peerMedianW as number) - 1,
          )
      }
    // Every advice item carries figures, and both languages.
    for (const list of advice)
      for (const a of list) {
        expect(Object.keys(a.figures).length).toBeGreaterThan(0)
        expect(a.text.en.length).toBeGreaterThan(20)
        expect(a.text['zh-CN'].length).toBeGreaterThan(10)
      }
  })
})
