import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildCalendar,
  dayIndex,
  dayOfInstant,
  dayStartMs,
  gridForLocalDays,
  isoWeekLabel,
  dayNumberOf,
  HOUR_MS,
} from './calendar.ts'
import { offsetMinutesAt, zoneOffsets } from './time-zone.ts'

const localParts = (timeZone: string, ms: number): { date: string; hour: number } => {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  })
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]))
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) }
}

describe('local calendar', () => {
  it('Asia/Shanghai: a year of 365 days of 96 quarter hours, starting at 16:00 UTC the day before', () => {
    const grid = gridForLocalDays('Asia/Shanghai', '2025-01-01', 365)
    expect(grid).toEqual({
      startMs: Date.UTC(2024, 11, 31, 16),
      intervalMs: 900_000,
      count: 35_040,
    })
    const cal = buildCalendar(grid, 'Asia/Shanghai')
    expect(cal.zone.segments).toHaveLength(1) // the fixed-offset fast path
    expect(cal.dayCount).toBe(365)
    expect(cal.dayLabel[0]).toBe('2025-01-01')
    expect(cal.weekday[0]).toBe(3) // a Wednesday
    expect(new Set(Array.from(cal.expectedIntervals))).toEqual(new Set([96]))
    expect(cal.intervalHour[0]).toBe(0)
    expect(cal.intervalHour[95]).toBe(23)
  })

  it('Europe/Berlin: 92 intervals on the spring-forward day, 100 on the fall-back day', () => {
    const grid = gridForLocalDays('Europe/Berlin', '2025-03-29', 212)
    const cal = buildCalendar(grid, 'Europe/Berlin')
    const len = (label: string): number => {
      const d = dayIndex(cal, label)
      return cal.dayStart[d + 1]! - cal.dayStart[d]!
    }
    expect(len('2025-03-29')).toBe(96)
    expect(len('2025-03-30')).toBe(92)
    expect(len('2025-10-26')).toBe(100)
    const d = dayIndex(cal, '2025-03-30')
    const hours = Array.from(cal.intervalHour.subarray(cal.dayStart[d], cal.dayStart[d + 1]))
    expect(hours).not.toContain(2) // 02:00–03:00 does not exist that day
  })

  it('Lord Howe (half-hour DST) and Kolkata (+05:30) place days correctly', () => {
    const lh = buildCalendar(
      gridForLocalDays('Australia/Lord_Howe', '2025-04-05', 3),
      'Australia/Lord_Howe',
    )
    expect(Array.from(lh.dayStart.subarray(1)).map((x, i) => x - lh.dayStart[i]!)).toEqual([
      96, 98, 96,
    ])
    const k = gridForLocalDays('Asia/Kolkata', '2025-06-01', 1)
    expect(k.startMs).toBe(Date.UTC(2025, 4, 31, 18, 30))
  })

  it('a day whose midnight does not exist (America/Santiago) starts at 01:00', () => {
    const grid = gridForLocalDays('America/Santiago', '2025-09-07', 1)
    expect(localParts('America/Santiago', grid.startMs)).toEqual({ date: '2025-09-07', hour: 1 })
    expect(grid.count).toBe(92)
  })

  it('agrees with Intl on the local date and hour of any instant (property, 6 zones)', () => {
    const zones = [
      'Asia/Shanghai',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'America/Santiago',
    ]
    const cals = zones.map((z) => buildCalendar(gridForLocalDays(z, '2025-01-01', 365), z))
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: zones.length - 1 }),
        fc.integer({ min: 0, max: 35_000 }),
        (z, i) => {
          const cal = cals[z]!
          if (i >= cal.grid.count) return
          const t = cal.grid.startMs + i * cal.grid.intervalMs
          const want = localParts(zones[z]!, t)
          const d = dayOfInstant(cal, t)
          expect(cal.dayLabel[d]).toBe(want.date)
          expect(cal.intervalHour[i]).toBe(want.hour)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('zone offsets: transitions found to the minute; fixed offsets parsed', () => {
    const z = zoneOffsets('America/New_York', Date.UTC(2025, 0, 1), Date.UTC(2025, 11, 31))
    expect(z.segments.slice(1).map((s) => new Date(s.fromMs).toISOString())).toEqual([
      '2025-03-09T07:00:00.000Z',
      '2025-11-02T06:00:00.000Z',
    ])
    expect(offsetMinutesAt('+05:45', 0)).toBe(345)
    expect(offsetMinutesAt('UTC', 0)).toBe(0)
    expect(() => zoneOffsets('Mars/Olympus', 0, 1)).toThrow(RangeError)
  })

  it('ISO weeks belong to the year of their Thursday', () => {
    expect(isoWeekLabel(dayNumberOf('2024-12-30'))).toBe('2025-W01')
    expect(isoWeekLabel(dayNumberOf('2021-01-03'))).toBe('2020-W53')
    expect(isoWeekLabel(dayNumberOf('2025-06-18'))).toBe('2025-W25')
  })

  it('dayStartMs refuses days outside the calendar', () => {
    const cal = buildCalendar(gridForLocalDays('Asia/Shanghai', '2025-01-01', 2), 'Asia/Shanghai')
    expect(dayStartMs(cal, 2) - dayStartMs(cal, 0)).toBe(48 * HOUR_MS)
    expect(() => dayStartMs(cal, 3)).toThrow(RangeError)
  })
})
