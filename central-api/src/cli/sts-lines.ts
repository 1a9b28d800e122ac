import type {
  CreditToken,
  DecodedToken,
  EncryptionAlgorithm,
  KeyChange,
  ManagementToken,
  StsKey,
  StsToken,
} from '@gridtill/shared'
import {
  decodeToken,
  encodeKeyChange,
  encodeToken,
  formatKeyHex,
  isBaseDate,
  isEncryptionAlgorithm,
  keyBits,
  parseKeyHex,
  StsError,
  StsErrorCode,
} from '@gridtill/shared'
import { deriveDecoderKey } from '../security-module/index.ts'

/**
 * The `sts` tool's line protocol: one JSON object in, one JSON object out, per line, in order.
 * A bad line answers {"error":{"code","message"}} and the batch goes on. Pure apart from the
 * node:crypto behind decoder-key derivation, so tests drive it without a process.
 */
export const VERBS = ['derive-key', 'encode', 'decode'] as const
export type Verb = (typeof VERBS)[number]

export function isVerb(x: unknown): x is Verb {
  return (VERBS as readonly unknown[]).includes(x)
}

export const USAGE = `usage: npm run -s sts -- <verb>   (reads JSON lines on stdin, writes one JSON line per input line)
verbs:
  derive-key  {"dkga":"02"|"04","ea":"07"|"11","vk":hex,"pan":18 digits,"kt":0-3,"sgc":6 digits,"ti":2 digits,"krn":1-9,"bd":1993|2014|2035} -> {"dk":hex}
  encode      {"key":K,"token":T} -> {"tokens":[20 digits, ...]}
  decode      {"key":K,"token":20 digits} -> {"class":n,"subclass":n,...}
  K is a derive-key object or {"ea":"07"|"11","dk":hex}
`

type Json = Record<string, unknown>

function bad(message: string): StsError {
  return new StsError(StsErrorCode.INPUT, message)
}

/** The object's keys must be exactly `required` (plus any of `optional`). */
function fields(
  value: unknown,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(`${what} must be a JSON object`)
  const obj = value as Json
  for (const k of required) if (!(k in obj)) throw bad(`${what} lacks "${k}"`)
  for (const k of Object.keys(obj)) {
    if (!required.includes(k) && !optional.includes(k))
      throw bad(`${what} has an unknown field "${k}"`)
  }
  return obj
}

function int(obj: Json, k: string, min: number, max: number): number {
  const v = obj[k]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(`"${k}" must be an integer from ${min} to ${max}`)
  }
  return v
}

function digits(obj: Json, k: string, n: number): string {
  const v = obj[k]
  if (typeof v !== 'string' || !new RegExp(`^\\d{${n}}$`).test(v))
    throw bad(`"${k}" must be a string of ${n} digits`)
  return v
}

function ea(obj: Json): EncryptionAlgorithm {
  const v = obj.ea
  if (!isEncryptionAlgorithm(v)) throw bad(`"ea" must be "07" (STA) or "11" (MISTY1)`)
  return v
}

const DERIVE_FIELDS = ['dkga', 'ea', 'vk', 'pan', 'kt', 'sgc', 'ti', 'krn', 'bd'] as const

function deriveKey(input: unknown): StsKey {
  const o = fields(input, 'derive-key input', DERIVE_FIELDS)
  const dkga = o.dkga
  if (dkga !== '02' && dkga !== '04') throw bad(`"dkga" must be "02" or "04"`)
  const alg = ea(o)
  if (dkga === '02' && alg !== '07') throw bad('DKGA02 makes 64-bit STA keys only ("ea":"07")')
  const vkBits = dkga === '02' ? 64 : 160
  const vkHex = o.vk
  if (typeof vkHex !== 'string' || !new RegExp(`^[0-9a-fA-F]{${vkBits / 4}}$`).test(vkHex)) {
    throw bad(`"vk" must be ${vkBits / 4} hex digits for DKGA${dkga}`)
  }
  const bd = o.bd
  if (!isBaseDate(bd)) throw bad(`"bd" must be 1993, 2014 or 2035`)
  const vk = Buffer.from(vkHex, 'hex')
  try {
    return deriveDecoderKey(dkga, vk, {
      pan: digits(o, 'pan', 18),
      sgc: digits(o, 'sgc', 6),
      ti: digits(o, 'ti', 2),
      krn: int(o, 'krn', 1, 9),
      kt: int(o, 'kt', 0, 3),
      ea: alg,
      baseDate: bd,
    })
  } finally {
    vk.fill(0)
  }
}

/** The key of an encode/decode line: a derive-key object or {"ea","dk"}. */
function key(input: unknown, cache: Map<string, StsKey>): StsKey {
  if (typeof input === 'object' && input !== null && 'dkga' in input) {
    // A batch usually repeats one meter's key: derive it once. The cache lives for one run.
    const id = JSON.stringify(input)
    let k = cache.get(id)
    if (k === undefined) {
      k = deriveKey(input)
      if (cache.size >= 1024) cache.clear()
      cache.set(id, k)
    }
    return k
  }
  const o = fields(input, '"key"', ['ea', 'dk'])
  const alg = ea(o)
  return { ea: alg, dk: parseKeyHex(o.dk, keyBits(alg), '"dk"') }
}

function token(input: unknown, k: StsKey): string[] {
  if (typeof input === 'object' && input !== null && 'keyChange' in input) {
    const c = fields(fields(input, '"token"', ['keyChange']).keyChange, '"keyChange"', [
      'dk',
      'kt',
      'krn',
      'ti',
      'sgc',
      'ken',
      'rollover',
    ])
    if (typeof c.rollover !== 'boolean') throw bad('"rollover" must be true or false')
    const change: KeyChange = {
      dk: parseKeyHex(c.dk, keyBits(k.ea), 'the new "dk"'),
      kt: int(c, 'kt', 0, 3),
      krn: int(c, 'krn', 1, 9),
      ti: digits(c, 'ti', 2),
      sgc: digits(c, 'sgc', 6),
      ken: int(c, 'ken', 0, 255),
      rollover: c.rollover,
    }
    return encodeKeyChange(k, change)
  }
  const cls = typeof input === 'object' && input !== null ? (input as Json).class : undefined
  let t: StsToken
  switch (cls) {
    case 0: {
      const o = fields(input, 'class 0 token', ['class', 'subclass', 'rnd', 'tid', 'units'])
      t = {
        class: 0,
        subclass: int(o, 'subclass', 0, 3) as CreditToken['subclass'],
        rnd: int(o, 'rnd', 0, 15),
        tid: int(o, 'tid', 0, 0xffffff),
        units: int(o, 'units', 0, Number.MAX_SAFE_INTEGER),
      }
      break
    }
    case 2: {
      const o = fields(input, 'class 2 token', ['class', 'subclass', 'rnd', 'tid', 'value'])
      const subclass = int(o, 'subclass', 0, 15)
      if (![0, 1, 2, 5, 6, 7].includes(subclass))
        throw bad('class 2 "subclass" must be 0, 1, 2, 5, 6 or 7 (key changes use "keyChange")')
      t = {
        class: 2,
        subclass: subclass as ManagementToken['subclass'],
        rnd: int(o, 'rnd', 0, 15),
        tid: int(o, 'tid', 0, 0xffffff),
        value: int(o, 'value', 0, Number.MAX_SAFE_INTEGER),
      }
      break
    }
    case 1: {
      const o = fields(input, 'class 1 token', ['class', 'subclass', 'control', 'mfrCode'])
      const subclass = int(o, 'subclass', 0, 1) as 0 | 1
      t = {
        class: 1,
        subclass,
        control: parseControl(o.control, subclass),
        mfrCode: int(o, 'mfrCode', 0, subclass === 0 ? 0xff : 0xffff),
      }
      break
    }
    default:
      throw bad('"token" must have "class" 0, 1 or 2, or be {"keyChange":{…}}')
  }
  return [encodeToken(k, t)]
}

function parseControl(v: unknown, subclass: 0 | 1): bigint {
  const bits = subclass === 0 ? 36 : 28
  if (typeof v !== 'string' || !/^[0-9a-fA-F]+$/.test(v))
    throw bad(`"control" must be hex (${bits} bits)`)
  const c = BigInt(`0x${v}`)
  if (c >> BigInt(bits) !== 0n)
    throw bad(`"control" must be at most ${bits} bits for class 1 subclass ${subclass}`)
  return c
}

/** A decoded token in the tool's field names (those of encode; 32-bit key parts as 8 hex digits). */
export function decodedToJson(t: DecodedToken): Json {
  if (t.class === 1) {
    return { ...t, control: t.control.toString(16).padStart(t.subclass === 0 ? 9 : 7, '0') }
  }
  if ('dkPart' in t) return { ...t, dkPart: t.dkPart.toString(16).padStart(8, '0') }
  return { ...t }
}

function errorJson(e: unknown): Json {
  if (e instanceof StsError) return { error: { code: e.code, message: e.message } }
  // A bug, not bad input: say so without echoing anything of the line (it may hold keys).
  return { error: { code: 'ERR_INTERNAL', message: 'internal error while handling this line' } }
}

/** A handler for one run of the tool: line in, JSON line out (without the newline). Never throws. */
export function createLineHandler(verb: Verb): (line: string) => string {
  const cache = new Map<string, StsKey>()
  const run = (input: unknown): Json => {
    switch (verb) {
      case 'derive-key': {
        const k = deriveKey(input)
        return { dk: formatKeyHex(k.dk, keyBits(k.ea)) }
      }
      case 'encode': {
        const o = fields(input, 'encode input', ['key', 'token'])
        return { tokens: token(o.token, key(o.key, cache)) }
      }
      case 'decode': {
        const o = fields(input, 'decode input', ['key', 'token'])
        if (typeof o.token !== 'string') throw bad('"token" must be a string of 20 digits')
        return decodedToJson(decodeToken(key(o.key, cache), o.token))
      }
    }
  }
  return (line) => {
    let result: Json
    try {
      let input: unknown
      try {
        input = JSON.parse(line)
      } catch {
        throw bad('the line is not a JSON object')
      }
      result = run(input)
    } catch (e) {
      result = errorJson(e)
    }
    return JSON.stringify(result)
  }
}
