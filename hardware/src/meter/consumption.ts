/**
 * Load model: a daily curve per profile, modulated per simulated minute by noise that is a pure
 * function of (seed, minute). Power is constant within a minute, so the energy between two times is
 * the same however the interval is split into ticks — a fleet ticking every second and a test
 * jumping a day ahead see the same meter.
 */
import type { MeterProfile } from './programming.ts'

export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS
/** 1 Wh in W·ms: power (W) × duration (ms) stays an exact integer until it is a whole Wh. */
export const WMS_PER_WH = 3_600_000

/** Average demand (W) at each hour of the local day. */
const CURVES: Record<MeterProfile, readonly number[]> = {
  // A flat in a residential block: ~8 kWh/day, breakfast bump, evening peak (cooking, AC, TV).
  household: [
    120, 100, 90, 90, 100, 150, 300, 450, 350, 250, 220, 260, 340, 290, 240, 240, 290, 520, 850,
    980, 900, 720, 430, 200,
  ],
  // A small shop: refrigeration all night, lights and AC while open 09–21.
  shop: [
    250, 250, 250, 250, 250, 250, 260, 300, 1200, 2200, 2400, 2600, 2700, 2600, 2500, 2500, 2600,
    2800, 3000, 3000, 2800, 1500, 300, 250,
  ],
  // A light-industry unit on two shifts 07–23.
  factory: [
    4000, 4000, 4000, 4000, 4000, 4500, 9000, 28000, 32000, 33000, 33000, 30000, 26000, 31000,
    33000, 33000, 32000, 30000, 29000, 29000, 28000, 27000, 18000, 6000,
  ],
}

/** How far each minute may deviate from the curve (±). */
const JITTER: Record<MeterProfile, number> = { household: 0.35, shop: 0.2, factory: 0.12 }
/** Chance per minute of a short high load (kettle, induction hob) on top of the curve, and its size. */
const SPIKE: Record<MeterProfile, { p: number; w: number }> = {
  household: { p: 0.04, w: 1800 },
  shop: { p: 0.02, w: 1500 },
  factory: { p: 0.01, w: 15000 },
}
/** Factories run a skeleton load at weekends. */
const WEEKEND_FACTOR: Record<MeterProfile, number> = { household: 1.1, shop: 1.15, factory: 0.3 }

/** 32-bit avalanche hash (lowbias32); uniform enough for load noise and cheap for 10k meters. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0
  x = Math.imul(x, 0x7feb352d) >>> 0
  x = (x ^ (x >>> 15)) >>> 0
  x = Math.imul(x, 0x846ca68b) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

/** A stable seed from a string (FNV-1a), e.g. the meter number. */
export function seedFrom(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  return h
}

function unit(seed: number, minute: number, salt: number): number {
  // Fold the (possibly > 2^32) minute index in two halves so long spans never alias.
  const lo = minute >>> 0
  const hi = Math.floor(minute / 0x1_0000_0000) >>> 0
  return hash32(hash32(hash32(seed ^ salt) ^ lo) ^ hi) / 0x1_0000_0000
}

export interface LoadModel {
  profile: MeterProfile
  seed: number
  /** Offset of the deployment's local time from UTC; the load follows local clocks (Asia/Shanghai: +480). */
  utcOffsetMinutes: number
  /** Scales the whole curve, e.g. a big flat or a small one. */
  scale?: number
}

/** Demand (W) during the simulated minute that contains `simMs`. */
export function demandW(model: LoadModel, simMs: number): number {
  const minute = Math.floor(simMs / MINUTE_MS)
  const localMinute = minute + model.utcOffsetMinutes
  const minuteOfDay = ((localMinute % 1440) + 1440) % 1440
  const hour = Math.floor(minuteOfDay / 60)
  const curve = CURVES[model.profile]
  const a = curve[hour] ?? 0
  const b = curve[(hour + 1) % 24] ?? 0
  let w = a + ((b - a) * (minuteOfDay % 60)) / 60
  // 1970-01-01 was a Thursday: day 0 → weekday 4 (Sunday 0).
  const weekday = (((Math.floor(localMinute / 1440) + 4) % 7) + 7) % 7
  if (weekday === 0 || weekday === 6) w *= WEEKEND_FACTOR[model.profile]
  w *= 1 + (unit(model.seed, minute, 0x9e3779b9) * 2 - 1) * JITTER[model.profile]
  const spike = SPIKE[model.profile]
  if (unit(model.seed, minute, 0x85ebca6b) < spike.p) w += spike.w
  return Math.max(0, Math.round(w * (model.scale ?? 1)))
}

/** A day of average use (Wh) on a weekday, from the profile's curve; noise and spikes ignored. */
export function dailyEnergyWh(profile: MeterProfile, scale = 1): number {
  return Math.round(CURVES[profile].reduce((sum, w) => sum + w, 0) * scale)
}

/** Start of the minute after the one that contains `simMs`. */
export function nextMinute(simMs: number): number {
  return (Math.floor(simMs / MINUTE_MS) + 1) * MINUTE_MS
}
