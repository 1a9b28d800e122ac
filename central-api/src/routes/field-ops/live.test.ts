import { describe, expect, it } from 'vitest'
import { parseClientMessage } from './live.ts'

describe('live socket client messages', () => {
  it('accepts exactly {"type":"ping"} and {"type":"refresh"}', () => {
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ type: 'ping' })
    expect(parseClientMessage('{"type":"refresh"}')).toEqual({ type: 'refresh' })
  })

  it('refuses anything else: bad JSON, other types, extra fields, arrays, oversize frames', () => {
    for (const raw of ['', 'ping', '{"type":"ping"', '{"type":"subscribe"}', '{"type":"ping","x":1}', '[{"type":"ping"}]', 'null', '{"type":1}', `{"type":"ping"${' '.repeat(2000)}}`]) {
      expect(parseClientMessage(raw), raw.slice(0, 30)).toBeNull()
    }
  })
})
