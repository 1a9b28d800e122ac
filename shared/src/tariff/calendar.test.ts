import { describe, expect, it } from 'vitest'
import {
  civilDateAt,
  isValidTimeZone,
  monthIndex,
  monthKeyFromIndex,
  tariffCalendarAt,
} from './calendar.ts'
import type { TariffDefinition } from './schema.ts'
import { FLAT_60, LADDER } from './test-tariffs.ts'

const monthlyOn15: TariffDefinition = {
  ...LADDER,
  pricing: {
    kind: 'block',
    period: 'monthly',
    settlementDay: 15,
    blocks: [{ upToKwh: null, priceFenPerKwh: 56 }],
  },
}
const annualFromJan1: TariffDefinition = {
  ...LADDER,
  pricing: {
    kind: 'block',
    period: 'annual',
    settlementMonth: 1,
    settlementDay: 1,
    blocks: [{ upToKwh: null, priceFenPerKwh: 56 }],
  },
}

describe('tariff calendar', () => {
  it('reads local dates in Asia/Shanghai (UTC+8, no DST)', () => {
    // 2026-03-31T16:30Z = 2026-04-01 00:30 in Shanghai.
    expect(tariffCalendarAt(FLAT_60, Date.UTC(2026, 2, 31, 16, 30))).toEqual({
      localDate: '2026-04-01',
      month: '2026-04',
      periodStart: '2026-04-01',
      nextPeriodStart: '2026-05-01',
    })
    expect(tariffCalendarAt(FLAT_60, Date.UTC(2026, 2, 31, 15, 59, 59, 999)).localDate).toBe(
      '2026-03-31',
    )
  })

  it('starts a monthly period at local midnight on the settlement day', () => {
    // 2026-04-14T16:00Z = 2026-04-15 00:00 in Shanghai.
    expect(tariffCalendarAt(monthlyOn15, Date.UTC(2026, 3, 14, 16))).toMatchObject({
      month: '2026-04',
      periodStart: '2026-04-15',
      nextPeriodStart: '2026-05-15',
    })
    expect(tariffCalendarAt(monthlyOn15, Date.UTC(2026, 3, 14, 15, 59, 59))).toMatchObject({
      periodStart: '2026-03-15',
      nextPeriodStart: '2026-04-15',
    })
    // Before the 15th of January the period began in December of the year before.
    expect(tariffCalendarAt(monthlyOn15, Date.UTC(2026, 0, 3))).toMatchObject({
      periodStart: '2025-12-15',
      nextPeriodStart: '2026-01-15',
    })
  })

  it('starts an annual period on the settlement month and day', () => {
    // 2025-12-31T16:00Z = 2026-01-01 00:00 in Shanghai.
    expect(tariffCalendarAt(annualFromJan1, Date.UTC(2025, 11, 31, 16))).toMatchObject({
      periodStart: '2026-01-01',
      nextPeriodStart: '2027-01-01',
    })
    expect(tariffCalendarAt(annualFromJan1, Date.UTC(2025, 11, 31, 15, 59))).toMatchObject({
      periodStart: '2025-01-01',
      month: '2025-12',
    })
    const fromJuly10: TariffDefinition = {
      ...annualFromJan1,
      pricing: {
        ...annualFromJan1.pricing,
        settlementMonth: 7,
        settlementDay: 10,
      } as TariffDefinition['pricing'],
    }
    expect(tariffCalendarAt(fromJuly10, Date.UTC(2026, 6, 9, 12))).toMatchObject({
      periodStart: '2025-07-10',
      nextPeriodStart: '2026-07-10',
    })
    expect(tariffCalendarAt(fromJuly10, Date.UTC(2026, 6, 9, 16))).toMatchObject({
      periodStart: '2026-07-10',
      nextPeriodStart: '2027-07-10',
    })
  })

  it('follows the tariff zone, daylight saving included', () => {
    // New York in summer is UTC−4: 2026-07-01T03:30Z is still 30 June there.
    const ny: TariffDefinition = { ...FLAT_60, timeZone: 'America/New_York' }
    expect(tariffCalendarAt(ny, Date.UTC(2026, 6, 1, 3, 30)).month).toBe('2026-06')
    expect(tariffCalendarAt(ny, Date.UTC(2026, 6, 1, 4, 0)).month).toBe('2026-07')
    expect(civilDateAt(Date.UTC(2026, 0, 1, 4, 59), 'America/New_York')).toEqual({
      year: 2025,
      month: 12,
      day: 31,
    })
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
  })

  it('answers from its minute cache exactly as Intl does, near midnights and offset changes', () => {
    const direct = (ms: number, tz: string) => {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, calendar: 'gregory', year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(ms)
      const n = (t: string) => Number(parts.find((p) => p.type === t)?.value)
      return { year: n('year'), month: n('month'), day: n('day') }
    }
    const cases: [string, number][] = [
      // Monrovia went from −0:44:30 to UTC at 00:44:30Z on 1972-01-07: a change in mid-minute.
      ['Africa/Monrovia', Date.UTC(1972, 0, 7, 0, 44, 30)],
      ['Africa/Monrovia', Date.UTC(1972, 0, 6, 0, 44, 30)],
      ['America/New_York', Date.UTC(2026, 10, 1, 4, 0)],
      ['America/New_York', Date.UTC(2026, 2, 8, 5, 0)],
      ['Asia/Shanghai', Date.UTC(2026, 5, 30, 16, 0)],
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 14, 30)],
    ]
    for (const [tz, around] of cases) {
      for (let ms = around - 120_000; ms <= around + 120_000; ms += 7_500) {
        // Asked three times: the second ask fills the cache, the third reads it.
        for (let i = 0; i < 3; i++) expect(civilDateAt(ms, tz)).toEqual(direct(ms, tz))
      }
    }
  })

  it('counts months across years', () => {
    expect(monthIndex('2026-01') - monthIndex('2025-11')).toBe(2)
    expect(monthKeyFromIndex(monthIndex('2026-01') - 1)).toBe('2025-12')
  })
})
