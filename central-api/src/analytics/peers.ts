/**
 * "Similar units": peers are meters of the same class — profile plus a floor-area band for homes
 * (a 50 m² flat is not compared with a 140 m² one). A figure is placed among its class by median
 * and mid-rank percentile; with fewer than MIN_PEERS in a class nothing is said (a comparison
 * with three neighbours is noise, and it may reveal their consumption).
 */
import { percentileRank, quantileSorted } from './stats.ts'

export const MIN_PEERS = 10

/** Household area bands (m²): <60, 60–90, 90–120, ≥120. */
export function sizeClass(profile: string, areaM2?: number): string {
  if (profile !== 'household' || areaM2 === undefined || !Number.isFinite(areaM2)) return profile
  const band = areaM2 < 60 ? '<60' : areaM2 < 90 ? '60-90' : areaM2 < 120 ? '90-120' : '120+'
  return `${profile}:${band}`
}

export interface PeerPosition {
  peerClass: string
  /** Peers with a figure, the row itself included. */
  peers: number
  median: number
  /** 0–100: share of peers below, ties counted half. */
  percentile: number
}

/**
 * For each row: its position among the rows of the same class. Rows with a non-finite value or
 * no class, and classes with fewer than `minPeers` members, get null.
 */
export function peerPositions(
  values: ArrayLike<number>,
  classOf: (row: number) => string | undefined,
  minPeers = MIN_PEERS,
): (PeerPosition | null)[] {
  const groups = new Map<string, number[]>()
  const cls: (string | undefined)[] = []
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!
    const c = Number.isFinite(v) ? classOf(r) : undefined
    cls.push(c)
    if (c === undefined) continue
    let g = groups.get(c)
    if (g === undefined) groups.set(c, (g = []))
    g.push(v)
  }
  for (const g of groups.values()) g.sort((a, b) => a - b)
  const out: (PeerPosition | null)[] = []
  for (let r = 0; r < values.length; r++) {
    const c = cls[r]
    const g = c === undefined ? undefined : groups.get(c)
    if (c === undefined || g === undefined || g.length < minPeers) {
      out.push(null)
      continue
    }
    out.push({
      peerClass: c,
      peers: g.length,
      median: quantileSorted(g, 0.5),
      percentile: percentileRank(g, values[r]!),
    })
  }
  return out
}
