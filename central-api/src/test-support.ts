/**
 * Helpers for central-api's tests: a fresh data directory per app, the demo estate, an enrolled
 * kiosk and signed requests. Not imported by production code.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { FastifyBaseLogger, FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from 'fastify'
import pg from 'pg'
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
    // The year of analytics history costs every test app time; the analytics tests switch it on.
    demoHistory: false,
    timeZone: 'Asia/Shanghai',
    logLevel: 'silent',
    ...overrides,
  }
}

// ── engines: the storage and vend suites run on SQLite and on PostgreSQL ───────────────────

export const ENGINES = ['sqlite', 'postgres'] as const
export type Engine = (typeof ENGINES)[number]

/**
 * PostgreSQL for tests: GRIDTILL_TEST_DATABASE_URL, else the CI machines' server (trust auth,
 * database `test`, user postgres or root). Unreachable is a failure, never a skip: CI has it.
 */
let pgUrl: Promise<string> | undefined
export function testPostgresUrl(): Promise<string> {
  pgUrl ??= (async () => {
    const given = process.env.GRIDTILL_TEST_DATABASE_URL
    const candidates = given !== undefined && given !== '' ? [given] : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']
    const failures: string[] = []
    for (const url of candidates) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
      try {
        await client.connect()
        await client.query('SELECT 1')
        return url
      } catch (e) {
        failures.push(`${url}: ${e instanceof Error ? e.message : String(e)}`)
      } finally {
        await client.end().catch(() => undefined)
      }
    }
    throw new Error(`PostgreSQL is required by the central-api tests and is not reachable (set GRIDTILL_TEST_DATABASE_URL):\n  ${failures.join('\n  ')}`)
  })()
  return pgUrl
}

/** A database for one test: a fresh SQLite directory, or a fresh PostgreSQL schema. */
export interface TestDatabase {
  engine: Engine
  dir: string
  /** Config that points an app at this database. */
  config: Partial<Config>
  /** Runs raw SQL on it from outside the app (planting faults, tampering). */
  exec(sql: string): Promise<void>
  drop(): Promise<void>
}

export async function testDatabase(engine: Engine, dir = tempDir()): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    return {
      engine,
      dir,
      config: {},
      async exec(sql) {
        // The app in this same process may hold the write lock for its group commit: never block
        // the event loop waiting for it (its commit timer could not fire); retry instead.
        const db = new Database(path.join(dir, 'central.db'), { timeout: 0 })
        try {
          for (let tries = 0; ; tries++) {
            try {
              db.exec(sql)
              return
            } catch (e) {
              if (!(e instanceof Error && 'code' in e && e.code === 'SQLITE_BUSY') || tries > 500) throw e
              await new Promise((r) => setTimeout(r, 5))
            }
          }
        } finally {
          db.close()
        }
      },
      drop() {
        fs.rmSync(dir, { recursive: true, force: true })
        return Promise.resolve()
      },
    }
  }
  const url = await testPostgresUrl()
  // A schema per test: tests run in parallel and leave nothing behind.
  const schema = `test_${randomBytes(6).toString('hex')}`
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await run(`CREATE SCHEMA ${schema}`)
  return {
    engine,
    dir,
    config: { databaseUrl: url, databaseSchema: schema, databasePoolSize: 6 },
    exec: run,
    async drop() {
      await run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface TestApp {
  app: FastifyInstance
  clock: ManualClock
  dir: string
  db: TestDatabase
  close(): Promise<void>
}

/**
 * An app on a fresh database (SQLite unless `engine` says otherwise), or on `db` when given (a
 * second instance on the same database; then closing the app leaves the database alone).
 */
export async function makeApp(
  opts: { engine?: Engine; db?: TestDatabase; config?: Partial<Config>; meterLink?: boolean; dir?: string; clock?: ManualClock; logger?: FastifyBaseLogger; onRoute?: (route: RouteOptions) => void } = {},
): Promise<TestApp> {
  const db = opts.db ?? (await testDatabase(opts.engine ?? 'sqlite', opts.dir ?? tempDir()))
  const clock = opts.clock ?? new ManualClock(TEST_START)
  let app: FastifyInstance
  try {
    app = await buildApp({ config: testConfig(db.dir, { ...db.config, ...opts.config }), clock, logger: opts.logger ?? pino({ level: 'silent' }), meterLink: opts.meterLink ?? false, ...(opts.onRoute === undefined ? {} : { onRoute: opts.onRoute }) })
  } catch (e) {
    if (opts.db === undefined && opts.dir === undefined) await db.drop()
    throw e
  }
  return {
    app,
    clock,
    dir: db.dir,
    db,
    async close() {
      await app.close()
      // A directory the caller handed in is the caller's to remove.
      if (opts.db === undefined && opts.dir === undefined) await db.drop()
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

/** Headers of a staff action: the admin token and the acting staff member (demo staff S001–S003). */
export function staffHeaders(staffId: string): Record<string, string> {
  return { ...ADMIN, 'x-gridtill-staff': staffId }
}
