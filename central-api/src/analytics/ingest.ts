/**
 * MeterReading streams (cumulative register, arbitrary cadence, possibly late, duplicated, out of
 * order, with gaps and register resets) → per-interval energy on a grid.
 *
 * Method, per meter:
 * 1. Sort by time; of readings with the same `at` keep the first (a QoS 1 redelivery), counting
 *    those that disagree as conflicts.
 * 2. Drop single-reading glitches: a reading above its successor while its predecessor is not
 *    (a spike), or below its predecessor while its successor is not (a dip).
 * 3. Chain the register across discontinuities into one non-decreasing "adjusted register":
 *    - a persistent decrease is a reset or meter swap: the new register is taken to have started
 *      at 0 inside the gap, so the bridging energy is the new reading's value — if that is
 *      physically possible (≤ maxPowerW over the gap); otherwise the bridging energy is unknown;
 *    - an increase faster than maxPowerW (a swap to a used meter, a corrupt register) is unknown.
 * 4. Interpolate the adjusted register linearly at every interval boundary; an interval's energy
 *    is the difference of the rounded boundary values, so the intervals between two readings add
 *    up exactly to the register difference (no Wh lost to rounding).
 *    Intervals before the first reading, after the last one, or touching an unknown bridge are
 *    MISSING. Intervals inside a pair of readings further apart than gapMs are kept (the energy
 *    is known in total, spread evenly) but flagged estimated: the meter was silent there.
 * 5. Relay and tamper bits: an interval is "relay open" / "tamper" if any reading inside it says
 *    so, or, with no reading inside, the latest reading before it did.
 *
 * Pass the last reading before the grid as well, so the first boundary can be interpolated.
 */
import type { MeterReading } from '@gridtill/shared'
import type { IntervalGrid } from './calendar.ts'
import {
  emptyIntervals,
  markMissing,
  putEnergy,
  setBit,
  type IntervalStore,
  type MeterIntervals,
} from './interval-store.ts'

export interface IngestOptions {
  /** Readings further apart than this leave the intervals between them estimated. Default: 2 intervals. */
  gapMs?: number
  /** Faster register growth is a jump, not consumption. Default 1 MW (far above any meter here). */
  maxPowerW?: number
}

export interface IngestQuality {
  readings: number
  outOfOrder: number
  duplicates: number
  /** Duplicates (same `at`) whose register differed. */
  conflicting: number
  glitches: number
  /** Register decreases kept as resets / meter swaps. */
  resets: number
  /** Bridges (reset or jump) whose energy could not be known. */
  unknownBridges: number
  estimatedIntervals: number
  missingIntervals: number
}

export interface IngestResult {
  intervals: MeterIntervals
  quality: IngestQuality
}

const WH_PER_W_MS = 1 / 3_600_000

/** One meter's readings (any order) → its intervals on the grid. */
export function intervalsFromReadings(
  readings: readonly MeterReading[],
  grid: IntervalGrid,
  opts: IngestOptions = {},
): IngestResult {
  const gapMs = opts.gapMs ?? 2 * grid.intervalMs
  const maxPowerW = opts.maxPowerW ?? 1_000_000
  const q: IngestQuality = {
    readings: readings.length,
    outOfOrder: 0,
    duplicates: 0,
    conflicting: 0,
    glitches: 0,
    resets: 0,
    unknownBridges: 0,
    estimatedIntervals: 0,
    missingIntervals: 0,
  }
  for (let k = 1; k < readings.length; k++)
    if (readings[k]!.at < readings[k - 1]!.at) q.outOfOrder++

  // 1. Sort (stable) and de-duplicate.
  const sorted = q.outOfOrder > 0 ? [...readings].sort((a, b) => a.at - b.at) : readings
  const uniq: MeterReading[] = []
  for (const r of sorted) {
    const last = uniq[uniq.length - 1]
    if (last !== undefined && last.at === r.at) {
      q.duplicates++
      if (last.energyWh !== r.energyWh) q.conflicting++
      continue
    }
    uniq.push(r)
  }

  // 2. Single-reading glitches.
  const kept: MeterReading[] = []
  for (let k = 0; k < uniq.length; k++) {
    const r = uniq[k]!
    const prev = kept[kept.length - 1]
    const next = uniq[k + 1]
    if (prev !== undefined && next !== undefined) {
      const spike = r.energyWh > next.energyWh && prev.energyWh <= next.energyWh
      const dip = r.energyWh < prev.energyWh && next.energyWh >= prev.energyWh
      if (spike || dip) {
        q.glitches++
        continue
      }
    }
    kept.push(r)
  }

  const n = kept.length
  const out = emptyIntervals(grid.count)
  if (n === 0) {
    q.missingIntervals = grid.count
    return { intervals: out, quality: q }
  }

  // 3. Adjusted register; breakBefore[k]: energy between k-1 and k unknown; long[k]: that pair is a gap.
  const at = new Float64Array(n)
  const adj = new Float64Array(n)
  const breaksUpTo = new Int32Array(n) // prefix count of unknown bridges over pairs (k-1, k), k ≤ index
  const longUpTo = new Int32Array(n) // prefix count of pairs longer than gapMs
  at[0] = kept[0]!.at
  adj[0] = kept[0]!.energyWh
  for (let k = 1; k < n; k++) {
    const a = kept[k - 1]!
    const b = kept[k]!
    at[k] = b.at
    const dt = b.at - a.at
    const maxWh = maxPowerW * dt * WH_PER_W_MS + 1
    const d = b.energyWh - a.energyWh
    let unknown = false
    let bridge = d
    if (d < 0) {
      q.resets++
      if (b.energyWh <= maxWh) bridge = b.energyWh
      else unknown = true
    } else if (d > maxWh) {
      unknown = true
    }
    if (unknown) {
      q.unknownBridges++
      bridge = 0
    }
    adj[k] = adj[k - 1]! + bridge
    breaksUpTo[k] = breaksUpTo[k - 1]! + (unknown ? 1 : 0)
    longUpTo[k] = longUpTo[k - 1]! + (dt > gapMs ? 1 : 0)
  }

  // 4. Boundary values. p = index of the last reading at or before the boundary.
  const { startMs, intervalMs, count } = grid
  let p = -1
  let prevVal = Number.NaN // rounded adjusted register at the previous boundary (NaN: unknown)
  let prevP = -1
  for (let j = 0; j <= count; j++) {
    const b = startMs + j * intervalMs
    while (p + 1 < n && at[p + 1]! <= b) p++
    let val = Number.NaN
    const exact = p >= 0 && at[p] === b
    if (exact) val = adj[p]!
    else if (p >= 0 && p + 1 < n && breaksUpTo[p + 1] === breaksUpTo[p]) {
      // adj[] holds integers, so rounding only the interpolated part keeps boundaries integral.
      const f = (b - at[p]!) / (at[p + 1]! - at[p]!)
      val = adj[p]! + Math.round(f * (adj[p + 1]! - adj[p]!))
    }
    if (j > 0) {
      const i = j - 1
      // Pairs (k-1, k) overlapping (b_{j-1}, b_j): those ending after b_{j-1} (k > prevP) and
      // starting before b_j (k - 1 ≤ the last reading strictly before b_j).
      const loK = Math.max(1, prevP + 1)
      const lastStart = exact ? p - 1 : p // last reading strictly before b_j
      const hiK = Math.min(n - 1, lastStart + 1)
      const anyBreak = hiK >= loK && breaksUpTo[hiK]! - breaksUpTo[loK - 1]! > 0
      if (Number.isNaN(prevVal) || Number.isNaN(val) || anyBreak) {
        markMissing(out, i)
        q.missingIntervals++
      } else {
        putEnergy(out, i, val - prevVal)
        if (hiK >= loK && longUpTo[hiK]! - longUpTo[loK - 1]! > 0) {
          setBit(out.estimated, i)
          q.estimatedIntervals++
        }
      }
    }
    prevVal = val
    prevP = p
  }

  // 5. Relay and tamper state per interval.
  let r = 0
  let stateOpen = false
  let stateTamper = false
  for (let i = 0; i < count; i++) {
    const lo = startMs + i * intervalMs
    const hi = lo + intervalMs
    while (r < n && kept[r]!.at < lo) {
      stateOpen = kept[r]!.relay === 'open'
      stateTamper = kept[r]!.tamper
      r++
    }
    let open = stateOpen
    let tamper = stateTamper
    let inside = false
    while (r < n && kept[r]!.at < hi) {
      const k = kept[r]!
      if (!inside) {
        open = false
        tamper = false
        inside = true
      }
      open ||= k.relay === 'open'
      tamper ||= k.tamper
      stateOpen = k.relay === 'open'
      stateTamper = k.tamper
      r++
    }
    if (open) setBit(out.relayOpen, i)
    if (tamper) setBit(out.tamper, i)
  }

  const last = kept[n - 1]!
  out.lastReadingAt = last.at
  out.lastCreditWh = last.creditWh
  out.lastRelayClosed = last.relay === 'closed'
  return { intervals: out, quality: q }
}

export interface StoreIngestReport {
  meters: number
  /** Readings for meters the store does not list (ignored). */
  unknownMeterReadings: number
  quality: Map<string, IngestQuality>
}

/** Groups readings by meter and replaces each listed meter's row. */
export function ingestIntoStore(
  store: IntervalStore,
  readings: Iterable<MeterReading>,
  opts: IngestOptions = {},
): StoreIngestReport {
  const byMeter = new Map<string, MeterReading[]>()
  let unknown = 0
  for (const r of readings) {
    if (store.rowOf(r.meterNo) === undefined) {
      unknown++
      continue
    }
    let list = byMeter.get(r.meterNo)
    if (list === undefined) byMeter.set(r.meterNo, (list = []))
    list.push(r)
  }
  const quality = new Map<string, IngestQuality>()
  for (const [meterNo, list] of byMeter) {
    const res = intervalsFromReadings(list, store.grid, opts)
    store.setRow(store.rowOf(meterNo)!, res.intervals)
    quality.set(meterNo, res.quality)
  }
  return { meters: byMeter.size, unknownMeterReadings: unknown, quality }
}
