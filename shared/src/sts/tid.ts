import { StsError, StsErrorCode } from './errors.ts'

/** Decoder-key base dates (sts.md §3): 00:00 UTC on 1 January of these years. */
export const BASE_DATES = [1993, 2014, 2035] as const
export type BaseDate = (typeof BASE_DATES)[number]

/** TIDs are 24 bits: a base date runs out 2^24 minutes after it starts. */
export const TID_MAX = 0xff_ffff
const MINUTE_MS = 60_000

export function isBaseDate(x: unknown): x is BaseDate {
  return x === 1993 || x === 2014 || x === 2035
}

export function baseDateMs(baseDate: BaseDate): number {
  if (!isBaseDate(baseDate))
    throw new StsError(StsErrorCode.INPUT, 'base date must be 1993, 2014 or 2035')
  return Date.UTC(baseDate, 0, 1)
}

/** Whole minutes (seconds dropped) since the base date; ERR_STS_TID_RANGE outside 24 bits. */
export function tidFromTime(utcMs: number, baseDate: BaseDate): number {
  if (!Number.isFinite(utcMs))
    throw new StsError(StsErrorCode.INPUT, 'time must be a finite number of ms')
  const tid = Math.floor((utcMs - baseDateMs(baseDate)) / MINUTE_MS)
  if (tid < 0 || tid > TID_MAX) {
    throw new StsError(
      StsErrorCode.TID_RANGE,
      `time is outside the TID range of base date ${baseDate}; a key change (RO=1) to a later base date is due`,
    )
  }
  return tid
}

/** The UTC ms at which minute `tid` of the base date starts. */
export function timeFromTid(tid: number, baseDate: BaseDate): number {
  if (!Number.isInteger(tid) || tid < 0 || tid > TID_MAX) {
    throw new StsError(StsErrorCode.INPUT, `tid must be an integer from 0 to ${TID_MAX}`)
  }
  return baseDateMs(baseDate) + tid * MINUTE_MS
}

/** A key may not be used for a TID whose top 8 bits exceed its KEN (§3). */
export function isTidWithinKen(tid: number, ken: number): boolean {
  return tid >>> 16 <= ken
}

export function assertTidWithinKen(tid: number, ken: number): void {
  if (!isTidWithinKen(tid, ken)) {
    throw new StsError(
      StsErrorCode.KEY_EXPIRED,
      `the key expired: TID's top 8 bits (${tid >>> 16}) exceed KEN ${ken}`,
    )
  }
}
