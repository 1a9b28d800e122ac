import { describe, expect, it } from 'vitest'
import { isUuid, uuidv7, uuidv7Time } from './ids.ts'

describe('uuidv7', () => {
  it('is a valid version-7 UUID carrying its millisecond', () => {
    const id = uuidv7(1_764_000_000_000)
    expect(isUuid(id)).toBe(true)
    expect(id[14]).toBe('7')
    expect(uuidv7Time(id)).toBe(1_764_000_000_000)
  })

  it('stays in order within one millisecond and when the clock steps back', () => {
    const ids = [uuidv7(2_000_000_000_000)]
    for (let i = 0; i < 5000; i++) ids.push(uuidv7(2_000_000_000_000))
    ids.push(uuidv7(1_999_999_999_000))
    const sorted = [...ids].sort()
    expect(ids).toEqual(sorted)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('rejects things that are not UUIDs', () => {
    for (const bad of ['', 'x', '00000000-0000-0000-0000-000000000000', 42, null]) expect(isUuid(bad)).toBe(false)
  })
})
