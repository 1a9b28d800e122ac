import { decodeAmount, encodeAmount } from './amount.ts'
import { tokenCrc } from './crc.ts'
import { checkInt, StsError, StsErrorCode } from './errors.ts'
import type { StsKey } from './key.ts'
import { checkKeyValue, decryptBlock, encryptBlock, prepareKey } from './key.ts'
import { fromDigits, normalizeToken, toDigits, transpose, untranspose } from './layout.ts'
import { TID_MAX } from './tid.ts'

/**
 * Token layouts (sts.md §2) and the whole pipeline of §1. Internally a plain block is two 32-bit
 * halves: `hi` = subclass(4) ‖ payload bits 43..16, `lo` = payload bits 15..0 ‖ crc(16).
 */

/** Class 0: credit. Subclass 0 electricity (0.1 kWh), 1 water (0.1 m³), 2 gas (0.1 m³), 3 time (0.1 min). */
export interface CreditToken {
  class: 0
  subclass: 0 | 1 | 2 | 3
  rnd: number
  tid: number
  /** In 0.1 units; encoded with round-up, so a decoded token may show a little more (§4). */
  units: number
}

/**
 * Class 2 without the key-change sections. `value`: subclass 0 maximum power limit and 6 maximum
 * phase power unbalance limit in W (amount encoding, rounded up); 1 the register to clear
 * (0xFFFF = all); 2 tariff rate and 7 water meter factor as the raw 16-bit field; 5 always 0.
 */
export interface ManagementToken {
  class: 2
  subclass: 0 | 1 | 2 | 5 | 6 | 7
  rnd: number
  tid: number
  value: number
}

/** Class 1, never encrypted: 1/0 has a 36-bit control field and an 8-bit manufacturer code, 1/1 28 and 16. */
export interface TestToken {
  class: 1
  subclass: 0 | 1
  control: bigint
  mfrCode: number
}

export type StsToken = CreditToken | ManagementToken | TestToken

/** A decoder key change (2/3, 2/4 and, for MISTY1, 2/8, 2/9), sent under the meter's current key. */
export interface KeyChange {
  /** The new decoder key: 64 bits for STA, 128 for MISTY1 (the same algorithm as the current key). */
  dk: bigint
  kt: number
  krn: number
  /** Tariff index, 2 digits. */
  ti: string
  /** Supply group code, 6 digits; carried by MISTY1 key changes only. */
  sgc: string
  /** Key expiry number, 0–255. */
  ken: number
  /** RO: the meter clears its TID memory (a TID-rollover key change, §3). */
  rollover: boolean
}

/** 2/3: KENHO ‖ KRN ‖ RO ‖ reserved ‖ KT ‖ new key bits 63..32 (STA) / 127..96 (MISTY1). */
export interface KeyChangeSection1 {
  class: 2
  subclass: 3
  kenHo: number
  krn: number
  rollover: boolean
  kt: number
  /** 32 bits of the new key. */
  dkPart: number
}
/** 2/4: KENLO ‖ TI ‖ new key bits 31..0. */
export interface KeyChangeSection2 {
  class: 2
  subclass: 4
  kenLo: number
  ti: string
  dkPart: number
}
/** 2/8 (MISTY1): SGC low 12 bits ‖ new key bits 95..64. */
export interface KeyChangeSection3 {
  class: 2
  subclass: 8
  sgcLo: number
  dkPart: number
}
/** 2/9 (MISTY1): SGC high 12 bits ‖ new key bits 63..32. */
export interface KeyChangeSection4 {
  class: 2
  subclass: 9
  sgcHi: number
  dkPart: number
}
export type KeyChangeSection =
  KeyChangeSection1 | KeyChangeSection2 | KeyChangeSection3 | KeyChangeSection4

export type DecodedToken = StsToken | KeyChangeSection

const scratch = new Uint32Array(2)

/** Steps 1–6 of §1 for a block whose CRC field is still empty. */
function seal(key: StsKey, tokenClass: number, hi: number, mid16: number): string {
  const lo = ((mid16 << 16) | tokenCrc(tokenClass, hi, mid16)) >>> 0
  if (tokenClass === 1) {
    const t = transpose(1, hi, lo)
    return toDigits(t.top, t.hi, t.lo)
  }
  encryptBlock(prepareKey(key), hi, lo, scratch)
  const t = transpose(tokenClass, scratch[0] as number, scratch[1] as number)
  return toDigits(t.top, t.hi, t.lo)
}

/** RND ‖ TID ‖ field, the payload of class 0 and of class 2 outside the key change. */
function sealTidToken(
  key: StsKey,
  tokenClass: 0 | 2,
  subclass: number,
  rnd: unknown,
  tid: unknown,
  field: number,
): string {
  checkInt(rnd, 0, 15, 'rnd')
  checkInt(tid, 0, TID_MAX, 'tid')
  return seal(
    key,
    tokenClass,
    ((subclass << 28) | ((rnd as number) << 24) | (tid as number)) >>> 0,
    field,
  )
}

const MANAGEMENT_SUBCLASSES: ReadonlySet<number> = new Set([0, 1, 2, 5, 6, 7])

function managementField(subclass: number, value: number): number {
  switch (subclass) {
    case 0:
    case 6:
      return encodeAmount(value)
    case 5:
      return checkInt(value, 0, 0, 'value (clear tamper carries 0)')
    default:
      return checkInt(value, 0, 0xffff, 'value')
  }
}

function managementValue(subclass: number, field: number): number {
  return subclass === 0 || subclass === 6 ? decodeAmount(field) : field
}

/** One token (class 0, 1 or 2 outside the key change) as 20 digits. */
export function encodeToken(key: StsKey, token: StsToken): string {
  if (typeof token !== 'object' || token === null)
    throw new StsError(StsErrorCode.INPUT, 'token must be an object')
  switch (token.class) {
    case 0:
      checkInt(token.subclass, 0, 3, 'class 0 subclass')
      return sealTidToken(key, 0, token.subclass, token.rnd, token.tid, encodeAmount(token.units))
    case 2:
      if (!MANAGEMENT_SUBCLASSES.has(token.subclass)) {
        throw new StsError(
          StsErrorCode.INPUT,
          'class 2 subclass must be 0, 1, 2, 5, 6 or 7 (key changes use encodeKeyChange)',
        )
      }
      return sealTidToken(
        key,
        2,
        token.subclass,
        token.rnd,
        token.tid,
        managementField(token.subclass, token.value),
      )
    case 1:
      return encodeTestToken(key, token)
    default:
      throw new StsError(StsErrorCode.INPUT, 'token class must be 0, 1 or 2')
  }
}

function encodeTestToken(key: StsKey, token: TestToken): string {
  const { subclass, control, mfrCode } = token
  checkInt(subclass, 0, 1, 'class 1 subclass')
  const controlBits = subclass === 0 ? 36n : 28n
  if (typeof control !== 'bigint' || control < 0n || control >> controlBits !== 0n) {
    throw new StsError(StsErrorCode.INPUT, `control must be a ${controlBits}-bit value`)
  }
  checkInt(mfrCode, 0, subclass === 0 ? 0xff : 0xffff, 'mfrCode')
  // 1/0: control(36) ‖ mfr(8); 1/1: control(28) ‖ mfr(16). Payload bits 43..16 go to `hi`.
  const c = Number(control)
  const hi = subclass === 0 ? Math.floor(c / 256) : c
  const mid16 = subclass === 0 ? ((c & 0xff) << 8) | mfrCode : mfrCode
  return seal(key, 1, ((subclass << 28) | hi) >>> 0, mid16)
}

const TWO_DIGITS = /^\d{2}$/
const SIX_DIGITS = /^\d{6}$/

/** The key change sections in order 1, 2 (and 3, 4 for MISTY1), each under `currentKey`. */
export function encodeKeyChange(currentKey: StsKey, change: KeyChange): string[] {
  if (typeof change !== 'object' || change === null)
    throw new StsError(StsErrorCode.INPUT, 'key change must be an object')
  prepareKey(currentKey)
  const { ea } = currentKey
  const dk = checkKeyValue(change.dk, ea, 'new key (same algorithm as the current key)')
  const kt = checkInt(change.kt, 0, 3, 'kt')
  const krn = checkInt(change.krn, 1, 9, 'krn')
  const ken = checkInt(change.ken, 0, 255, 'ken')
  if (typeof change.ti !== 'string' || !TWO_DIGITS.test(change.ti))
    throw new StsError(StsErrorCode.INPUT, 'ti must be 2 digits')
  if (typeof change.sgc !== 'string' || !SIX_DIGITS.test(change.sgc))
    throw new StsError(StsErrorCode.INPUT, 'sgc must be 6 digits')
  if (typeof change.rollover !== 'boolean')
    throw new StsError(StsErrorCode.INPUT, 'rollover must be true or false')
  const ti = Number(change.ti)
  const ro = change.rollover ? 1 : 0
  const part = (shift: bigint): number => Number((dk >> shift) & 0xffff_ffffn)
  const [first, last] = ea === '07' ? [part(32n), part(0n)] : [part(96n), part(0n)]
  // Each section: 12 header bits then 32 key bits; the key's top 16 bits close `hi`.
  const section = (subclass: number, header12: number, key32: number): string =>
    seal(
      currentKey,
      2,
      ((subclass << 28) | (header12 << 16) | (key32 >>> 16)) >>> 0,
      key32 & 0xffff,
    )
  const tokens = [
    section(3, ((ken >>> 4) << 8) | (krn << 4) | (ro << 3) | kt, first),
    section(4, ((ken & 15) << 8) | ti, last),
  ]
  if (ea === '11') {
    const sgc = Number(change.sgc)
    tokens.push(section(8, sgc & 0xfff, part(64n)), section(9, sgc >>> 12, part(32n)))
  }
  return tokens
}

/**
 * Decodes a token as the meter would (§1 in reverse, §9 step 1): class 1 is only CRC-checked,
 * the others are decrypted with `key` first. ERR_STS_CRC when the CRC does not match (a typo, or
 * another meter's token); ERR_STS_INPUT when it is not 20 digits or not a token type we know.
 */
export function decodeToken(key: StsKey, token: string): DecodedToken {
  const n = fromDigits(normalizeToken(token))
  const { tokenClass, hi: chi, lo: clo } = untranspose(n)
  let hi = chi
  let lo = clo
  if (tokenClass !== 1) {
    decryptBlock(prepareKey(key), chi, clo, scratch)
    hi = scratch[0] as number
    lo = scratch[1] as number
  }
  const mid16 = lo >>> 16
  if ((lo & 0xffff) !== tokenCrc(tokenClass, hi, mid16)) {
    throw new StsError(
      StsErrorCode.CRC,
      'CRC check failed: the token is mistyped or made for another meter or key',
    )
  }
  const subclass = hi >>> 28
  const rnd = (hi >>> 24) & 15
  const tid = hi & 0xff_ffff
  switch (tokenClass) {
    case 0:
      if (subclass > 3) break
      return {
        class: 0,
        subclass: subclass as CreditToken['subclass'],
        rnd,
        tid,
        units: decodeAmount(mid16),
      }
    case 1:
      if (subclass === 0) {
        const control = (BigInt(hi & 0x0fff_ffff) << 8n) | BigInt(mid16 >>> 8)
        return { class: 1, subclass: 0, control, mfrCode: mid16 & 0xff }
      }
      if (subclass === 1)
        return { class: 1, subclass: 1, control: BigInt(hi & 0x0fff_ffff), mfrCode: mid16 }
      break
    case 2:
      if (MANAGEMENT_SUBCLASSES.has(subclass)) {
        const sub = subclass as ManagementToken['subclass']
        return { class: 2, subclass: sub, rnd, tid, value: managementValue(sub, mid16) }
      }
      return decodeKeyChangeSection(subclass, hi, mid16)
    default:
      break
  }
  throw new StsError(
    StsErrorCode.INPUT,
    `class ${tokenClass} subclass ${subclass} is not a token type this system knows`,
  )
}

function decodeKeyChangeSection(subclass: number, hi: number, mid16: number): KeyChangeSection {
  const dkPart = (((hi & 0xffff) << 16) | mid16) >>> 0
  const header = (hi >>> 16) & 0xfff
  switch (subclass) {
    case 3:
      if (header & 0x4)
        throw new StsError(StsErrorCode.INPUT, 'key change section 1 has its reserved bit set')
      return {
        class: 2,
        subclass: 3,
        kenHo: header >>> 8,
        krn: (header >>> 4) & 15,
        rollover: (header & 8) !== 0,
        kt: header & 3,
        dkPart,
      }
    case 4:
      return {
        class: 2,
        subclass: 4,
        kenLo: header >>> 8,
        ti: String(header & 0xff).padStart(2, '0'),
        dkPart,
      }
    case 8:
      return { class: 2, subclass: 8, sgcLo: header, dkPart }
    case 9:
      return { class: 2, subclass: 9, sgcHi: header, dkPart }
    default:
      throw new StsError(
        StsErrorCode.INPUT,
        `class 2 subclass ${subclass} is not a token type this system knows`,
      )
  }
}

export function isKeyChangeSection(t: DecodedToken): t is KeyChangeSection {
  return (
    t.class === 2 && (t.subclass === 3 || t.subclass === 4 || t.subclass === 8 || t.subclass === 9)
  )
}

/** The sections a key change under `ea` needs: 3 and 4, and for MISTY1 also 8 and 9. */
export function keyChangeSubclasses(ea: StsKey['ea']): readonly number[] {
  return ea === '07' ? [3, 4] : [3, 4, 8, 9]
}

/**
 * Puts decoded sections back together (the meter's side of §9 step 4). `sgc` is null for STA,
 * whose key change does not carry it. ERR_STS_INPUT if a section is missing.
 */
export function assembleKeyChange(
  ea: StsKey['ea'],
  sections: readonly KeyChangeSection[],
): Omit<KeyChange, 'sgc'> & { sgc: string | null } {
  const find = <S extends KeyChangeSection['subclass']>(
    s: S,
  ): Extract<KeyChangeSection, { subclass: S }> => {
    const hit = sections.find((x) => x.subclass === s)
    if (hit === undefined)
      throw new StsError(StsErrorCode.INPUT, `key change section with subclass ${s} is missing`)
    return hit as Extract<KeyChangeSection, { subclass: S }>
  }
  const s1 = find(3)
  const s2 = find(4)
  const base = {
    kt: s1.kt,
    krn: s1.krn,
    ti: s2.ti,
    ken: (s1.kenHo << 4) | s2.kenLo,
    rollover: s1.rollover,
  }
  if (ea === '07') return { ...base, dk: (BigInt(s1.dkPart) << 32n) | BigInt(s2.dkPart), sgc: null }
  const s3 = find(8)
  const s4 = find(9)
  const dk =
    (BigInt(s1.dkPart) << 96n) |
    (BigInt(s3.dkPart) << 64n) |
    (BigInt(s4.dkPart) << 32n) |
    BigInt(s2.dkPart)
  return { ...base, dk, sgc: String((s4.sgcHi << 12) | s3.sgcLo).padStart(6, '0') }
}
