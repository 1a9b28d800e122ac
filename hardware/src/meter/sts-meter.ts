import type { BaseDate, DecodedToken, KeyChangeSection, StsKey } from '@gridtill/shared'
import {
  assembleKeyChange,
  BASE_DATES,
  checkKey,
  decodeToken,
  formatKeyHex,
  isBaseDate,
  isKeyChangeSection,
  isTidWithinKen,
  keyBits,
  keyChangeSubclasses,
  normalizeToken,
  parseKeyHex,
  StsError,
  StsErrorCode,
} from '@gridtill/shared'

/**
 * The meter's side of STS (sts.md §9): decrypt and check, TID memory, key expiry, key change,
 * the class 2 functions and keypad lock-out. No timers: every time comes from the injected clock,
 * and the whole state exports as JSON for the simulator fleet to persist.
 */

export interface StsMeterOptions {
  /** TIDs remembered (the standard keeps the last 50). */
  tidMemorySize: number
  /** A half-entered key change is dropped after this long. */
  keyChangeTimeoutMs: number
  /** Consecutive rejects that lock the keypad… */
  maxRejects: number
  /** …for this long. */
  lockoutMs: number
}

export const DEFAULT_STS_METER_OPTIONS: StsMeterOptions = {
  tidMemorySize: 50,
  keyChangeTimeoutMs: 5 * 60_000,
  maxRejects: 5,
  lockoutMs: 10 * 60_000,
}

export interface StsMeterConfig {
  key: StsKey
  baseDate: BaseDate
  ken: number
  kt: number
  krn: number
  ti: string
  sgc: string
  /** The manufacturer code class 1 tokens must carry (0 in a token addresses every make). */
  mfrCode: number
  /** UTC ms. */
  clock: () => number
  options?: Partial<StsMeterOptions>
}

export type MeterRejectReason =
  | 'FORMAT' // not 20 digits, or not a token type the meter knows
  | 'CRC' // wrong key or a typo
  | 'USED' // TID already in the TID memory
  | 'OLD' // TID older than the oldest remembered
  | 'KEY_EXPIRED' // TID's top 8 bits exceed KEN
  | 'KEY_CHANGE_INCOMPLETE' // fails CRC while a key change is half entered: finish that first
  | 'NOT_SUPPORTED' // valid, but not for an electricity meter (water, gas, time credit)
  | 'MANUFACTURER' // class 1 for another make
  | 'LOCKED_OUT' // keypad locked after repeated rejects

export type MeterFunctionKind =
  | 'maxPowerLimit'
  | 'clearCredit'
  | 'tariffRate'
  | 'clearTamper'
  | 'phaseUnbalanceLimit'
  | 'waterMeterFactor'

export type MeterTokenResult =
  | { result: 'accepted'; kind: 'credit'; units: number; tid: number }
  | { result: 'accepted'; kind: MeterFunctionKind; value: number; tid: number }
  | { result: 'accepted'; kind: 'test'; control: string }
  | { result: 'accepted'; kind: 'keyChangeSection'; remaining: number }
  | { result: 'accepted'; kind: 'keyChange'; rollover: boolean }
  | { result: 'rejected'; reason: MeterRejectReason }

/** The meter's whole state, JSON-serialisable. It holds the decoder key, as a real meter does. */
export interface StsMeterState {
  version: 1
  key: { ea: StsKey['ea']; dk: string }
  baseDate: BaseDate
  ken: number
  kt: number
  krn: number
  ti: string
  sgc: string
  mfrCode: number
  /** 0.1 kWh. */
  creditUnits: number
  /** Ascending; at most tidMemorySize entries. */
  tidMemory: number[]
  maxPowerW: number | null
  phaseUnbalanceLimitW: number | null
  tariffRate: number | null
  waterMeterFactor: number | null
  tamper: boolean
  pendingKeyChange: { startedAt: number; sections: KeyChangeSection[] } | null
  consecutiveRejects: number
  lockedUntil: number | null
}

const FUNCTION_KIND: Record<number, MeterFunctionKind> = {
  0: 'maxPowerLimit',
  1: 'clearCredit',
  2: 'tariffRate',
  5: 'clearTamper',
  6: 'phaseUnbalanceLimit',
  7: 'waterMeterFactor',
}

const ALL_REGISTERS = 0xffff
const ELECTRICITY_REGISTER = 0

export class StsMeter {
  readonly options: StsMeterOptions
  readonly #clock: () => number
  #s: StsMeterState
  #key: StsKey

  constructor(config: StsMeterConfig) {
    this.options = { ...DEFAULT_STS_METER_OPTIONS, ...config.options }
    this.#clock = config.clock
    const { key } = config
    checkKey(key)
    this.#s = {
      version: 1,
      key: { ea: key.ea, dk: formatKeyHex(key.dk, keyBits(key.ea)) },
      baseDate: config.baseDate,
      ken: config.ken,
      kt: config.kt,
      krn: config.krn,
      ti: config.ti,
      sgc: config.sgc,
      mfrCode: config.mfrCode,
      creditUnits: 0,
      tidMemory: [],
      maxPowerW: null,
      phaseUnbalanceLimitW: null,
      tariffRate: null,
      waterMeterFactor: null,
      tamper: false,
      pendingKeyChange: null,
      consecutiveRejects: 0,
      lockedUntil: null,
    }
    this.#key = { ea: key.ea, dk: key.dk }
    checkState(this.#s)
  }

  /** A meter restored from exportState(). */
  static fromState(
    state: StsMeterState,
    clock: () => number,
    options?: Partial<StsMeterOptions>,
  ): StsMeter {
    const dk = parseKeyHex(state.key.dk, keyBits(state.key.ea), 'state key')
    const meter = new StsMeter({
      ...state,
      key: { ea: state.key.ea, dk },
      clock,
      ...(options ? { options } : {}),
    })
    meter.importState(state)
    return meter
  }

  exportState(): StsMeterState {
    return structuredClone(this.#s)
  }

  importState(state: StsMeterState): void {
    checkState(state)
    const copy = structuredClone(state)
    this.#key = { ea: copy.key.ea, dk: parseKeyHex(copy.key.dk, keyBits(copy.key.ea), 'state key') }
    this.#s = copy
  }

  get creditUnits(): number {
    return this.#s.creditUnits
  }
  get tamper(): boolean {
    return this.#s.tamper
  }
  get maxPowerW(): number | null {
    return this.#s.maxPowerW
  }
  get tidMemory(): readonly number[] {
    return [...this.#s.tidMemory]
  }
  get keyInfo(): {
    ea: StsKey['ea']
    krn: number
    kt: number
    ti: string
    sgc: string
    ken: number
    baseDate: BaseDate
  } {
    const { key, krn, kt, ti, sgc, ken, baseDate } = this.#s
    return { ea: key.ea, krn, kt, ti, sgc, ken, baseDate }
  }
  isLockedOut(): boolean {
    return this.#s.lockedUntil !== null && this.#clock() < this.#s.lockedUntil
  }

  /** The consumption model draws credit down; returns what was actually drawn. */
  consume(units01: number): number {
    if (!Number.isInteger(units01) || units01 < 0)
      throw new RangeError('units01 must be a whole number of 0.1 kWh')
    const drawn = Math.min(units01, this.#s.creditUnits)
    this.#s.creditUnits -= drawn
    return drawn
  }

  /** The meter detected tampering; a clear-tamper token (2/5) resets it. */
  raiseTamper(): void {
    this.#s.tamper = true
  }

  /** One token keyed in (or delivered): the meter's answer, and its state updated. */
  enterToken(token: string): MeterTokenResult {
    const now = this.#clock()
    const s = this.#s
    if (s.lockedUntil !== null) {
      if (now < s.lockedUntil) return { result: 'rejected', reason: 'LOCKED_OUT' }
      s.lockedUntil = null
    }
    if (
      s.pendingKeyChange !== null &&
      now - s.pendingKeyChange.startedAt > this.options.keyChangeTimeoutMs
    ) {
      s.pendingKeyChange = null
    }
    const result = this.#process(token, now)
    if (result.result === 'accepted') {
      s.consecutiveRejects = 0
    } else if (++s.consecutiveRejects >= this.options.maxRejects) {
      s.consecutiveRejects = 0
      s.lockedUntil = now + this.options.lockoutMs
    }
    return result
  }

  #process(token: string, now: number): MeterTokenResult {
    let decoded: DecodedToken
    try {
      decoded = decodeToken(this.#key, normalizeToken(token))
    } catch (e) {
      if (e instanceof StsError && e.code === StsErrorCode.CRC) {
        return reject(this.#s.pendingKeyChange !== null ? 'KEY_CHANGE_INCOMPLETE' : 'CRC')
      }
      return reject('FORMAT')
    }
    if (decoded.class === 1) {
      if (decoded.mfrCode !== 0 && decoded.mfrCode !== this.#s.mfrCode)
        return reject('MANUFACTURER')
      const width = decoded.subclass === 0 ? 9 : 7
      return {
        result: 'accepted',
        kind: 'test',
        control: decoded.control.toString(16).padStart(width, '0'),
      }
    }
    if (isKeyChangeSection(decoded)) return this.#keyChangeSection(decoded, now)

    const s = this.#s
    // §9 step 2, in the standard's order: key expiry, then USED, then OLD.
    if (!isTidWithinKen(decoded.tid, s.ken)) return reject('KEY_EXPIRED')
    if (s.tidMemory.includes(decoded.tid)) return reject('USED')
    const oldest = s.tidMemory[0]
    if (oldest !== undefined && decoded.tid < oldest) return reject('OLD')

    let accepted: MeterTokenResult
    if (decoded.class === 0) {
      if (decoded.subclass !== 0) return reject('NOT_SUPPORTED')
      s.creditUnits += decoded.units
      accepted = { result: 'accepted', kind: 'credit', units: decoded.units, tid: decoded.tid }
    } else {
      const kind = FUNCTION_KIND[decoded.subclass] as MeterFunctionKind
      this.#apply(kind, decoded.value)
      accepted = { result: 'accepted', kind, value: decoded.value, tid: decoded.tid }
    }
    this.#remember(decoded.tid)
    return accepted
  }

  #apply(kind: MeterFunctionKind, value: number): void {
    const s = this.#s
    switch (kind) {
      case 'maxPowerLimit':
        s.maxPowerW = value
        break
      case 'clearCredit':
        if (value === ELECTRICITY_REGISTER || value === ALL_REGISTERS) s.creditUnits = 0
        break
      case 'tariffRate':
        s.tariffRate = value
        break
      case 'clearTamper':
        s.tamper = false
        break
      case 'phaseUnbalanceLimit':
        s.phaseUnbalanceLimitW = value
        break
      case 'waterMeterFactor':
        s.waterMeterFactor = value
        break
    }
  }

  /** Keeps the TID memory ascending and at most tidMemorySize long, dropping the oldest. */
  #remember(tid: number): void {
    const memory = this.#s.tidMemory
    let i = memory.length
    while (i > 0 && (memory[i - 1] as number) > tid) i--
    memory.splice(i, 0, tid)
    if (memory.length > this.options.tidMemorySize)
      memory.splice(0, memory.length - this.options.tidMemorySize)
  }

  /** §9 step 4: sections in any order; the set completes when every one needed is in. */
  #keyChangeSection(section: KeyChangeSection, now: number): MeterTokenResult {
    const s = this.#s
    const needed = keyChangeSubclasses(s.key.ea)
    if (!needed.includes(section.subclass)) return reject('FORMAT')
    const pending = s.pendingKeyChange ?? { startedAt: now, sections: [] }
    // A section entered again replaces the earlier one.
    pending.sections = [...pending.sections.filter((x) => x.subclass !== section.subclass), section]
    const remaining = needed.filter((n) => !pending.sections.some((x) => x.subclass === n)).length
    if (remaining > 0) {
      s.pendingKeyChange = pending
      return { result: 'accepted', kind: 'keyChangeSection', remaining }
    }
    const change = assembleKeyChange(s.key.ea, pending.sections)
    this.#key = { ea: s.key.ea, dk: change.dk }
    s.key = { ea: s.key.ea, dk: formatKeyHex(change.dk, keyBits(s.key.ea)) }
    s.ken = change.ken
    s.krn = change.krn
    s.kt = change.kt
    s.ti = change.ti
    if (change.sgc !== null) s.sgc = change.sgc
    if (change.rollover) {
      // RO=1 is the cure for a base date running out (§3): the new key counts from the next one.
      s.tidMemory = []
      const next = BASE_DATES[BASE_DATES.indexOf(s.baseDate) + 1]
      if (next !== undefined) s.baseDate = next
    }
    s.pendingKeyChange = null
    return { result: 'accepted', kind: 'keyChange', rollover: change.rollover }
  }
}

function reject(reason: MeterRejectReason): MeterTokenResult {
  return { result: 'rejected', reason }
}

function checkState(s: StsMeterState): void {
  const fail = (what: string): never => {
    throw new StsError(StsErrorCode.INPUT, `meter state: ${what}`)
  }
  if (s.version !== 1) fail('unknown version')
  if (!isBaseDate(s.baseDate)) fail('baseDate must be 1993, 2014 or 2035')
  if (!Number.isInteger(s.ken) || s.ken < 0 || s.ken > 255) fail('ken must be 0–255')
  if (!Number.isInteger(s.kt) || s.kt < 0 || s.kt > 3) fail('kt must be 0–3')
  if (!Number.isInteger(s.krn) || s.krn < 1 || s.krn > 15) fail('krn must be 1–15')
  if (!/^\d{2,3}$/.test(s.ti)) fail('ti must be digits')
  if (!/^\d{6,7}$/.test(s.sgc)) fail('sgc must be 6 digits')
  if (!Number.isInteger(s.mfrCode) || s.mfrCode < 0 || s.mfrCode > 0xffff)
    fail('mfrCode must be 0–65535')
  if (!Number.isInteger(s.creditUnits) || s.creditUnits < 0)
    fail('creditUnits must be a whole number ≥ 0')
  if (
    !Array.isArray(s.tidMemory) ||
    s.tidMemory.some((t, i) => i > 0 && t <= (s.tidMemory[i - 1] as number))
  ) {
    fail('tidMemory must be ascending')
  }
}
