import { describe, expect, it } from 'vitest'
import { businessDay, formatReceiptNo } from './receipt-no.ts'

describe('business day and receipt number', () => {
  it('follows the local date to the millisecond, whatever was asked just before', () => {
    const midnightShanghai = Date.UTC(2026, 10, 24, 16, 0)
    expect(businessDay(midnightShanghai - 1, 'Asia/Shanghai')).toBe('20261124')
    expect(businessDay(midnightShanghai - 30_000, 'Asia/Shanghai')).toBe('20261124')
    expect(businessDay(midnightShanghai, 'Asia/Shanghai')).toBe('20261125')
    expect(businessDay(midnightShanghai - 1, 'Asia/Shanghai')).toBe('20261124')
    // Another zone in between does not disturb the first one's answers.
    expect(businessDay(midnightShanghai, 'UTC')).toBe('20261124')
    expect(businessDay(midnightShanghai + 59_999, 'Asia/Shanghai')).toBe('20261125')
    // A half-hour zone changes date on its own minute.
    expect(businessDay(Date.UTC(2026, 10, 24, 18, 29, 59, 999), 'Asia/Kolkata')).toBe('20261124')
    expect(businessDay(Date.UTC(2026, 10, 24, 18, 30), 'Asia/Kolkata')).toBe('20261125')
  })

  it('formats kiosk, day and a six-digit sequence', () => {
    expect(formatReceiptNo('K001', '20261124', 123)).toBe('K001-20261124-000123')
  })
})
