import { describe, expect, it } from 'vitest'
import type { KioskView } from '@gridtill/shared'
import { parseServerMessage, shouldApply } from './protocol.ts'

const view = (seq: number): KioskView => ({ seq, screen: 'attract', at: 1 }) as KioskView

describe('parseServerMessage', () => {
  it('accepts snapshots and errors', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'snapshot', view: view(3) }))?.type).toBe(
      'snapshot',
    )
    expect(
      parseServerMessage(
        '{"type":"error","intentId":null,"code":"ERR_INTENT_NOT_ALLOWED","message":"no"}',
      ),
    ).toEqual({
      type: 'error',
      intentId: null,
      code: 'ERR_INTENT_NOT_ALLOWED',
      message: 'no',
    })
  })
  it('drops junk', () => {
    for (const s of [
      '',
      'nope',
      'null',
      '[]',
      '{"type":"snapshot"}',
      '{"type":"snapshot","view":{"seq":"1"}}',
      '{"type":"other"}',
    ]) {
      expect(parseServerMessage(s), s).toBeNull()
    }
  })
})

describe('shouldApply', () => {
  it('moves forward within a socket and drops stale snapshots', () => {
    expect(shouldApply(view(5), view(6), false)).toBe(true)
    expect(shouldApply(view(5), view(5), false)).toBe(false)
    expect(shouldApply(view(5), view(4), false)).toBe(false)
  })
  it('takes the first snapshot of a new socket even if its seq restarted', () => {
    expect(shouldApply(view(500), view(1), true)).toBe(true)
    expect(shouldApply(null, view(1), false)).toBe(true)
  })
})
