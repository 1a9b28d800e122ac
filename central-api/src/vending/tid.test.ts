import { describe, expect, it } from 'vitest'
import { allocateTid } from './tid.ts'

describe('TID allocation', () => {
  it('is the current minute, or one past the last TID when that is later', () => {
    expect(allocateTid(1000, 0, 255)).toEqual({ ok: true, tid: 1000 })
    expect(allocateTid(1000, 1000, 255)).toEqual({ ok: true, tid: 1001 })
    expect(allocateTid(1000, 5000, 255)).toEqual({ ok: true, tid: 5001 })
  })

  it('refuses TIDs past 24 bits or past the key expiry number', () => {
    expect(allocateTid(0xffffff, 0xffffff, 255)).toEqual({ ok: false, reason: 'range' })
    expect(allocateTid(0x030000, 0, 2)).toEqual({ ok: false, reason: 'keyExpired' })
    expect(allocateTid(0x02ffff, 0, 2)).toEqual({ ok: true, tid: 0x02ffff })
  })
})
