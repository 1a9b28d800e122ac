import { isTidWithinKen, TID_MAX } from '@gridtill/shared'

/**
 * TID choice (DESIGN.md, STS tokens; sts.md §3): strictly increasing per meter, never earlier
 * than the minute of issue, so two tokens in one minute cannot collide.
 */
export type TidCheck = { ok: true; tid: number } | { ok: false; reason: 'range' | 'keyExpired' }

export function allocateTid(tidNow: number, lastTid: number, ken: number): TidCheck {
  const tid = Math.max(tidNow, lastTid + 1)
  if (tid > TID_MAX) return { ok: false, reason: 'range' }
  if (!isTidWithinKen(tid, ken)) return { ok: false, reason: 'keyExpired' }
  return { ok: true, tid }
}
