import { describe, expect, it } from 'vitest'
import type { CollectionRequest } from '@gridtill/shared'
import {
  collectionProblem,
  countProblem,
  fullCounts,
  sumFen,
  varianceFen,
} from './reconciliation.ts'

const body = (over: Partial<CollectionRequest> = {}): CollectionRequest => ({
  cycleId: '019a0000-0000-7000-8000-000000000001',
  sealNo: 'S-1',
  openedAt: '2026-11-24T00:00:00.000Z',
  closedAt: '2026-11-24T08:00:00.000Z',
  staffCardNo: '9900000101',
  noteCount: 3,
  totalFen: 12_000,
  counts: [
    { valueFen: 10_000, count: 1 },
    { valueFen: 1000, count: 2 },
  ],
  suspectNotes: [],
  ...over,
})

describe('reconciliation rules', () => {
  it('a collection must add up in fen and in notes', () => {
    expect(collectionProblem(body())).toBeNull()
    expect(collectionProblem(body({ totalFen: 12_100 }))).toMatch(/12000 fen, not totalFen 12100/)
    expect(collectionProblem(body({ noteCount: 4 }))).toMatch(/3 notes, not noteCount 4/)
    expect(
      collectionProblem(
        body({
          counts: [
            { valueFen: 1000, count: 1 },
            { valueFen: 1000, count: 1 },
          ],
          totalFen: 2000,
          noteCount: 2,
        }),
      ),
    ).toMatch(/twice/)
    expect(collectionProblem(body({ closedAt: '2026-11-23T00:00:00.000Z' }))).toMatch(
      /before openedAt/,
    )
  })

  it('counts: every denomination, exact fen, variance = counted − expected', () => {
    expect(fullCounts([{ valueFen: 500, count: 2 }]).map((c) => c.count)).toEqual([
      0, 2, 0, 0, 0, 0,
    ])
    expect(sumFen(fullCounts([{ valueFen: 10_000, count: 100_000 }]))).toBe(1_000_000_000)
    expect(varianceFen(12_000, 15_000)).toBe(-3000)
  })

  it('a count needs every suspect note resolved once and a reason for an over/short', () => {
    const base = {
      counts: [{ valueFen: 1000, count: 2 }],
      suspectNoteIds: ['n1'],
      resolutions: [{ noteId: 'n1' }],
      expectedFen: 2000,
      reason: null,
    }
    expect(countProblem(base)).toBeNull()
    expect(countProblem({ ...base, resolutions: [] })).toBe('suspectsUnresolved')
    expect(countProblem({ ...base, resolutions: [{ noteId: 'n1' }, { noteId: 'n1' }] })).toBe(
      'suspectsUnresolved',
    )
    expect(countProblem({ ...base, resolutions: [{ noteId: 'other' }] })).toBe('suspectsUnresolved')
    expect(countProblem({ ...base, expectedFen: 3000 })).toBe('reasonRequired')
    expect(countProblem({ ...base, expectedFen: 3000, reason: '  ' })).toBe('reasonRequired')
    expect(countProblem({ ...base, expectedFen: 3000, reason: 'torn note' })).toBeNull()
    expect(
      countProblem({
        ...base,
        counts: [
          { valueFen: 1000, count: 1 },
          { valueFen: 1000, count: 1 },
        ],
      }),
    ).toBe('duplicateDenomination')
  })
})
