import { describe, expect, it } from 'vitest'
import { StsError } from './errors.ts'
import { assertTidWithinKen, isTidWithinKen, TID_MAX, tidFromTime, timeFromTid } from './tid.ts'

describe('TID (sts.md §3)', () => {
  it('counts whole minutes since the base date, dropping seconds', () => {
    expect(tidFromTime(Date.parse('2004-03-01T13:55:00Z'), 1993)).toBe(5_871_715)
    expect(tidFromTime(Date.parse('2004-03-01T13:00:00Z'), 1993)).toBe(5_871_660)
    expect(tidFromTime(Date.parse('1996-03-25T13:55:22Z'), 1993)).toBe(1_698_595)
    expect(tidFromTime(Date.parse('2014-01-01T08:00:59.999Z'), 2014)).toBe(480)
    expect(tidFromTime(Date.parse('2035-01-01T08:00:00Z'), 2035)).toBe(480)
  })

  it('runs out for 1993 on 2024-11-24 20:15 UTC, its last minute', () => {
    expect(tidFromTime(Date.parse('2024-11-24T20:15:59Z'), 1993)).toBe(TID_MAX)
    const err = (() => {
      try {
        tidFromTime(Date.parse('2024-11-24T20:16:00Z'), 1993)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(StsError)
    expect((err as StsError).code).toBe('ERR_STS_TID_RANGE')
    expect(() => tidFromTime(Date.parse('2013-12-31T23:59:00Z'), 2014)).toThrow(/TID range/)
  })

  it('maps back to the start of the minute', () => {
    expect(timeFromTid(5_871_715, 1993)).toBe(Date.parse('2004-03-01T13:55:00Z'))
    expect(timeFromTid(0, 2035)).toBe(Date.UTC(2035, 0, 1))
    expect(() => timeFromTid(TID_MAX + 1, 2014)).toThrow()
    expect(() => timeFromTid(1, 2000 as never)).toThrow(/base date/)
  })

  it('checks the KEN against the TID top 8 bits', () => {
    expect(isTidWithinKen(0x12ffff, 0x12)).toBe(true)
    expect(isTidWithinKen(0x130000, 0x12)).toBe(false)
    expect(isTidWithinKen(TID_MAX, 255)).toBe(true)
    expect(() => assertTidWithinKen(0x130000, 0x12)).toThrow(
      expect.objectContaining({ code: 'ERR_STS_KEY_EXPIRED' }),
    )
  })
})
