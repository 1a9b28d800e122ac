import { describe, expect, it } from 'vitest'
import { TAP_GUARD_MS, createTapGuard } from './debounce.ts'

describe('createTapGuard', () => {
  it('lets the first tap through and ignores repeats for 300 ms', () => {
    let t = 1_000
    const guard = createTapGuard(TAP_GUARD_MS, () => t)
    expect(guard()).toBe(true)
    t += 50
    expect(guard()).toBe(false)
    t += 249
    expect(guard()).toBe(false)
    t += 1
    expect(guard()).toBe(true)
  })

  it('measures from the last counted tap, so ignored taps do not extend the window', () => {
    let t = 0
    const guard = createTapGuard(300, () => t)
    expect(guard()).toBe(true)
    for (t = 100; t < 300; t += 100) expect(guard()).toBe(false)
    t = 300
    expect(guard()).toBe(true)
  })

  it('allows a tap at time zero', () => {
    expect(createTapGuard(300, () => 0)()).toBe(true)
  })
})
