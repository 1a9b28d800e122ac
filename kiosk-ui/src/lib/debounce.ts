/** Kiosk practice (lamassu): a button ignores repeats for 300 ms so a shaky double tap counts once. */
export const TAP_GUARD_MS = 300

/** Returns a function that says whether a tap now should count; taps within `ms` of the last counted one do not. */
export function createTapGuard(
  ms: number = TAP_GUARD_MS,
  now: () => number = () => performance.now(),
): () => boolean {
  let last = Number.NEGATIVE_INFINITY
  return () => {
    const t = now()
    if (t - last < ms) return false
    last = t
    return true
  }
}
