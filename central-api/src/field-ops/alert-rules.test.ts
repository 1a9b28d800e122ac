import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS, HEARTBEAT_KINDS, heartbeatConditions, isOffline } from './alert-rules.ts'
import { heartbeat } from './test-heartbeat.ts'

const T0 = Date.UTC(2026, 10, 24, 2, 0, 0)
const kinds = (hb: Parameters<typeof heartbeatConditions>[0]) => [...heartbeatConditions(hb, DEFAULT_THRESHOLDS).keys()].sort()

describe('alert rules', () => {
  it('a healthy kiosk raises nothing, and a heartbeat never says offline', () => {
    expect(kinds(heartbeat(T0))).toEqual([])
    expect(HEARTBEAT_KINDS).not.toContain('offline')
  })

  it('paper: nearEnd is low, out is out (not both), and a printer only out of paper is not a printer fault', () => {
    expect(kinds(heartbeat(T0, { printer: { paper: 'nearEnd' } }))).toEqual(['paperLow'])
    expect(kinds(heartbeat(T0, { printer: { paper: 'out', health: 'fault' } }))).toEqual(['paperOut'])
    expect(kinds(heartbeat(T0, { printer: { health: 'fault' } }))).toEqual(['printerFault'])
    expect(kinds(heartbeat(T0, { printer: { coverOpen: true } }))).toEqual(['printerFault'])
  })

  it('acceptor: jammed is a jam; fault or offline a fault; disabled (not taking notes) is normal', () => {
    expect(kinds(heartbeat(T0, { acceptor: { health: 'jammed' } }))).toEqual(['acceptorJam'])
    expect(kinds(heartbeat(T0, { acceptor: { health: 'fault' } }))).toEqual(['acceptorFault'])
    expect(kinds(heartbeat(T0, { acceptor: { health: 'offline' } }))).toEqual(['acceptorFault'])
    expect(kinds(heartbeat(T0, { acceptor: { health: 'disabled' } }))).toEqual([])
  })

  it('cassette: near full at fill ≥ 0.9 (exactly the edge) or a full stacker; removed wins over full', () => {
    expect(kinds(heartbeat(T0, { cashbox: { fill: 0.8999 } }))).toEqual([])
    expect(kinds(heartbeat(T0, { cashbox: { fill: 0.9 } }))).toEqual(['cassetteNearFull'])
    expect(kinds(heartbeat(T0, { acceptor: { stackerFull: true } }))).toEqual(['cassetteNearFull'])
    expect(kinds(heartbeat(T0, { acceptor: { cashboxPresent: false }, cashbox: { fill: 1 } }))).toEqual(['cassetteRemoved'])
    expect(heartbeatConditions(heartbeat(T0, { cashbox: { fill: 0.95, noteCount: 950 } }), DEFAULT_THRESHOLDS).get('cassetteNearFull')).toMatchObject({ fill: 0.95, noteCount: 950 })
  })

  it('outbox backlog by depth or by the age of the oldest entry, each at its threshold', () => {
    const t = DEFAULT_THRESHOLDS
    expect(kinds(heartbeat(T0, { outbox: { depth: t.outboxDepth - 1, oldestAgeMs: t.outboxOldestAgeMs - 1 } }))).toEqual([])
    expect(kinds(heartbeat(T0, { outbox: { depth: t.outboxDepth, oldestAgeMs: 1 } }))).toEqual(['outboxBacklog'])
    expect(kinds(heartbeat(T0, { outbox: { depth: 1, oldestAgeMs: t.outboxOldestAgeMs } }))).toEqual(['outboxBacklog'])
  })

  it('reader faults, and several conditions at once', () => {
    expect(kinds(heartbeat(T0, { reader: { health: 'offline' }, printer: { paper: 'out' }, acceptor: { health: 'jammed' } }))).toEqual(['acceptorJam', 'paperOut', 'readerFault'])
  })

  it('offline only after more than N minutes of silence (the edge itself is still online)', () => {
    const n = DEFAULT_THRESHOLDS.offlineAfterMs
    expect(isOffline(T0, T0 + n, DEFAULT_THRESHOLDS)).toBe(false)
    expect(isOffline(T0, T0 + n + 1, DEFAULT_THRESHOLDS)).toBe(true)
    expect(isOffline(T0, T0 + 2 * 60_000, { ...DEFAULT_THRESHOLDS, offlineAfterMs: 60_000 })).toBe(true)
  })
})
