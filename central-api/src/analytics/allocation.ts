/**
 * 公摊 — shared-area and line-loss allocation (C10). A pool of energy (a common-area meter's
 * stairwell lights, lifts and pumps, or the loss between a building's master meter and its unit
 * meters) is divided among units by floor area, by their own consumption, or a mix.
 *
 * Parts are integer Wh by the largest-remainder (Hamilton) method computed in exact integer
 * arithmetic (BigInt), so the parts add up to the pool exactly and each part is within 1 Wh of its
 * exact quota. Ties in the remainder go to the larger weight, then to the earlier unit in input
 * order, so a statement run twice prints the same figures.
 */

/** Weights are scaled to integers with up to this many decimals (areas like 89.37 m² are exact). */
const WEIGHT_DECIMALS = 6

function toScaledBigInt(w: number): bigint {
  if (!Number.isFinite(w) || w < 0) throw new RangeError(`weight ${w} must be a finite number ≥ 0`)
  return BigInt(Math.round(w * 10 ** WEIGHT_DECIMALS))
}

/**
 * Splits `totalWh` (a non-negative integer) in proportion to `weights`; the result has the same
 * order and sums to `totalWh` exactly. Throws when every weight is zero (nothing to divide by).
 */
export function largestRemainder(totalWh: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(totalWh) || totalWh < 0)
    throw new RangeError(`total ${totalWh} must be a non-negative integer Wh`)
  const w = weights.map(toScaledBigInt)
  const sum = w.reduce((a, b) => a + b, 0n)
  if (sum === 0n) throw new RangeError('cannot allocate by weights that are all zero')
  const total = BigInt(totalWh)
  const parts = w.map((wi) => (total * wi) / sum)
  const rems = w.map((wi) => (total * wi) % sum)
  let left = total - parts.reduce((a, b) => a + b, 0n)
  const order = w.map((_, i) => i)
  order.sort((a, b) => {
    const ra = rems[a]!
    const rb = rems[b]!
    if (ra !== rb) return ra > rb ? -1 : 1
    if (w[a] !== w[b]) return w[a]! > w[b]! ? -1 : 1
    return a - b
  })
  for (const i of order) {
    if (left === 0n) break
    parts[i] = parts[i]! + 1n
    left--
  }
  return parts.map(Number)
}

export type AllocationBasis = 'area' | 'consumption' | 'equal'

export interface AllocationUnit {
  unitId: string
  areaM2?: number
  /** The unit's own metered energy over the same period. */
  consumptionWh?: number
}

/** 'area', 'consumption', or a mix: `areaShare` of the pool by area and the rest by consumption. */
export type AllocationMethod = 'area' | 'consumption' | { areaShare: number }

export interface AllocationLine {
  unitId: string
  energyWh: number
  /** Share of the pool in percent, rounded to 0.01 for statements. */
  sharePct: number
}

export interface Allocation {
  poolWh: number
  /** The basis actually used: consumption falls back to area (or equal parts) when nobody consumed. */
  basisUsed: AllocationBasis | 'mixed'
  lines: AllocationLine[]
}

function weightsFor(
  units: readonly AllocationUnit[],
  basis: 'area' | 'consumption',
): number[] | null {
  const w = units.map((u) => (basis === 'area' ? u.areaM2 : u.consumptionWh))
  if (w.some((x) => x === undefined)) return null
  const nums = w as number[]
  return nums.some((x) => x > 0) ? nums : null
}

function allocateOne(
  poolWh: number,
  units: readonly AllocationUnit[],
  basis: 'area' | 'consumption',
): { parts: number[]; used: AllocationBasis } {
  const primary = weightsFor(units, basis)
  if (primary !== null) return { parts: largestRemainder(poolWh, primary), used: basis }
  const area = weightsFor(units, 'area')
  if (area !== null) return { parts: largestRemainder(poolWh, area), used: 'area' }
  return {
    parts: largestRemainder(
      poolWh,
      units.map(() => 1),
    ),
    used: 'equal',
  }
}

/** Divides one pool among units. */
export function allocatePool(
  poolWh: number,
  units: readonly AllocationUnit[],
  method: AllocationMethod,
): Allocation {
  if (units.length === 0) throw new RangeError('no units to allocate to')
  let parts: number[]
  let basisUsed: Allocation['basisUsed']
  if (typeof method === 'string') {
    const r = allocateOne(poolWh, units, method)
    parts = r.parts
    basisUsed = r.used
  } else {
    const s = method.areaShare
    if (!(s >= 0 && s <= 1)) throw new RangeError('areaShare must be within 0–1')
    const [byArea, byUse] = largestRemainder(poolWh, [s, 1 - s]) as [number, number]
    const a = allocateOne(byArea, units, 'area')
    const c = allocateOne(byUse, units, 'consumption')
    parts = a.parts.map((x, i) => x + c.parts[i]!)
    basisUsed =
      a.used === 'area' && c.used === 'consumption' ? 'mixed' : c.used === a.used ? a.used : 'mixed'
  }
  return {
    poolWh,
    basisUsed,
    lines: units.map((u, i) => ({
      unitId: u.unitId,
      energyWh: parts[i]!,
      sharePct: poolWh === 0 ? 0 : Math.round((parts[i]! / poolWh) * 10_000) / 100,
    })),
  }
}

export interface LineLoss {
  lossWh: number
  lossPct: number
  /** The unit meters add up to more than the master meter: a meter fault, nothing to allocate. */
  subMetersExceedMaster: boolean
}

/** Loss between a master meter and its unit meters (损耗), never negative. */
export function lineLoss(masterWh: number, subMeterWh: readonly number[]): LineLoss {
  const sub = subMeterWh.reduce((a, b) => a + b, 0)
  const diff = masterWh - sub
  return {
    lossWh: Math.max(0, diff),
    lossPct: masterWh > 0 ? Math.round((Math.max(0, diff) / masterWh) * 10_000) / 100 : 0,
    subMetersExceedMaster: diff < 0,
  }
}

export interface Pool {
  /** The common-area meter, or e.g. 'loss:B03' for a building's line loss. */
  poolId: string
  energyWh: number
  method: AllocationMethod
  /** Units sharing this pool (a building's units for its stairwell meter, the site's for the pump room). */
  unitIds: readonly string[]
}

export interface StatementLine {
  unitId: string
  totalWh: number
  parts: { poolId: string; energyWh: number; sharePct: number; basis: Allocation['basisUsed'] }[]
}

/** Several pools over a site's units → one statement line per unit with its breakdown. */
export function allocatePools(
  pools: readonly Pool[],
  units: readonly AllocationUnit[],
): StatementLine[] {
  const byId = new Map(units.map((u) => [u.unitId, u]))
  const lines = new Map<string, StatementLine>(
    units.map((u) => [u.unitId, { unitId: u.unitId, totalWh: 0, parts: [] }]),
  )
  for (const pool of pools) {
    const members = pool.unitIds.map((id) => {
      const u = byId.get(id)
      if (u === undefined) throw new RangeError(`pool ${pool.poolId} names unknown unit ${id}`)
      return u
    })
    const a = allocatePool(pool.energyWh, members, pool.method)
    for (const l of a.lines) {
      const line = lines.get(l.unitId)!
      line.totalWh += l.energyWh
      line.parts.push({
        poolId: pool.poolId,
        energyWh: l.energyWh,
        sharePct: l.sharePct,
        basis: a.basisUsed,
      })
    }
  }
  return [...lines.values()]
}
