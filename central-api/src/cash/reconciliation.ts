/**
 * Cashier reconciliation rules, pure (no storage, no clock): what a collection must add up to,
 * what a count comes to, and what a count needs before it can be posted. Money in integer fen.
 */
import { NOTE_VALUES_FEN, type CollectionRequest } from '@gridtill/shared'

export interface DenominationCount {
  valueFen: number
  count: number
}

/** Σ value × count, in fen (integers only, so exact). */
export function sumFen(counts: readonly DenominationCount[]): number {
  let total = 0
  for (const c of counts) total += c.valueFen * c.count
  return total
}

export function noteTotal(counts: readonly DenominationCount[]): number {
  let n = 0
  for (const c of counts) n += c.count
  return n
}

/** Why a collection's figures do not add up, or null when they do. */
export function collectionProblem(body: CollectionRequest): string | null {
  const seen = new Set<number>()
  for (const c of body.counts) {
    if (seen.has(c.valueFen)) return `denomination ${c.valueFen} fen is listed twice`
    seen.add(c.valueFen)
  }
  const fen = sumFen(body.counts)
  if (fen !== body.totalFen) return `counts add up to ${fen} fen, not totalFen ${body.totalFen}`
  const notes = noteTotal(body.counts)
  if (notes !== body.noteCount)
    return `counts add up to ${notes} notes, not noteCount ${body.noteCount}`
  if (Date.parse(body.closedAt) < Date.parse(body.openedAt)) return 'closedAt is before openedAt'
  const ids = new Set(body.suspectNotes.map((s) => s.noteId))
  if (ids.size !== body.suspectNotes.length) return 'a suspect note is listed twice'
  return null
}

/** Every denomination the kiosks take, expected or counted (0 where absent), in value order. */
export function fullCounts(counts: readonly DenominationCount[]): DenominationCount[] {
  return NOTE_VALUES_FEN.map((valueFen) => ({
    valueFen,
    count: counts.find((c) => c.valueFen === valueFen)?.count ?? 0,
  }))
}

/** Why a cashier's count cannot be accepted as it stands, or null. */
export type CountProblem = 'duplicateDenomination' | 'suspectsUnresolved' | 'reasonRequired'

export function countProblem(c: {
  counts: readonly DenominationCount[]
  suspectNoteIds: readonly string[]
  resolutions: readonly { noteId: string }[]
  expectedFen: number
  reason: string | null
}): CountProblem | null {
  if (new Set(c.counts.map((x) => x.valueFen)).size !== c.counts.length)
    return 'duplicateDenomination'
  const resolved = c.resolutions.map((r) => r.noteId)
  const expectedIds = new Set(c.suspectNoteIds)
  if (
    new Set(resolved).size !== resolved.length ||
    resolved.length !== expectedIds.size ||
    resolved.some((id) => !expectedIds.has(id))
  ) {
    return 'suspectsUnresolved'
  }
  if (
    varianceFen(sumFen(c.counts), c.expectedFen) !== 0 &&
    (c.reason === null || c.reason.trim() === '')
  )
    return 'reasonRequired'
  return null
}

/** Over (positive) or short (negative): counted − expected. */
export function varianceFen(countedFen: number, expectedFen: number): number {
  return countedFen - expectedFen
}
