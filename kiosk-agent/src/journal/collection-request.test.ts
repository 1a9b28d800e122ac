import { describe, expect, it } from 'vitest'
import { uuidv7 } from '@gridtill/shared'
import { buildCollectionRequest } from './collection-request.ts'
import { buildServiceEvent, flattenDetails } from '../service-mode/service-event.ts'

const base = { cycleId: uuidv7(1), sealNo: 'SEAL-1', openedAt: Date.UTC(2026, 0, 1), closedAt: Date.UTC(2026, 0, 2), staffCardNo: '9900000101', boxNotes: [] }

describe('collection body', () => {
  it('counts sorted by value; totals are the sum of value × count', () => {
    const { request, problem } = buildCollectionRequest({ ...base, countsByValueFen: { 10000: 1, 500: 3 } })
    expect(problem).toBeNull()
    expect(request).toMatchObject({ counts: [{ valueFen: 500, count: 3 }, { valueFen: 10_000, count: 1 }], totalFen: 11_500, noteCount: 4, openedAt: '2026-01-01T00:00:00.000Z' })
  })

  it('a denomination the contract does not know, or a bad seal or card, is a problem, never a silently wrong body', () => {
    expect(buildCollectionRequest({ ...base, countsByValueFen: { 3000: 1 } }).problem).toContain('3000')
    expect(buildCollectionRequest({ ...base, sealNo: 'bad seal!', countsByValueFen: {} }).problem).toContain('/sealNo')
    expect(buildCollectionRequest({ ...base, staffCardNo: '', countsByValueFen: {} }).problem).toContain('/staffCardNo')
  })
})

describe('service event body', () => {
  it('maps the machine actions onto the contract and refuses what it cannot send', () => {
    const ev = (action: string, detail: Record<string, unknown> | null = null) =>
      buildServiceEvent({ eventId: uuidv7(5), at: 5, staffCardNo: '9900000101', action, detail })
    expect(ev('outOfService', { outOfService: true }).request?.action).toBe('kiosk.outOfService')
    expect(ev('outOfService', { outOfService: false }).request?.action).toBe('kiosk.backInService')
    expect(ev('testPrint').request?.action).toBe('printer.test')
    expect(ev('something.new').problem).toContain('no service event')
    expect(buildServiceEvent({ eventId: uuidv7(5), at: 5, staffCardNo: '', action: 'service.enter', detail: null }).problem).toContain('/staffCardNo')
  })

  it('details: flat scalars, card numbers never repeated, at most 16, strings cut to 256', () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]))
    expect(Object.keys(flattenDetails(many))).toHaveLength(16)
    expect(flattenDetails({ cardNo: '9900000101', a: { b: 'x'.repeat(300), c: [1] } })).toEqual({ 'a.b': 'x'.repeat(256) })
  })
})
