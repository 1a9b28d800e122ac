import { describe, expect, it } from 'vitest'
import { en, zhCN } from '../messages/index.ts'
import { tokenStatusLook } from './token-status.ts'

describe('token status', () => {
  it('has words for every delivery state, cancelled included, and unknown before the first answer', () => {
    const states = ['pending', 'sent', 'accepted', 'rejected', 'cancelled'] as const
    const looks = states.map((state) => tokenStatusLook({ state, reason: null }))
    expect(looks.map((l) => l.state)).toEqual([...states])
    expect(new Set(looks.map((l) => l.key)).size).toBe(states.length)
    expect(tokenStatusLook(undefined)).toMatchObject({ state: 'unknown', key: 'token.unknown' })
    expect(tokenStatusLook(null).state).toBe('unknown')
    for (const l of [...looks, tokenStatusLook(null)]) {
      expect(zhCN[l.key]).toMatch(/\p{Script=Han}/u)
      expect(en[l.key]).toMatch(/[A-Za-z]/)
    }
    // Not colour alone: a refused or void token gets a warning icon or a cross, not just a tone.
    expect(tokenStatusLook({ state: 'rejected', reason: 'DUPLICATE' }).icon).toBe('warning')
    expect(tokenStatusLook({ state: 'cancelled', reason: null }).icon).toBe('close')
  })
})
