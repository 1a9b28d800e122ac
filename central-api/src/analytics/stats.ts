/** Small robust statistics used by the detectors, forecasts and peer comparisons. */

/** Median of the finite values (NaN when there are none). Does not modify its input. */
export function median(xs: ArrayLike<number>): number {
  const v = finiteSorted(xs)
  return quantileSorted(v, 0.5)
}

/** Median absolute deviation around `center` (unscaled). */
export function mad(xs: ArrayLike<number>, center: number): number {
  const d: number[] = []
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (Number.isFinite(x)) d.push(Math.abs(x - center))
  }
  return median(d)
}

/** 1.4826 × MAD estimates σ for normal data while ignoring outliers. */
export const MAD_TO_SIGMA = 1.4826

export function finiteSorted(xs: ArrayLike<number>): number[] {
  const v: number[] = []
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (Number.isFinite(x)) v.push(x)
  }
  return v.sort((a, b) => a - b)
}

/** Linear-interpolated quantile of an ascending array (type 7, as R and numpy default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const pos = (n - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/**
 * Mid-rank percentile of `x` in an ascending array: the share of values below it plus half the
 * share equal to it, in 0–100. A value tied with every peer ranks 50.
 */
export function percentileRank(sorted: readonly number[], x: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const below = lowerBound(sorted, x, false)
  const atOrBelow = lowerBound(sorted, x, true)
  return (100 * (below + (atOrBelow - below) / 2)) / n
}

/** Count of values < x (or ≤ x with `inclusive`) in an ascending array. */
function lowerBound(sorted: readonly number[], x: number, inclusive: boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (inclusive ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0
  let n = 0
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (Number.isFinite(x)) {
      s += x
      n++
    }
  }
  return n === 0 ? NaN : s / n
}
