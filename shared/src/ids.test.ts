import { describe, expect, it, vi } from 'vitest'
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

  it('carries any 48-bit millisecond exactly, including ones above 2^32', async () => {
    for (const ms of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12_345, 253_402_300_799_999, 2 ** 48 - 1]) {
      // A fresh module each time: its in-order counter has seen no later millisecond.
      vi.resetModules()
      const fresh = await import('./ids.ts')
      expect(fresh.uuidv7Time(fresh.uuidv7(ms))).toBe(ms)
    }
    expect(uuidv7(2 ** 48 - 1).slice(0, 13)).toBe('ffffffff-ffff')
  })

  it('draws fresh random bits for every id across pool refills', () => {
    // 1,000 ids span several 4 KiB refills; the last 62 bits (rand_b) never repeat.
    const tails = new Set(Array.from({ length: 1000 }, (_, i) => uuidv7(3_000_000_000_000 + i).slice(19)))
    expect(tails.size).toBe(1000)
  })

  it('rejects things that are not UUIDs', () => {
    for (const bad of ['', 'x', '00000000-0000-0000-0000-000000000000', 42, null]) expect(isUuid(bad)).toBe(false)
  })
})
