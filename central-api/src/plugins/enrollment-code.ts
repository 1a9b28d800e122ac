/**
 * One-time enrolment codes are stored as scrypt hashes: a code printed on a commissioning sheet
 * is short, so a plain digest of it could be brute-forced from a stolen database.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const PARAMS = { N: 16384, r: 8, p: 1 } as const
const KEY_LEN = 32

function scryptAsync(secret: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))))
}

export async function hashEnrollmentCode(code: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(code, salt, PARAMS)
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyEnrollmentCode(code: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$')
  if (alg !== 'scrypt' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64')
  const key = await scryptAsync(code, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
