/**
 * Deterministic synthetic fleets for the tests and the bench: households, shops and factories
 * with daily curves, weekday/weekend patterns, annual seasons (summer air-conditioning, winter
 * heating), day-to-day and interval noise, prepaid credit with top-ups (vends) and, for some
 * customers, credit that runs out so the relay opens — plus planted anomalies with known dates.
 *
 * One generator pass per meter emits either the store row directly (what ingest would build from
 * the readings, including silent gaps spread and flagged) or the MeterReading stream itself, so a
 * test can prove that readings → ingest gives exactly the row the bench uses.
 */
import type { MeterReading } from '@gridtill/shared'
import { allocatePool } from './allocation.ts'
import { DAY_MS, HOUR_MS, isWeekend, type Calendar } from './calendar.ts'
import {
  MISSING_16,
  emptyIntervals,
  getBit,
  putEnergy,
  setBit,
  type IntervalStore,
  type MeterIntervals,
} from './interval-store.ts'
import { Prng, hash32 } from './prng.ts'

export type Profile = 'household' | 'shop' | 'factory'
export type SiteKind = 'residential' | 'commercial' | 'industrial'

/** Average demand (W) per local hour at scale 1. */
const CURVE_W: Record<Profile, readonly number[]> = {
  household: [
    120, 100, 90, 90, 100, 150, 300, 450, 350, 250, 220, 260, 340, 290, 240, 240, 290, 520, 850,
    980, 900, 720, 430, 200,
  ],
  shop: [
    250, 250, 250, 250, 250, 250, 260, 300, 1200, 2200, 2400, 2600, 2700, 2600, 2500, 2500, 2600,
    2800, 3000, 3000, 2800, 1500, 300, 250,
  ],
  factory: [
    4000, 4000, 4000, 4000, 4000, 4500, 9000, 28000, 32000, 33000, 33000, 30000, 26000, 31000,
    33000, 33000, 32000, 30000, 29000, 29000, 28000, 27000, 18000, 6000,
  ],
}
const WEEKEND_FACTOR: Record<Profile, number> = { household: 1.1, shop: 1.15, factory: 0.3 }
/** ± uniform interval noise, and σ of the log day factor (a busy day, a cool day). */
const JITTER: Record<Profile, number> = { household: 0.35, shop: 0.2, factory: 0.12 }
const DAY_SIGMA: Record<Profile, number> = { household: 0.15, shop: 0.08, factory: 0.06 }
/** Short high loads (kettle, hob) per interval: probability and average W over the interval. */
const SPIKE: Record<Profile, { p: number; w: number }> = {
  household: { p: 0.08, w: 600 },
  shop: { p: 0.04, w: 800 },
  factory: { p: 0.02, w: 6000 },
}
/** Annual season: extra load at the summer peak (late July) and the winter peak (mid January). */
const SUMMER: Record<Profile, number> = { household: 0.45, shop: 0.3, factory: 0.08 }
const WINTER: Record<Profile, number> = { household: 0.2, shop: 0.1, factory: 0 }
export const PRICE_FEN_PER_KWH: Record<Profile, number> = { household: 56, shop: 85, factory: 72 }

export interface SyntheticMeter {
  meterNo: string
  profile: Profile
  site: string
  siteKind: SiteKind
  building: string
  unit: string
  areaM2: number
  /** Multiplies the profile curve. */
  scale: number
  seed: number
  /** Typical daily energy at scale (Wh), used by the customer's top-up habit. */
  typicalDailyWh: number
  /** Buys this many days of typical use per top-up … */
  topUpDays: number
  /** … when fewer than this many days are left. */
  topUpAtDays: number
  /** Chance, each low-credit day, of not topping up (and sometimes running out). */
  lateProb: number
}

export type Plant =
  /** Consumption × factor from fromMs on, relay closed (a bypass; the meter sees only part of the load). */
  | { kind: 'drop'; meterNo: string; fromMs: number; factor: number; tamperFlag?: boolean }
  | { kind: 'rise'; meterNo: string; fromMs: number; factor: number }
  /** Register stops while the relay stays closed (a stopped meter or a full bypass). */
  | { kind: 'zero'; meterNo: string; fromMs: number; toMs: number }
  /** No readings at all (communication lost); the register keeps counting. */
  | { kind: 'silent'; meterNo: string; fromMs: number; toMs: number }
  /** Credit forced to zero and no top-up: the relay opens (normal prepaid behaviour, not an anomaly). */
  | { kind: 'creditOut'; meterNo: string; fromMs: number; toMs: number }
  /** A device added to the load: e.g. an always-on water heater, or an evening heater (hours 18–22). */
  | {
      kind: 'extraLoad'
      meterNo: string
      fromMs: number
      addW: number
      fromHour?: number
      toHour?: number
    }
  /** Nobody home: only the always-on base load (fridge, router) between the dates. */
  | { kind: 'vacation'; meterNo: string; fromMs: number; toMs: number }
  /** The whole site slows down together (a holiday shutdown): peers move alike. */
  | { kind: 'siteHoliday'; site: string; fromMs: number; toMs: number; factor: number }

export interface VendRecord {
  meterNo: string
  at: number
  energyWh: number
  amountFen: number
}

export interface FleetOptions {
  seed: number
  meters: number
  /** Default: one site per 500 meters. */
  sites?: number
}

const KIND_WEIGHT: Record<SiteKind, number> = { residential: 1, commercial: 0.4, industrial: 0.25 }
const UNITS_PER_BUILDING: Record<SiteKind, number> = {
  residential: 60,
  commercial: 40,
  industrial: 12,
}

function siteKindOf(s: number): SiteKind {
  // 70 % residential communities, 20 % commercial complexes, 10 % industrial parks.
  const k = s % 10
  return k < 7 ? 'residential' : k < 9 ? 'commercial' : 'industrial'
}

function profileFor(kind: SiteKind, u: number): Profile {
  switch (kind) {
    case 'residential':
      return u < 0.96 ? 'household' : 'shop'
    case 'commercial':
      return 'shop'
    case 'industrial':
      return u < 0.75 ? 'factory' : 'shop'
  }
}

/** A fleet spread over residential communities, commercial complexes and industrial parks. */
export function syntheticFleet(opts: FleetOptions): SyntheticMeter[] {
  const siteCount = opts.sites ?? Math.max(1, Math.round(opts.meters / 500))
  const kinds = Array.from({ length: siteCount }, (_, s) => siteKindOf(s))
  const perSite = allocatePool(
    opts.meters,
    kinds.map((k, s) => ({ unitId: String(s), areaM2: KIND_WEIGHT[k] })),
    'area',
  ).lines.map((l) => l.energyWh)
  const rng = new Prng(opts.seed)
  const out: SyntheticMeter[] = []
  for (let s = 0; s < siteCount; s++) {
    const kind = kinds[s]!
    const site = `S${String(s + 1).padStart(2, '0')}`
    const n = perSite[s]!
    for (let k = 0; k < n; k++) {
      const i = out.length
      const profile = profileFor(kind, rng.next())
      const b = Math.floor(k / UNITS_PER_BUILDING[kind]) + 1
      const inBuilding = k % UNITS_PER_BUILDING[kind]
      const floor = Math.floor(inBuilding / 3) + 1
      const areaM2 =
        profile === 'household'
          ? Math.round((45 + rng.next() * 105) * 100) / 100
          : profile === 'shop'
            ? Math.round((30 + rng.next() * 170) * 100) / 100
            : Math.round((800 + rng.next() * 2400) * 100) / 100
      const sizeFactor = profile === 'household' ? areaM2 / 90 : 1
      const scale = sizeFactor * Math.exp((profile === 'factory' ? 0.4 : 0.3) * rng.normal())
      const curve = CURVE_W[profile]
      const typicalDailyWh = curve.reduce((a, w) => a + w, 0) * scale
      out.push({
        meterNo: String(30_000_000_000 + i),
        profile,
        site,
        siteKind: kind,
        building: `${site}-B${String(b).padStart(2, '0')}`,
        unit: `${floor}${String((inBuilding % 3) + 1).padStart(2, '0')}`,
        areaM2,
        scale,
        seed: hash32(opts.seed ^ Math.imul(i + 1, 0x9e3779b1)),
        typicalDailyWh,
        topUpDays: 7 + rng.next() * 30,
        topUpAtDays: 1 + rng.next() * 4,
        lateProb: rng.next() < 0.15 ? 0.6 : 0.02,
      })
    }
  }
  return out
}

/**
 * One synthetic meter standing in for a real one (the demo estate's history): its profile and
 * floor area are given, the rest drawn from `seed` the way syntheticFleet draws them.
 */
export function syntheticMeterFor(m: {
  meterNo: string
  profile: Profile
  areaM2: number
  site: string
  siteKind: SiteKind
  building: string
  unit: string
  seed: number
  /** Never lets the credit run out (a common-area meter on a post-paid supply). */
  alwaysTopsUp?: boolean
}): SyntheticMeter {
  const rng = new Prng(m.seed)
  const sizeFactor = m.profile === 'household' ? m.areaM2 / 90 : 1
  const scale = sizeFactor * Math.exp((m.profile === 'factory' ? 0.4 : 0.3) * rng.normal())
  const typicalDailyWh = CURVE_W[m.profile].reduce((a, w) => a + w, 0) * scale
  return {
    meterNo: m.meterNo,
    profile: m.profile,
    site: m.site,
    siteKind: m.siteKind,
    building: m.building,
    unit: m.unit,
    areaM2: m.areaM2,
    scale,
    seed: hash32(m.seed),
    typicalDailyWh,
    topUpDays: 7 + rng.next() * 30,
    topUpAtDays: m.alwaysTopsUp === true ? 1e6 : 1 + rng.next() * 4,
    lateProb: m.alwaysTopsUp === true ? 0 : rng.next() < 0.15 ? 0.6 : 0.02,
  }
}

function makeReading(
  meterNo: string,
  at: number,
  energyWh: number,
  creditWh: number,
  open: boolean,
  tamper: boolean,
): MeterReading {
  return { meterNo, at, energyWh, creditWh, powerW: 0, relay: open ? 'open' : 'closed', tamper }
}

function writeBit(bm: Uint8Array, i: number, on: boolean): void {
  const bit = 1 << (i & 7)
  bm[i >>> 3] = on ? bm[i >>> 3]! | bit : bm[i >>> 3]! & ~bit
}

function gauss(x: number, sigma: number): number {
  return Math.exp(-0.5 * (x / sigma) ** 2)
}

/** Annual season multiplier for a local day number. */
export function seasonFactor(profile: Profile, dn: number): number {
  const year = new Date(dn * DAY_MS).getUTCFullYear()
  const doy = dn - Date.UTC(year, 0, 1) / DAY_MS
  const winter = gauss(doy - 15, 30) + gauss(doy - 380, 30)
  return 1 + SUMMER[profile] * gauss(doy - 205, 35) + WINTER[profile] * winter
}

export interface GenerateOptions {
  /** Write into this row (e.g. the store's), else a new one. */
  into?: MeterIntervals
  /** Vends (top-ups) are appended here. */
  vends?: VendRecord[]
  /** Called with every reading the meter would send (on interval boundaries), in order. */
  onReading?: (r: MeterReading) => void
  /** Register at the grid start. */
  startRegisterWh?: number
}

/** Boundary ranges [lo, hi) without readings. */
type Spans = [number, number][]

/**
 * Generates one meter over the calendar's grid. The row receives the true energies; call
 * `applySilence` with the returned spans to get what ingest would have built from the readings.
 */
export function generateMeter(
  meter: SyntheticMeter,
  cal: Calendar,
  plants: readonly Plant[],
  opts: GenerateOptions = {},
): { row: MeterIntervals; silent: Spans } {
  const { startMs, intervalMs, count } = cal.grid
  const row = opts.into ?? emptyIntervals(count)
  row.estimated.fill(0)
  row.relayOpen.fill(0)
  row.tamper.fill(0)
  const mine = plants.filter((p) =>
    p.kind === 'siteHoliday' ? p.site === meter.site : p.meterNo === meter.meterNo,
  )
  const hasPlants = mine.length > 0
  const silent: Spans = []
  let noReading: Uint8Array | null = null
  for (const p of mine) {
    if (p.kind !== 'silent') continue
    const lo = Math.max(0, Math.ceil((p.fromMs - startMs) / intervalMs))
    const hi = Math.min(count + 1, Math.ceil((p.toMs - startMs) / intervalMs))
    if (hi <= lo) continue
    silent.push([lo, hi])
    noReading ??= new Uint8Array(count + 1)
    noReading.fill(1, lo, hi)
  }

  const rng = new Prng(meter.seed)
  // Interval noise from an inlined xorshift32: this loop runs 350 M times in the bench.
  let x = hash32(meter.seed ^ 0x5bd1e995) | 1
  const curve = CURVE_W[meter.profile]
  const jitter = JITTER[meter.profile]
  const spikeP = SPIKE[meter.profile].p
  const spikeW = SPIKE[meter.profile].w * meter.scale
  const daySigma = DAY_SIGMA[meter.profile]
  const baseW = Math.min(...curve) * meter.scale
  const whPerW = intervalMs / HOUR_MS
  const price = PRICE_FEN_PER_KWH[meter.profile]
  const dailyCostFen = (meter.typicalDailyWh * price) / 1000
  const emit = opts.onReading
  let register = opts.startRegisterWh ?? Math.floor(rng.next() * 5_000_000)
  let credit = Math.round(meter.typicalDailyWh * (3 + rng.next() * 20))
  let relayOpen = false
  let energy = row.energy
  // The latest reading's state (kept in locals: a closure over them would slow the hot loop).
  let lastAt = Number.NaN
  let lastCredit = Number.NaN
  let lastOpen = false

  for (let d = 0; d < cal.dayCount; d++) {
    const dn = cal.dayNumber[d]!
    const weekend = isWeekend(cal.weekday[d]!)
    const dayF =
      meter.scale *
      Math.exp(daySigma * rng.normal()) *
      (weekend ? WEEKEND_FACTOR[meter.profile] : 1) *
      seasonFactor(meter.profile, dn)
    const d0 = cal.dayStart[d]!
    const d1 = cal.dayStart[d + 1]!
    // The customer's top-up habit, decided once a day: buy when low unless late today; once the
    // relay is open, come within a day or two.
    let topUpAt = -1
    const low = credit < meter.topUpAtDays * meter.typicalDailyWh
    if ((relayOpen && rng.next() < 0.6) || (!relayOpen && low && rng.next() >= meter.lateProb)) {
      const from = d0 + Math.round((8 * HOUR_MS) / intervalMs)
      const to = d0 + Math.round((21 * HOUR_MS) / intervalMs)
      topUpAt = Math.min(d1 - 1, from + Math.floor(rng.next() * Math.max(1, to - from)))
    }
    for (let i = d0; i < d1; i++) {
      let factor = 1
      let zero = false
      let noTopUp = false
      let tamperNow = false
      let away = false
      let extraW = 0
      if (hasPlants) {
        const t = startMs + i * intervalMs
        for (const p of mine) {
          switch (p.kind) {
            case 'drop':
              if (t >= p.fromMs) {
                factor *= p.factor
                tamperNow ||= p.tamperFlag === true && t < p.fromMs + 4 * intervalMs
              }
              break
            case 'rise':
              if (t >= p.fromMs) factor *= p.factor
              break
            case 'zero':
              if (t >= p.fromMs && t < p.toMs) zero = true
              break
            case 'creditOut':
              if (t >= p.fromMs && t < p.toMs) {
                noTopUp = true
                if (t < p.fromMs + intervalMs) credit = 0
              }
              break
            case 'siteHoliday':
              if (t >= p.fromMs && t < p.toMs) factor *= p.factor
              break
            case 'vacation':
              if (t >= p.fromMs && t < p.toMs) away = true
              break
            case 'extraLoad': {
              const h = cal.intervalHour[i]!
              if (t >= p.fromMs && h >= (p.fromHour ?? 0) && h < (p.toHour ?? 24)) extraW += p.addW
              break
            }
            case 'silent':
              break
          }
        }
      }
      if (i === topUpAt && !noTopUp) {
        const amountFen = Math.max(
          5_000,
          Math.ceil((dailyCostFen * meter.topUpDays) / 5_000) * 5_000,
        )
        // Tokens carry 0.1 kWh units (DESIGN.md): the energy bought is whole 100 Wh.
        const energyWh = Math.floor((amountFen * 10) / price) * 100
        credit += energyWh
        relayOpen = false
        opts.vends?.push({
          meterNo: meter.meterNo,
          at: startMs + i * intervalMs,
          energyWh,
          amountFen,
        })
      }
      if (credit <= 0) relayOpen = true
      if (noReading === null || noReading[i] === 0) {
        lastAt = startMs + i * intervalMs
        lastCredit = credit
        lastOpen = relayOpen
        if (emit !== undefined)
          emit(makeReading(meter.meterNo, lastAt, register, credit, relayOpen, tamperNow))
      }

      const h = cal.intervalHour[i]!
      const a = curve[h]!
      const b = curve[h === 23 ? 0 : h + 1]!
      const w0 = a + ((b - a) * (((i - d0) * intervalMs) % HOUR_MS)) / HOUR_MS
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      let w = (away ? baseW : w0 * dayF) * (1 + jitter * (2 * ((x >>> 0) / 4294967296) - 1))
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      const u = (x >>> 0) / 4294967296
      // One draw decides the spike and its size: u < p, scaled to 0–2× the mean spike.
      if (u < spikeP && !away) w += spikeW * 2 * (u / spikeP)
      w += extraW
      let wh = Math.round(w * whPerW * factor)
      if (wh < 0 || relayOpen || zero) wh = 0
      if (wh > credit) wh = credit // the relay opens when the credit is used up
      if (wh >= MISSING_16) {
        putEnergy(row, i, wh)
        energy = row.energy
      } else energy[i] = wh
      if (relayOpen) setBit(row.relayOpen, i)
      if (tamperNow) setBit(row.tamper, i)
      register += wh
      credit -= wh
    }
  }
  // The reading that closes the last interval.
  if (noReading === null || noReading[count] === 0) {
    lastAt = startMs + count * intervalMs
    lastCredit = credit
    lastOpen = relayOpen
    if (emit !== undefined)
      emit(makeReading(meter.meterNo, lastAt, register, credit, relayOpen, false))
  }
  row.lastReadingAt = lastAt
  row.lastCreditWh = lastCredit
  row.lastRelayClosed = !lastOpen
  return { row, silent }
}

/**
 * What ingest builds where readings are missing: energy between the readings either side of the
 * gap spread evenly (with the same rounding as ingest), flagged estimated when the pair is more
 * than two intervals apart; relay and tamper carried from the reading before; MISSING when no
 * reading follows (or none precedes).
 */
export function applySilence(row: MeterIntervals, silent: Spans, count: number): void {
  const e = row.energy
  const miss = e instanceof Uint16Array ? MISSING_16 : 0xffffffff
  for (const [lo, hi] of silent) {
    const pLo = lo - 1 // boundary of the last reading before the gap
    const pHi = hi // boundary of the first reading after it
    if (pLo < 0 || pHi > count) {
      // Nothing on one side to spread from: the intervals are unknown; relay and tamper carry
      // the state of the reading before (closed / none when there is none).
      const from = Math.max(0, pLo)
      const to = Math.min(count, pHi)
      const open = pLo >= 0 && getBit(row.relayOpen, pLo)
      const tamper = pLo >= 0 && getBit(row.tamper, pLo)
      for (let i = from; i < to; i++) {
        e[i] = miss
        if (i > pLo) {
          writeBit(row.relayOpen, i, open)
          writeBit(row.tamper, i, tamper)
        }
      }
      continue
    }
    let total = 0
    for (let i = pLo; i < pHi; i++) total += e[i]!
    const L = pHi - pLo
    const open = getBit(row.relayOpen, pLo)
    const tamper = getBit(row.tamper, pLo)
    let prev = 0
    for (let i = pLo; i < pHi; i++) {
      const cur = Math.round(((i + 1 - pLo) / L) * total)
      e[i] = cur - prev
      prev = cur
      if (L > 2) setBit(row.estimated, i)
      if (i > pLo) {
        writeBit(row.relayOpen, i, open)
        writeBit(row.tamper, i, tamper)
      }
    }
  }
}

/** Fills every row of the store from the fleet (meters must be in the store's row order). */
export function fillStore(
  store: IntervalStore,
  cal: Calendar,
  fleet: readonly SyntheticMeter[],
  plants: readonly Plant[] = [],
  vends?: VendRecord[],
): void {
  if (fleet.length !== store.size) throw new RangeError('fleet and store differ in size')
  for (let r = 0; r < fleet.length; r++) {
    const m = fleet[r]!
    if (store.meterNos[r] !== m.meterNo) throw new RangeError(`row ${r} is not meter ${m.meterNo}`)
    const opts: GenerateOptions = { into: store.rows[r]! }
    if (vends !== undefined) opts.vends = vends
    const { row, silent } = generateMeter(m, cal, plants, opts)
    applySilence(row, silent, cal.grid.count)
    store.setRow(r, row)
  }
}

/** The readings a meter would have sent (one per interval boundary, except while silent). */
export function readingsFor(
  meter: SyntheticMeter,
  cal: Calendar,
  plants: readonly Plant[] = [],
): MeterReading[] {
  const out: MeterReading[] = []
  generateMeter(meter, cal, plants, { onReading: (r) => out.push(r) })
  return out
}
