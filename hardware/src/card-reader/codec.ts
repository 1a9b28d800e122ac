/**
 * Card reader codec: pure functions over HID reports, no I/O, no clock.
 *
 * GridTill's 13.56 MHz reader (raw HID mode) — input report format, defined by GridTill
 * (vendor readers carry their own framing inside 64-byte reports, kiosk-hardware.md §3.1; the
 * reader firmware or a small adapter maps onto this one). Also in README.md.
 *
 *   offset  size  field
 *   0       1     report id           0x01
 *   1       1     type                0x10 = CARD_READ (others reserved; ignored as unknown)
 *   2       1     len                 payload length, 0–60
 *   3       len   payload
 *   3+len   1     check               XOR of bytes 1 … 2+len (type, len, payload)
 *   4+len   …     padding             zeros up to 64 bytes (not checked)
 *
 *   Every input report is exactly 64 bytes, report id included.
 *
 * CARD_READ payload:
 *
 *   0       1     uidLen              4, 7 or 10 (ISO/IEC 14443-A single, double, triple size)
 *   1       u     uid                 as read from the card, most significant byte first
 *   1+u     1     kind                0x01 resident, 0x02 staff
 *   2+u     1     role                0x00 none (resident cards), 0x01 field, 0x02 cashier, 0x03 admin
 *   3+u     1     cardNoLen           1–20
 *   4+u     n     cardNo              ASCII digits '0'–'9': the card number that maps to an account
 *
 *   A staff card must carry a role and a resident card must not; anything else is malformed.
 *   The reader sends one CARD_READ when a card enters the field and may repeat it while the card
 *   stays there; the driver debounces.
 *
 * Keyboard-wedge fallback: a reader in HID-keyboard mode sends 8-byte boot-keyboard reports
 * `[modifiers, reserved, key1 … key6]` (usage ids: 0x04–0x1D a–z, 0x1E–0x27 1…9 0, 0x28 Enter,
 * keypad 0x59–0x62 1…9 0, 0x58 keypad Enter). It types the card number and Enter; a key counts
 * when it appears in a report (press), not while it stays down. Wedge mode cannot tell staff
 * cards apart; the driver's `classify` option decides.
 */

export const CARD_REPORT_ID = 0x01
export const CARD_REPORT_LENGTH = 64
export const WEDGE_REPORT_LENGTH = 8
export const MAX_PAYLOAD = CARD_REPORT_LENGTH - 4

export const ReportType = {
  cardRead: 0x10,
} as const

export type CardKind = 'resident' | 'staff'
export type StaffRole = 'field' | 'cashier' | 'admin'

const KIND_CODE: Record<CardKind, number> = { resident: 0x01, staff: 0x02 }
const ROLE_CODE: Record<StaffRole, number> = { field: 0x01, cashier: 0x02, admin: 0x03 }
const KIND_BY_CODE: Record<number, CardKind> = { 0x01: 'resident', 0x02: 'staff' }
const ROLE_BY_CODE: Record<number, StaffRole> = { 0x01: 'field', 0x02: 'cashier', 0x03: 'admin' }
const UID_LENGTHS = [4, 7, 10]

/** What one card carries. `uid` is upper-case hex without separators ("04A1B2C3D4E5F6"). */
export interface CardData {
  uid: string
  cardNo: string
  cardKind: CardKind
  staffRole?: StaffRole
}

export type DecodeResult = { ok: true; card: CardData } | { ok: false; reason: string }

function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s.toUpperCase()
}

function xor(bytes: Uint8Array): number {
  let x = 0
  for (const b of bytes) x ^= b
  return x
}

/** Why this card cannot be encoded, or undefined. */
export function checkCard(card: CardData): string | undefined {
  if (!/^([0-9A-F]{2})+$/.test(card.uid) || !UID_LENGTHS.includes(card.uid.length / 2)) {
    return 'uid must be 4, 7 or 10 bytes of upper-case hex'
  }
  if (!/^\d{1,20}$/.test(card.cardNo)) return 'card number must be 1–20 digits'
  if (card.cardKind === 'staff' && !card.staffRole) return 'staff card without a role'
  if (card.cardKind === 'resident' && card.staffRole) return 'resident card with a staff role'
  return undefined
}

/** The 64-byte CARD_READ input report for a card. Throws RangeError on an invalid card. */
export function encodeCardReport(card: CardData): Uint8Array {
  const problem = checkCard(card)
  if (problem) throw new RangeError(problem)
  const uid = Uint8Array.from(card.uid.match(/../g)!.map((h) => parseInt(h, 16)))
  const cardNo = new TextEncoder().encode(card.cardNo)
  const payload = Uint8Array.from([
    uid.length,
    ...uid,
    KIND_CODE[card.cardKind],
    card.staffRole ? ROLE_CODE[card.staffRole] : 0,
    cardNo.length,
    ...cardNo,
  ])
  return encodeReport(ReportType.cardRead, payload)
}

/** Frames any payload (for simulators and tests of unknown types). */
export function encodeReport(type: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`payload longer than ${MAX_PAYLOAD} bytes`)
  const report = new Uint8Array(CARD_REPORT_LENGTH)
  report[0] = CARD_REPORT_ID
  report[1] = type
  report[2] = payload.length
  report.set(payload, 3)
  report[3 + payload.length] = xor(report.subarray(1, 3 + payload.length))
  return report
}

/** Decodes one raw-mode input report. Never throws: a bad report gives the reason. */
export function decodeReport(report: Uint8Array): DecodeResult {
  if (report.length < CARD_REPORT_LENGTH)
    return { ok: false, reason: `short report: ${report.length} of ${CARD_REPORT_LENGTH} bytes` }
  if (report.length > CARD_REPORT_LENGTH)
    return { ok: false, reason: `oversize report: ${report.length} of ${CARD_REPORT_LENGTH} bytes` }
  if (report[0] !== CARD_REPORT_ID)
    return { ok: false, reason: `unexpected report id 0x${hex(report.subarray(0, 1))}` }
  const type = report[1]!
  const len = report[2]!
  if (len > MAX_PAYLOAD)
    return { ok: false, reason: `payload length ${len} exceeds ${MAX_PAYLOAD}` }
  const check = report[3 + len]!
  if (xor(report.subarray(1, 3 + len)) !== check) return { ok: false, reason: 'bad checksum' }
  if (type !== ReportType.cardRead)
    return { ok: false, reason: `unknown report type 0x${hex(report.subarray(1, 2))}` }
  return decodeCardPayload(report.subarray(3, 3 + len))
}

function decodeCardPayload(p: Uint8Array): DecodeResult {
  const uidLen = p[0]
  if (uidLen === undefined || !UID_LENGTHS.includes(uidLen))
    return { ok: false, reason: `bad uid length ${uidLen ?? 'missing'}` }
  if (p.length < 4 + uidLen) return { ok: false, reason: 'card payload truncated' }
  const uid = hex(p.subarray(1, 1 + uidLen))
  const kind = KIND_BY_CODE[p[1 + uidLen]!]
  if (!kind)
    return { ok: false, reason: `unknown card kind 0x${hex(p.subarray(1 + uidLen, 2 + uidLen))}` }
  const roleCode = p[2 + uidLen]!
  const role = ROLE_BY_CODE[roleCode]
  if (roleCode !== 0 && !role)
    return { ok: false, reason: `unknown staff role 0x${hex(p.subarray(2 + uidLen, 3 + uidLen))}` }
  const noLen = p[3 + uidLen]!
  if (noLen < 1 || noLen > 20) return { ok: false, reason: `bad card number length ${noLen}` }
  if (p.length !== 4 + uidLen + noLen) return { ok: false, reason: 'card payload length mismatch' }
  const noBytes = p.subarray(4 + uidLen)
  if (!noBytes.every((b) => b >= 0x30 && b <= 0x39))
    return { ok: false, reason: 'card number is not all digits' }
  const card: CardData = { uid, cardNo: String.fromCharCode(...noBytes), cardKind: kind }
  if (role) card.staffRole = role
  const problem = checkCard(card)
  return problem ? { ok: false, reason: problem } : { ok: true, card }
}

// --- keyboard wedge --------------------------------------------------------------------------------

const ENTER = new Set([0x28, 0x58])
const SHIFT = 0x22 // left or right shift
const ERROR_ROLL_OVER = 0x01

function usageToChar(usage: number, shift: boolean): string | undefined {
  if (usage >= 0x04 && usage <= 0x1d) {
    const c = String.fromCharCode(0x61 + usage - 0x04)
    return shift ? c.toUpperCase() : c
  }
  if (shift) return undefined
  if (usage >= 0x1e && usage <= 0x26) return String(usage - 0x1d)
  if (usage === 0x27) return '0'
  if (usage >= 0x59 && usage <= 0x61) return String(usage - 0x58)
  if (usage === 0x62) return '0'
  return undefined
}

function charToUsage(ch: string): { usage: number; shift: boolean } {
  if (/^[1-9]$/.test(ch)) return { usage: 0x1d + Number(ch), shift: false }
  if (ch === '0') return { usage: 0x27, shift: false }
  if (/^[a-z]$/.test(ch)) return { usage: 0x04 + ch.charCodeAt(0) - 0x61, shift: false }
  if (/^[A-Z]$/.test(ch)) return { usage: 0x04 + ch.charCodeAt(0) - 0x41, shift: true }
  throw new RangeError(`a wedge reader cannot type ${JSON.stringify(ch)}`)
}

/** The boot-keyboard reports a wedge reader sends to type `text` and Enter: press, release, … */
export function encodeWedgeKeystrokes(text: string): Uint8Array[] {
  const reports: Uint8Array[] = []
  for (const { usage, shift } of [...text].map(charToUsage).concat({ usage: 0x28, shift: false })) {
    reports.push(Uint8Array.of(shift ? 0x02 : 0, 0, usage, 0, 0, 0, 0, 0))
    reports.push(new Uint8Array(WEDGE_REPORT_LENGTH))
  }
  return reports
}

export type WedgeResult = { type: 'line'; text: string } | { type: 'bad'; reason: string }

export interface WedgeDecoderOptions {
  /** Longest line accepted; a longer one is dropped. Default 32. */
  maxLength?: number
  /** A pause longer than this drops what was typed so far (a reader types in a burst). Default 500 ms. */
  interKeyTimeoutMs?: number
}

/**
 * Turns boot-keyboard reports into typed lines. Keeps the keys held in the previous report so
 * a key that stays down counts once. Time comes in with each report, so it stays pure.
 */
export class WedgeDecoder {
  private held = new Set<number>()
  private text = ''
  private overflowed = false
  private lastKeyAt = Number.NEGATIVE_INFINITY
  private readonly maxLength: number
  private readonly interKeyTimeoutMs: number

  constructor(options: WedgeDecoderOptions = {}) {
    this.maxLength = options.maxLength ?? 32
    this.interKeyTimeoutMs = options.interKeyTimeoutMs ?? 500
  }

  push(report: Uint8Array, at: number): WedgeResult[] {
    if (report.length !== WEDGE_REPORT_LENGTH) {
      this.reset()
      return [
        {
          type: 'bad',
          reason: `keyboard report of ${report.length} bytes, expected ${WEDGE_REPORT_LENGTH}`,
        },
      ]
    }
    const keys = [...report.subarray(2)].filter((k) => k !== 0)
    // Too many keys at once: the keyboard cannot say which; wait for the next report.
    if (keys.includes(ERROR_ROLL_OVER)) return []
    const shift = (report[0]! & SHIFT) !== 0
    const pressed = keys.filter((k) => !this.held.has(k))
    this.held = new Set(keys)
    const out: WedgeResult[] = []
    for (const usage of pressed) {
      if (at - this.lastKeyAt > this.interKeyTimeoutMs) {
        this.text = ''
        this.overflowed = false
      }
      this.lastKeyAt = at
      if (ENTER.has(usage)) {
        if (this.text && !this.overflowed) out.push({ type: 'line', text: this.text })
        this.text = ''
        this.overflowed = false
        continue
      }
      if (this.overflowed) continue
      const ch = usageToChar(usage, shift)
      if (ch === undefined) {
        this.text = ''
        out.push({
          type: 'bad',
          reason: `unexpected key usage 0x${usage.toString(16).padStart(2, '0')}`,
        })
        continue
      }
      if (this.text.length >= this.maxLength) {
        // Swallow the rest up to Enter, so the tail of a runaway line is not read as a card.
        this.text = ''
        this.overflowed = true
        out.push({ type: 'bad', reason: `typed input longer than ${this.maxLength} characters` })
        continue
      }
      this.text += ch
    }
    return out
  }

  reset(): void {
    this.held.clear()
    this.text = ''
    this.overflowed = false
  }
}
