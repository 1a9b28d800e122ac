import { describe, expect, it } from 'vitest'
import { DueWheel } from './due-wheel.ts'

describe('DueWheel', () => {
  it('hands out exactly what is due, in bucket order, keeping the rest of a partial bucket', () => {
    const w = new DueWheel<string>(1000)
    w.schedule('a', 500)
    w.schedule('b', 1500)
    w.schedule('c', 1900)
    w.schedule('d', 10_000)
    expect(w.takeDue(1600).map((e) => e.item)).toEqual(['a', 'b'])
    expect(w.takeDue(1899)).toEqual([])
    expect(w.takeDue(1900).map((e) => e.item)).toEqual(['c'])
    expect(w.size).toBe(1)
    // Late scheduling into a swept bucket is not lost.
    w.schedule('late', 100)
    expect(w.takeDue(2000).map((e) => e.item)).toEqual(['late'])
  })

  it('jumps far ahead without walking empty buckets', () => {
    const w = new DueWheel<number>(1)
    w.takeDue(0)
    w.schedule(1, 5)
    w.schedule(2, 1e12)
    const started = performance.now()
    expect(w.takeDue(1e12).map((e) => e.item)).toEqual([1, 2])
    expect(performance.now() - started).toBeLessThan(50)
  })
})
