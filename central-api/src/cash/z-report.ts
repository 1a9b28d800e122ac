/**
 * Z-reports: what cashiers counted in one business day (or one shift of it), grouped per cashier
 * or per kiosk, with expected, counted, credited and the variance. Business days and shifts are
 * in the deployment's time zone (DESIGN.md, Time); a collection belongs to the day it was counted.
 * Pure: the caller reads the collections and staff names.
 */
import { offsetMinutesAt } from '../analytics/time-zone.ts'
import type { CollectionRecord, CollectionState } from '../storage/cash-repository.ts'

export const SHIFTS = ['day', '1', '2', '3'] as const
export type Shift = (typeof SHIFTS)[number]
export type ZGroupBy = 'cashier' | 'kiosk'

/** Local hours each shift covers: the whole day, or three eight-hour shifts. */
const SHIFT_HOURS: Record<Shift, [number, number]> = {
  day: [0, 24],
  '1': [0, 8],
  '2': [8, 16],
  '3': [16, 24],
}

export const SHIFT_LABEL: Record<Shift, string> = {
  day: '全天 Whole day',
  '1': '早班 Shift 1 (00:00–08:00)',
  '2': '中班 Shift 2 (08:00–16:00)',
  '3': '晚班 Shift 3 (16:00–24:00)',
}

/** UTC ms of local midnight plus `hour` on the calendar day 'YYYY-MM-DD' in `timeZone`. */
export function localTime(day: string, hour: number, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const wall = Date.UTC(y, m - 1, d, hour)
  // Two passes settle the offset even on a day the zone changes it.
  let utc = wall - offsetMinutesAt(timeZone, wall) * 60_000
  utc = wall - offsetMinutesAt(timeZone, utc) * 60_000
  return utc
}

export function shiftWindow(
  day: string,
  shift: Shift,
  timeZone: string,
): { from: number; to: number } {
  const [fromH, toH] = SHIFT_HOURS[shift]
  return { from: localTime(day, fromH, timeZone), to: localTime(day, toH, timeZone) }
}

/** 'YYYY-MM-DD' of an instant in the zone. */
export function businessDay(utcMs: number, timeZone: string): string {
  return new Date(utcMs + offsetMinutesAt(timeZone, utcMs) * 60_000).toISOString().slice(0, 10)
}

export interface ZAmounts {
  collections: number
  expectedFen: number
  countedFen: number
  /** What vends credited residents for the notes in these boxes (incl. vends that reached the central late). */
  creditedFen: number
  varianceFen: number
  overFen: number
  shortFen: number
  /** Counted with an over/short not yet approved. */
  awaitingApproval: number
}

export interface ZLine {
  collectionId: string
  kioskId: string
  kioskName: string
  sealNo: string
  countedBy: string
  countedByName: string
  countedAt: number
  state: CollectionState
  expectedFen: number
  countedFen: number
  creditedFen: number
  varianceFen: number
}

export interface ZGroup extends ZAmounts {
  key: string
  label: string
}

export interface ZReport {
  day: string
  shift: Shift
  groupBy: ZGroupBy
  timeZone: string
  from: number
  to: number
  generatedAt: number
  groups: ZGroup[]
  lines: ZLine[]
  totals: ZAmounts
}

const zero = (): ZAmounts => ({
  collections: 0,
  expectedFen: 0,
  countedFen: 0,
  creditedFen: 0,
  varianceFen: 0,
  overFen: 0,
  shortFen: 0,
  awaitingApproval: 0,
})

function add(a: ZAmounts, l: ZLine): void {
  a.collections += 1
  a.expectedFen += l.expectedFen
  a.countedFen += l.countedFen
  a.creditedFen += l.creditedFen
  a.varianceFen += l.varianceFen
  if (l.varianceFen > 0) a.overFen += l.varianceFen
  if (l.varianceFen < 0) a.shortFen -= l.varianceFen
  if (l.state === 'awaitingApproval') a.awaitingApproval += 1
}

export function buildZReport(o: {
  day: string
  shift: Shift
  groupBy: ZGroupBy
  timeZone: string
  generatedAt: number
  /** Collections counted inside the shift's window (others are ignored). */
  collections: readonly CollectionRecord[]
  staffNames: ReadonlyMap<string, string>
}): ZReport {
  const { from, to } = shiftWindow(o.day, o.shift, o.timeZone)
  const lines: ZLine[] = o.collections
    .filter(
      (c) =>
        c.countedAt !== null &&
        c.countedBy !== null &&
        c.countedFen !== null &&
        c.countedAt >= from &&
        c.countedAt < to,
    )
    .map((c) => ({
      collectionId: c.collectionId,
      kioskId: c.kioskId,
      kioskName: c.kioskName,
      sealNo: c.sealNo,
      countedBy: c.countedBy ?? '',
      countedByName: o.staffNames.get(c.countedBy ?? '') ?? c.countedBy ?? '',
      countedAt: c.countedAt ?? 0,
      state: c.state,
      expectedFen: c.expectedFen,
      countedFen: c.countedFen ?? 0,
      creditedFen: c.creditedFen + c.lateCreditedFen,
      varianceFen: (c.countedFen ?? 0) - c.expectedFen,
    }))
  const byKey = new Map<string, ZGroup>()
  const totals = zero()
  for (const l of lines) {
    const key = o.groupBy === 'cashier' ? l.countedBy : l.kioskId
    let g = byKey.get(key)
    if (g === undefined) {
      g = { key, label: o.groupBy === 'cashier' ? l.countedByName : l.kioskName, ...zero() }
      byKey.set(key, g)
    }
    add(g, l)
    add(totals, l)
  }
  const groups = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const sortKey = (l: ZLine) => (o.groupBy === 'cashier' ? l.countedBy : l.kioskId)
  lines.sort((a, b) =>
    sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : a.countedAt - b.countedAt,
  )
  return {
    day: o.day,
    shift: o.shift,
    groupBy: o.groupBy,
    timeZone: o.timeZone,
    from,
    to,
    generatedAt: o.generatedAt,
    groups,
    lines,
    totals,
  }
}

/** Integer fen as yuan with two decimals, exactly ('-12.05'); never through a float. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Local 'YYYY-MM-DD HH:mm' of an instant in the zone. */
export function localStamp(utcMs: number, timeZone: string): string {
  return new Date(utcMs + offsetMinutesAt(timeZone, utcMs) * 60_000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')
}
