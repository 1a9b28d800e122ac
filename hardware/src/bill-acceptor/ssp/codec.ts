/**
 * ITL SSP framing (kiosk-hardware.md §2.3; ITL GA138). Pure: bytes in, bytes out.
 *
 *   STX(0x7F) | SEQ/ID | LEN | DATA… | CRCL | CRCH
 *
 * SEQ/ID: bit 7 is the sequence flag (toggled per new command, kept on a retransmission), bits 0–6
 * the slave id (0 = validator). The CRC-16 (poly 0x8005, seed 0xFFFF, not reflected) covers
 * SEQ..DATA and is sent little-endian. Every 0x7F after the STX is byte-stuffed (sent twice).
 */

export const STX = 0x7f
/** eSSP: DATA that starts with STEX is an encrypted block (§2.3 eSSP encryption). */
export const STEX = 0x7e

export const Cmd = {
  RESET: 0x01,
  SET_CHANNEL_INHIBITS: 0x02,
  SETUP_REQUEST: 0x05,
  HOST_PROTOCOL_VERSION: 0x06,
  POLL: 0x07,
  REJECT_BANKNOTE: 0x08,
  DISABLE: 0x09,
  ENABLE: 0x0a,
  GET_SERIAL_NUMBER: 0x0c,
  CHANNEL_VALUE_REQUEST: 0x0e,
  SYNC: 0x11,
  LAST_REJECT_CODE: 0x17,
  HOLD: 0x18,
  SET_GENERATOR: 0x4a,
  SET_MODULUS: 0x4b,
  REQUEST_KEY_EXCHANGE: 0x4c,
  POLL_WITH_ACK: 0x56,
  EVENT_ACK: 0x57,
} as const

/** Generic replies, the first DATA byte of every answer. */
export const Reply = {
  OK: 0xf0,
  UNKNOWN_COMMAND: 0xf2,
  WRONG_PARAMETERS: 0xf3,
  PARAMETER_OUT_OF_RANGE: 0xf4,
  CANNOT_PROCESS: 0xf5,
  SOFTWARE_ERROR: 0xf6,
  FAIL: 0xf8,
  KEY_NOT_SET: 0xfa,
} as const

/** Poll events (§2.3; decimal codes from GA138, e.g. 238 = 0xEE). */
export const Event = {
  SLAVE_RESET: 0xf1,
  READ_NOTE: 0xef,
  CREDIT_NOTE: 0xee,
  REJECTING: 0xed,
  REJECTED: 0xec,
  STACKING: 0xcc,
  STACKED: 0xeb,
  SAFE_JAM: 0xea,
  UNSAFE_JAM: 0xe9,
  DISABLED: 0xe8,
  STACKER_FULL: 0xe7,
  FRAUD_ATTEMPT: 0xe6,
  NOTE_CLEARED_FROM_FRONT: 0xe1,
  NOTE_CLEARED_TO_CASHBOX: 0xe2,
  CASHBOX_REMOVED: 0xe3,
  CASHBOX_REPLACED: 0xe4,
  CHANNEL_DISABLE: 0xb5,
  INITIALISING: 0xb6,
} as const

/** Bytes of data after each event code (validators, protocol 6–7: one channel byte or none). */
export const EVENT_DATA_LENGTH: Readonly<Record<number, number>> = {
  [Event.SLAVE_RESET]: 0,
  [Event.READ_NOTE]: 1,
  [Event.CREDIT_NOTE]: 1,
  [Event.REJECTING]: 0,
  [Event.REJECTED]: 0,
  [Event.STACKING]: 0,
  [Event.STACKED]: 0,
  [Event.SAFE_JAM]: 0,
  [Event.UNSAFE_JAM]: 0,
  [Event.DISABLED]: 0,
  [Event.STACKER_FULL]: 0,
  [Event.FRAUD_ATTEMPT]: 1,
  [Event.NOTE_CLEARED_FROM_FRONT]: 1,
  [Event.NOTE_CLEARED_TO_CASHBOX]: 1,
  [Event.CASHBOX_REMOVED]: 0,
  [Event.CASHBOX_REPLACED]: 0,
  [Event.CHANNEL_DISABLE]: 0,
  [Event.INITIALISING]: 0,
}

/** LAST REJECT CODE (0x17) reasons, GA138 (as tabulated in kybarg/ssp lib/static/reject_note.json). */
export const RejectCode: Readonly<Record<number, string>> = {
  0x00: 'note accepted',
  0x01: 'length fail',
  0x02: 'not recognised (average)',
  0x03: 'not recognised (coastline)',
  0x04: 'not recognised (graph)',
  0x05: 'not recognised (buried)',
  0x06: 'channel inhibited',
  0x07: 'second note inserted',
  0x08: 'rejected by host',
  0x09: 'recognised in more than one channel',
  0x0a: 'rear sensor error',
  0x0b: 'note too long',
  0x0c: 'disabled by host',
  0x0d: 'mechanism slow',
  0x0e: 'strimming attempt',
  0x0f: 'fraud channel',
  0x10: 'no notes inserted',
  0x11: 'peak detect fail',
  0x12: 'twisted note',
  0x13: 'escrow timeout',
  0x14: 'bar code scan fail',
  0x15: 'no cam activate',
  0x16: 'slot fail 1',
  0x17: 'slot fail 2',
  0x18: 'lens oversample',
  0x19: 'width detection fail',
  0x1a: 'short note',
  0x1b: 'payout note',
  0x1c: 'double note',
  0x1d: 'unable to stack',
}

export interface SspPacket {
  /** The sequence flag (bit 7 of SEQ/ID) as 0 or 1. */
  seq: 0 | 1
  /** Slave id, 0–127. */
  address: number
  data: Uint8Array
}

export type SspDecoded =
  | { kind: 'frame'; frame: SspPacket; rest: Uint8Array; skipped: number }
  | { kind: 'incomplete'; rest: Uint8Array; skipped: number }
  | { kind: 'badChecksum'; rest: Uint8Array; skipped: number }

const SSP_TABLE = (() => {
  const t = new Uint16Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n << 8
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff
    t[n] = c
  }
  return t
})()

/** CRC-16 as SSP uses it: poly 0x8005, seed 0xFFFF, MSB first, no final XOR. */
export function crc16Ssp(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff
  for (let i = start; i < end; i++)
    crc = ((crc << 8) ^ (SSP_TABLE[((crc >>> 8) ^ (bytes[i] ?? 0)) & 0xff] ?? 0)) & 0xffff
  return crc
}

export function encode(packet: SspPacket): Uint8Array {
  const len = packet.data.length
  if (len > 0xff) throw new RangeError(`SSP data too long: ${len} bytes`)
  const body = new Uint8Array(len + 4)
  body[0] = (packet.seq ? 0x80 : 0) | (packet.address & 0x7f)
  body[1] = len
  body.set(packet.data, 2)
  const crc = crc16Ssp(body, 0, len + 2)
  body[len + 2] = crc & 0xff
  body[len + 3] = crc >>> 8
  let stuffed = 0
  for (const b of body) if (b === STX) stuffed++
  const out = new Uint8Array(1 + body.length + stuffed)
  out[0] = STX
  let j = 1
  for (const b of body) {
    out[j++] = b
    if (b === STX) out[j++] = STX
  }
  return out
}

/** Shorthand: `packet(1, 0x11)` → `7F 80 01 11 65 82` (SYNC). */
export function packet(seq: 0 | 1, ...data: number[]): Uint8Array {
  return encode({ seq, address: 0, data: Uint8Array.from(data) })
}

/**
 * Take the first packet off `buf`. A lone 0x7F (not doubled) always starts a packet, so a packet
 * broken off by a new STX is dropped and decoding restarts there; a bad CRC drops only the STX.
 * `7F 7F` is normally a stuffed byte of a packet whose start we missed, except right after an STX
 * when SEQ/ID itself is 0x7F (slave 127, flag 0): that reading is kept only if its CRC checks.
 */
export function decode(buf: Uint8Array): SspDecoded {
  let i = 0
  let skipped = 0
  for (;;) {
    while (i < buf.length && buf[i] !== STX) {
      i++
      skipped++
    }
    if (i + 1 >= buf.length) return { kind: 'incomplete', rest: buf.subarray(i), skipped }
    const r = parseAt(buf, i)
    if (buf[i + 1] === STX) {
      if (r.kind === 'frame' || r.kind === 'incomplete') return { ...r, skipped }
      // a stuffed 0x7F from a packet whose start we missed
      i += 2
      skipped += 2
      continue
    }
    return { ...r, skipped }
  }
}

type Parsed =
  | { kind: 'frame'; frame: SspPacket; rest: Uint8Array }
  | { kind: 'incomplete'; rest: Uint8Array }
  | { kind: 'badChecksum'; rest: Uint8Array }

/** Parse the packet whose STX is at `i`: de-stuff SEQ/ID, LEN, DATA, CRC and check the CRC. */
function parseAt(buf: Uint8Array, i: number): Parsed {
  const body: number[] = []
  let j = i + 1
  let need = 4 // SEQ, LEN, CRCL, CRCH until LEN is known
  while (body.length < need) {
    if (j >= buf.length) return { kind: 'incomplete', rest: buf.subarray(i) }
    const b = buf[j] ?? 0
    if (b === STX) {
      if (j + 1 >= buf.length) return { kind: 'incomplete', rest: buf.subarray(i) }
      // a lone STX: a new packet starts here and this one was cut short
      if (buf[j + 1] !== STX) return { kind: 'badChecksum', rest: buf.subarray(j) }
      body.push(STX)
      j += 2
    } else {
      body.push(b)
      j++
    }
    if (body.length === 2) need = 4 + (body[1] ?? 0)
  }
  const bytes = Uint8Array.from(body)
  const len = bytes[1] ?? 0
  const crc = crc16Ssp(bytes, 0, len + 2)
  const got = (bytes[len + 2] ?? 0) | ((bytes[len + 3] ?? 0) << 8)
  if (crc !== got) return { kind: 'badChecksum', rest: buf.subarray(i + 1) }
  const seqId = bytes[0] ?? 0
  return {
    kind: 'frame',
    frame: { seq: seqId & 0x80 ? 1 : 0, address: seqId & 0x7f, data: bytes.slice(2, 2 + len) },
    rest: buf.subarray(j),
  }
}

export interface SspEvent {
  code: number
  /** Channel for the events that carry one (READ NOTE, CREDIT NOTE, FRAUD ATTEMPT, NOTE CLEARED…). */
  channel?: number
}

/** Poll reply DATA after the generic OK: a list of events. Stops at an unknown code. */
export function parseEvents(data: Uint8Array): { events: SspEvent[]; unknown: number | undefined } {
  const events: SspEvent[] = []
  let i = 0
  while (i < data.length) {
    const code = data[i] ?? 0
    const len = EVENT_DATA_LENGTH[code]
    if (len === undefined) return { events, unknown: code }
    if (i + 1 + len > data.length) return { events, unknown: code }
    events.push(len === 1 ? { code, channel: data[i + 1] ?? 0 } : { code })
    i += 1 + len
  }
  return { events, unknown: undefined }
}

export function encodeEvents(events: readonly SspEvent[]): number[] {
  const out: number[] = []
  for (const e of events) {
    out.push(e.code)
    if ((EVENT_DATA_LENGTH[e.code] ?? 0) === 1) out.push(e.channel ?? 0)
  }
  return out
}

/** SETUP REQUEST (0x05) reply for a banknote validator (GA138; protocol ≥ 6 adds the expanded table). */
export interface SetupInfo {
  unitType: number
  firmware: string
  country: string
  valueMultiplier: number
  channelValues: number[]
  channelSecurity: number[]
  realValueMultiplier: number
  protocolVersion: number
  channelCountries: string[] | undefined
  expandedValues: number[] | undefined
}

const ascii = (bytes: Uint8Array): string => String.fromCharCode(...bytes)
const be24 = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at + 2] ?? 0)
const le32 = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>>
  0

/** Parses the DATA after the OK byte; returns undefined when it is too short to be one. */
export function parseSetup(d: Uint8Array): SetupInfo | undefined {
  if (d.length < 12) return undefined
  const n = d[11] ?? 0
  if (d.length < 16 + 2 * n) return undefined
  const protocolVersion = d[15 + 2 * n] ?? 0
  const expanded = protocolVersion >= 6 && d.length >= 16 + 9 * n
  return {
    unitType: d[0] ?? 0,
    firmware: ascii(d.subarray(1, 5)),
    country: ascii(d.subarray(5, 8)),
    valueMultiplier: be24(d, 8),
    channelValues: [...d.subarray(12, 12 + n)],
    channelSecurity: [...d.subarray(12 + n, 12 + 2 * n)],
    realValueMultiplier: be24(d, 12 + 2 * n),
    protocolVersion,
    channelCountries: expanded
      ? Array.from({ length: n }, (_, k) =>
          ascii(d.subarray(16 + 2 * n + 3 * k, 19 + 2 * n + 3 * k)),
        )
      : undefined,
    expandedValues: expanded
      ? Array.from({ length: n }, (_, k) => le32(d, 16 + 5 * n + 4 * k))
      : undefined,
  }
}

export function encodeSetup(s: SetupInfo): number[] {
  const n = s.channelValues.length
  const out: number[] = [
    s.unitType,
    ...s.firmware
      .padEnd(4)
      .slice(0, 4)
      .split('')
      .map((c) => c.charCodeAt(0)),
  ]
  out.push(
    ...s.country
      .padEnd(3)
      .slice(0, 3)
      .split('')
      .map((c) => c.charCodeAt(0)),
  )
  out.push(
    (s.valueMultiplier >>> 16) & 0xff,
    (s.valueMultiplier >>> 8) & 0xff,
    s.valueMultiplier & 0xff,
    n,
  )
  out.push(...s.channelValues, ...s.channelSecurity)
  out.push(
    (s.realValueMultiplier >>> 16) & 0xff,
    (s.realValueMultiplier >>> 8) & 0xff,
    s.realValueMultiplier & 0xff,
    s.protocolVersion,
  )
  if (s.protocolVersion >= 6) {
    for (let k = 0; k < n; k++)
      out.push(
        ...(s.channelCountries?.[k] ?? s.country)
          .padEnd(3)
          .slice(0, 3)
          .split('')
          .map((c) => c.charCodeAt(0)),
      )
    for (let k = 0; k < n; k++) {
      const v = s.expandedValues?.[k] ?? 0
      out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff)
    }
  }
  return out
}

/** The channel values in minor units (fen), by channel number (1-based index − 1). */
export function channelValuesMinor(s: SetupInfo): number[] {
  const values = s.expandedValues ?? s.channelValues.map((v) => v * Math.max(1, s.valueMultiplier))
  return values.map((v) => v * Math.max(1, s.realValueMultiplier))
}

/** CHANNEL VALUE REQUEST (0x0E) reply: n, n value bytes, then (protocol ≥ 6) 3n country, 4n LE values. */
export function parseChannelValues(
  d: Uint8Array,
):
  | { values: number[]; countries: string[] | undefined; expanded: number[] | undefined }
  | undefined {
  const n = d[0]
  if (n === undefined || d.length < 1 + n) return undefined
  const values = [...d.subarray(1, 1 + n)]
  if (d.length >= 1 + 8 * n && n > 0) {
    const countries = Array.from({ length: n }, (_, k) =>
      ascii(d.subarray(1 + n + 3 * k, 4 + n + 3 * k)),
    )
    const expanded = Array.from({ length: n }, (_, k) => le32(d, 1 + 4 * n + 4 * k))
    return { values, countries, expanded }
  }
  return { values, countries: undefined, expanded: undefined }
}
