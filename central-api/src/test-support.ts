/**
 * Helpers for central-api's tests: a fresh data directory per app, the demo estate, an enrolled
 * kiosk and signed requests. Not imported by production code.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyBaseLogger, FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { pino } from 'pino'
import { API_PREFIX, DEMO_KIOSK, ManualClock, uuidv7, type VendRequest } from '@gridtill/shared'
import { buildApp } from './app.ts'
import { DEMO_MASTER_KEY_HEX, type Config } from './config.ts'
import { signRequest } from './plugins/kiosk-signing.ts'

/** 2026-11-24 10:00 in Shanghai. */
export const TEST_START = Date.UTC(2026, 10, 24, 2, 0, 0)
export const FIRST_METER = '58101000001'
export const FIRST_CARD = '8800010001'
export const ADMIN = { 'x-gridtill-admin-token': 'test-admin-token' }

export function tempDir(prefix = 'gridtill-central-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    mqttPort: 0,
    mqttClientId: 'gridtill-central-test',
    masterKeyHex: DEMO_MASTER_KEY_HEX,
    adminToken: ADMIN['x-gridtill-admin-token'],
    demo: true,
    meterCount: 6,
    timeZone: 'Asia/Shanghai',
    logLevel: 'silent',
    ...overrides,
  }
}

export interface TestApp {
  app: FastifyInstance
  clock: ManualClock
  dir: string
  close(): Promise<void>
}

export async function makeApp(
  opts: { config?: Partial<Config>; meterLink?: boolean; dir?: string; clock?: ManualClock; logger?: FastifyBaseLogger } = {},
): Promise<TestApp> {
  const dir = opts.dir ?? tempDir()
  const clock = opts.clock ?? new ManualClock(TEST_START)
  const app = await buildApp({ config: testConfig(dir, opts.config), clock, logger: opts.logger ?? pino({ level: 'silent' }), meterLink: opts.meterLink ?? false })
  return {
    app,
    clock,
    dir,
    async close() {
      await app.close()
      if (opts.dir === undefined) fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface TestKiosk {
  kioskId: string
  privateKey: KeyObject
  publicKeyB64: string
}

export function kioskKeys(): { privateKey: KeyObject; publicKeyB64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { privateKey, publicKeyB64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }
}

export async function enrollDemoKiosk(app: FastifyInstance): Promise<TestKiosk> {
  const keys = kioskKeys()
  const res = await app.inject({
    method: 'POST',
    url: `${API_PREFIX}/kiosks/enroll`,
    payload: { enrollmentCode: DEMO_KIOSK.enrollmentCode, publicKey: keys.publicKeyB64 },
  })
  if (res.statusCode !== 200) throw new Error(`enrol failed: ${res.statusCode} ${res.body}`)
  return { kioskId: (res.json<{ kioskId: string }>()).kioskId, ...keys }
}

export interface SignedOptions {
  method: 'GET' | 'POST'
  url: string
  /** An object is sent as JSON; a string is sent as is (with a JSON content type). */
  body?: unknown
  now?: number
  nonce?: string
  headers?: Record<string, string>
}

export function signed(app: FastifyInstance, kiosk: TestKiosk, o: SignedOptions): Promise<LightMyRequestResponse> {
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
  const sig = signRequest({
    privateKey: kiosk.privateKey,
    kioskId: kiosk.kioskId,
    method: o.method,
    path: o.url,
    body: payload,
    now: o.now ?? (app.clock.now()),
    ...(o.nonce === undefined ? {} : { nonce: o.nonce }),
  })
  const inject: InjectOptions = {
    method: o.method,
    url: o.url,
    headers: { ...sig, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
    ...(payload === undefined ? {} : { payload }),
  }
  return app.inject(inject)
}

export function vendBody(meterNo: string, noteValuesFen: number[], now: number, overrides: Partial<VendRequest> = {}): VendRequest {
  return {
    vendId: uuidv7(now),
    meterNo,
    amountFen: noteValuesFen.reduce((a, b) => a + b, 0),
    notes: noteValuesFen.map((valueFen) => ({ noteId: uuidv7(now), valueFen })),
    paidAt: new Date(now).toISOString(),
    ...overrides,
  }
}
