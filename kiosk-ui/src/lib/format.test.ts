import { describe, expect, it } from 'vitest'
import {
  backoffMs,
  formatDay,
  formatKwhWhole,
  formatMonth,
  countsToGroups,
  formatAge,
  formatNote,
  groupDigits,
  groupNotes,
  groupToken,
  secondsLeft,
} from './format.ts'

describe('groupToken', () => {
  it('shows 20 digits as five groups of four', () => {
    expect(groupToken('12345678901234567890')).toBe('1234 5678 9012 3456 7890')
  })
  it('ignores spaces and dashes already there', () => {
    expect(groupToken('1234-5678 9012 3456-7890')).toBe('1234 5678 9012 3456 7890')
  })
  it('keeps a short tail group', () => {
    expect(groupToken('123456')).toBe('1234 56')
    expect(groupToken('')).toBe('')
  })
})

describe('groupDigits', () => {
  it('groups a meter number 3-4-4 and keeps a check digit at the end', () => {
    expect(groupDigits('58101000002')).toBe('581 0100 0002')
    expect(groupDigits('581010000027')).toBe('581 0100 0002 7')
    expect(groupDigits('58')).toBe('58')
  })
})

describe('secondsLeft', () => {
  it('counts down to the agent deadline on the agent clock', () => {
    // Agent 90 s ahead of the screen; deadline 25 s after the agent's now.
    const screenNow = 1_000_000
    const offsetMs = 90_000
    const deadline = screenNow + offsetMs + 25_000
    expect(secondsLeft({ deadline, offsetMs, now: screenNow })).toBe(25)
    expect(secondsLeft({ deadline, offsetMs, now: screenNow + 10_100 })).toBe(15)
  })
  it('rounds up, so it shows 1 until the very end, then 0 and never negative', () => {
    expect(secondsLeft({ deadline: 10_000, offsetMs: 0, now: 9_001 })).toBe(1)
    expect(secondsLeft({ deadline: 10_000, offsetMs: 0, now: 10_000 })).toBe(0)
    expect(secondsLeft({ deadline: 10_000, offsetMs: 0, now: 60_000 })).toBe(0)
  })
  it('works with a screen clock ahead of the agent', () => {
    expect(secondsLeft({ deadline: 50_000, offsetMs: -30_000, now: 70_000 })).toBe(10)
  })
})

describe('notes', () => {
  it('groups notes by value, largest first', () => {
    const notes = [2000, 5000, 2000, 100].map((valueFen) => ({ valueFen }))
    expect(groupNotes(notes)).toEqual([
      { valueFen: 5000, count: 1, subtotalFen: 5000 },
      { valueFen: 2000, count: 2, subtotalFen: 4000 },
      { valueFen: 100, count: 1, subtotalFen: 100 },
    ])
  })
  it('reads cash-box counts keyed by fen strings', () => {
    expect(countsToGroups({ '1000': 3, '10000': 1, junk: 2 })).toEqual([
      { valueFen: 10000, count: 1, subtotalFen: 10000 },
      { valueFen: 1000, count: 3, subtotalFen: 3000 },
    ])
  })
  it('names a note by its face value', () => {
    expect(formatNote(5000, 'zh-CN')).toBe('50元')
    expect(formatNote(10000, 'en')).toBe('¥100')
    expect(formatNote(150, 'en')).toBe('¥1.50')
  })
})

describe('formatAge', () => {
  it('rounds up to minutes, hours past two hours', () => {
    expect(formatAge(61_000, 'en')).toBe('2 minutes')
    expect(formatAge(3 * 3_600_000, 'en')).toBe('3 hours')
  })
})

describe('backoffMs', () => {
  it('doubles from 0.5 s up to 5 s, with ±20% jitter', () => {
    const mid = (): number => 0.5
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, mid))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ])
    expect(backoffMs(0, () => 0)).toBe(400)
    expect(backoffMs(10, () => 1)).toBe(6000)
  })
})

describe('history formats', () => {
  it('formats tariff-calendar days, chart months and whole kWh in both languages', () => {
    expect(formatDay('2026-05-01', 'zh-CN')).toBe('5月1日')
    expect(formatDay('2026-05-01', 'en')).toBe('May 1')
    expect(formatDay('not a day', 'en')).toBe('not a day')
    expect(formatMonth('2026-11', 'zh-CN')).toBe('11月')
    expect(formatMonth('2026-11', 'en')).toBe('Nov')
    expect(formatKwhWhole(123_456, 'en')).toBe('123')
    expect(formatKwhWhole(1_234_567, 'zh-CN')).toBe('1,235')
  })
})

