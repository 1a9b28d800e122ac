/**
 * Staff password hashing with scrypt (node:crypto). Parameters follow OWASP's password storage
 * cheat sheet for scrypt: N = 2^17, r = 8, p = 1 (128 MiB, about 0.3 s on one core here), a 16-byte
 * random salt and a 32-byte key. They are stored with each hash ("scrypt$N$r$p$salt$key", base64url)
 * so they can be raised later without invalidating existing passwords.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const
/** Passwords: 12 to 200 characters (length, not composition rules; NIST SP 800-63B). */
export const PASSWORD_MIN = 12
export const PASSWORD_MAX = 200

// Each hash holds 128 MiB for its duration; two at a time bounds memory on a small server, and
// sign-ins are rare enough that a short queue is harmless.
const MAX_CONCURRENT = 2
let running = 0
const waiting: (() => void)[] = []

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await fn()
  } finally {
    running--
    waiting.shift()?.()
  }
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }
  return limited(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)))
      }),
  )
}

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SCRYPT_PARAMS.saltLength)
  const key = await derive(password, salt, params.N, params.r, params.p, SCRYPT_PARAMS.keyLength)
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{8,})\$([A-Za-z0-9_-]{16,})$/

/** False for a wrong password and for a malformed stored hash (never throws on bad data). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored)
  if (m === null) return false
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return false
  const expected = Buffer.from(m[5]!, 'base64url')
  const key = await derive(password, Buffer.from(m[4]!, 'base64url'), N, r, p, expected.length)
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/**
 * Verifying against this when the staff ID is unknown makes an unknown ID take as long as a wrong
 * password, so timing does not tell which IDs exist. Its password is random and thrown away.
 */
let dummy: Promise<string> | null = null
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(18).toString('base64url'))
  return dummy
}
