import { describe, expect, it } from 'vitest'
import { lastMonths, localMonthStart, monthlyConsumption, sampleInstants } from './monthly.ts'

describe('monthly consumption', () => {
  it('starts local months at local midnight (Shanghai is UTC+8; New York changes offset)', () => {
    expect(new Date(localMonthStart('Asia/Shanghai', 2026, 10)).toISOString()).toBe('2026-10-31T16:00:00.000Z')
    // Month overflow: month 12 of 2025 is January 2026; −1 is December of the year before.
    expect(new Date(localMonthStart('Asia/Shanghai', 2025, 12)).toISOString()).toBe('2025-12-31T16:00:00.000Z')
    expect(new Date(localMonthStart('Asia/Shanghai', 2026, -1)).toISOString()).toBe('2025-11-30T16:00:00.000Z')
    expect(new Date(localMonthStart('America/New_York', 2026, 2)).toISOString()).toBe('2026-03-01T05:00:00.000Z') // EST
    expect(new Date(localMonthStart('America/New_York', 2026, 3)).toISOString()).toBe('2026-04-01T04:00:00.000Z') // EDT
  })

  it('lists 12 months ending with the one now falls in, by local date', () => {
    // 2026-01-31T17:00Z is already 1 February in Shanghai.
    const now = Date.parse('2026-01-31T17:00:00Z')
    const spans = lastMonths('Asia/Shanghai', now)
    expect(spans).toHaveLength(12)
    expect(spans[0]?.month).toBe('2025-03')
    expect(spans[11]).toEqual({ month: '2026-02', startMs: Date.parse('2026-01-31T16:00:00Z'), endMs: now })
    expect(sampleInstants(spans)).toHaveLength(13)
    // Contiguous: each month ends where the next begins.
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.startMs).toBe(spans[i - 1]?.endMs)
  })

  it('is the register at the end minus at the start; unknown without readings; a reset counts for nothing', () => {
    const spans = [
      { month: '2026-01', startMs: 0, endMs: 100 },
      { month: '2026-02', startMs: 100, endMs: 200 },
      { month: '2026-03', startMs: 200, endMs: 300 },
    ]
    const r = (at: number, energyWh: number) => ({ at, energyWh })
    const out = monthlyConsumption(spans, [
      // first reading at 50: January counts from it; March's register went down (replaced meter)
      { meterNo: 'a', atOrBefore: [null, r(90, 500), r(190, 900), r(290, 10)], first: r(50, 100) },
      // no reading inside January (its last one is older): January unknown for it; February 70
      { meterNo: 'b', atOrBefore: [r(-500, 1000), r(-500, 1000), r(150, 1070), r(150, 1070)], first: r(-500, 1000) },
    ])
    expect(out).toEqual([
      { month: '2026-01', energyWh: 400 },
      { month: '2026-02', energyWh: 400 + 70 },
      // a: reset, left out; b: no reading in March
      { month: '2026-03', energyWh: null },
    ])
  })
})
