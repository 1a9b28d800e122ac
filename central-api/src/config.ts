/**
 * The central's process config: one TypeBox schema, read from the environment once at start-up
 * (STYLE.md, Logging and config). Nothing else in central-api reads process.env.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ErrorCode } from '@gridtill/shared'

export const LogLevel = Type.Union([
  Type.Literal('fatal'),
  Type.Literal('error'),
  Type.Literal('warn'),
  Type.Literal('info'),
  Type.Literal('debug'),
  Type.Literal('trace'),
  Type.Literal('silent'),
])

export const Config = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    host: Type.String({ minLength: 1 }),
    dataDir: Type.String({ minLength: 1 }),
    /** sqlite:<path> (default DATA_DIR/central.db) or postgres://… for several central instances. */
    databaseUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** PostgreSQL only: a schema of the central's own (created if missing). */
    databaseSchema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
    /** PostgreSQL only: connections per central instance. */
    databasePoolSize: Type.Optional(Type.Integer({ minimum: 2, maximum: 200 })),
    /** SQLite only: how long a write waits for others to share its fsync (group commit), and how many may. */
    sqliteCommitDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    sqliteCommitMaxBatch: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** An external broker; without it the central starts an embedded one on mqttPort. */
    mqttUrl: Type.Optional(Type.String({ pattern: '^(mqtt|mqtts|tcp|tls|ws|wss)://' })),
    mqttPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** The broker remembers a persistent session (clean: false) under this id; unique per central instance. */
    mqttClientId: Type.String({ minLength: 1, maxLength: 64 }),
    /** 256-bit key that encrypts vending keys at rest (software security module). */
    masterKeyHex: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
    /** Lets console/test tooling read admin endpoints with x-gridtill-admin-token. */
    adminToken: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
    demo: Type.Boolean(),
    meterCount: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /**
     * Demo only: seed a year of synthetic usage history for the analytics pages (default: on up to
     * 1,000 meters; a 10,000-meter bench estate would spend gigabytes on it).
     */
    demoHistory: Type.Optional(Type.Boolean()),
    timeZone: Type.String({ minLength: 1 }),
    logLevel: LogLevel,
    /** Field operations: a kiosk not heard from for more than this many minutes is offline (default 5). */
    kioskOfflineAfterMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    /** Low-credit alert when a meter has fewer days of credit left than this (default 3). */
    lowCreditDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
  },
  { additionalProperties: false },
)
export type Config = Static<typeof Config>

/** Fixed so a demo restarts with the same keys; never valid outside GRIDTILL_DEMO=1. */
export const DEMO_MASTER_KEY_HEX = '6f8ebbc26921bdb39074c9d546b08cd750f71dc39b0936436341f53c0231417b'
export const DEMO_ADMIN_TOKEN = 'demo-admin'

export class ConfigError extends Error {
  readonly code = ErrorCode.CONFIG_INVALID
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

export interface LoadedConfig {
  config: Config
  /** Things worth a warning at start-up (demo keys and tokens). */
  warnings: string[]
}

type Env = Readonly<Record<string, string | undefined>>

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env): LoadedConfig {
  const problems: string[] = []
  const warnings: string[] = []
  const str = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const int = (name: string, fallback: number): number => {
    const v = str(name)
    if (v === undefined) return fallback
    // Strict: "4100abc" or "41.5" is a typo, not 4100.
    if (!/^[0-9]{1,9}$/.test(v)) {
      problems.push(`${name} must be a whole number, got "${v}"`)
      return fallback
    }
    return Number(v)
  }

  const demoRaw = str('GRIDTILL_DEMO')
  if (demoRaw !== undefined && demoRaw !== '0' && demoRaw !== '1') problems.push(`GRIDTILL_DEMO must be 0 or 1, got "${demoRaw}"`)
  const demo = demoRaw === '1'

  let masterKeyHex = str('MASTER_KEY')
  if (masterKeyHex === undefined) {
    if (demo) {
      masterKeyHex = DEMO_MASTER_KEY_HEX
      warnings.push('MASTER_KEY not set: using the fixed DEMO master key (GRIDTILL_DEMO=1). Never use this in production.')
    } else {
      problems.push('MASTER_KEY is required (64 hex digits, 256 bits) unless GRIDTILL_DEMO=1')
      masterKeyHex = ''
    }
  }

  let adminToken = str('ADMIN_TOKEN')
  if (adminToken === undefined && demo) {
    adminToken = DEMO_ADMIN_TOKEN
    warnings.push(`ADMIN_TOKEN not set: admin endpoints accept the demo token "${DEMO_ADMIN_TOKEN}".`)
  }

  const storage = readStorageEnv(env, problems)

  const timeZone = str('TIME_ZONE') ?? 'Asia/Shanghai'
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    problems.push(`TIME_ZONE "${timeZone}" is not an IANA time zone`)
  }

  const candidate: Record<string, unknown> = {
    port: int('PORT', 4100),
    host: str('HOST') ?? '127.0.0.1',
    dataDir: str('DATA_DIR') ?? './data',
    mqttPort: int('MQTT_PORT', 4183),
    mqttClientId: str('MQTT_CLIENT_ID') ?? 'gridtill-central',
    masterKeyHex,
    demo,
    meterCount: int('METER_COUNT', 50),
    timeZone,
    logLevel: str('LOG_LEVEL') ?? 'info',
  }
  const demoHistory = str('DEMO_HISTORY')
  if (demoHistory !== undefined) {
    if (demoHistory !== '0' && demoHistory !== '1') problems.push(`DEMO_HISTORY must be 0 or 1, got "${demoHistory}"`)
    else candidate.demoHistory = demoHistory === '1'
  }
  Object.assign(candidate, storage)
  const commitDelay = str('SQLITE_COMMIT_DELAY_MS')
  if (commitDelay !== undefined) candidate.sqliteCommitDelayMs = int('SQLITE_COMMIT_DELAY_MS', 2)
  const commitBatch = str('SQLITE_COMMIT_MAX_BATCH')
  if (commitBatch !== undefined) candidate.sqliteCommitMaxBatch = int('SQLITE_COMMIT_MAX_BATCH', 256)
  const poolSize = str('DATABASE_POOL_SIZE')
  if (poolSize !== undefined) candidate.databasePoolSize = int('DATABASE_POOL_SIZE', 10)
  if (str('KIOSK_OFFLINE_AFTER_MIN') !== undefined) candidate.kioskOfflineAfterMin = int('KIOSK_OFFLINE_AFTER_MIN', 5)
  const mqttUrl = str('MQTT_URL')
  if (mqttUrl !== undefined) candidate.mqttUrl = mqttUrl
  if (str('LOW_CREDIT_DAYS') !== undefined) candidate.lowCreditDays = int('LOW_CREDIT_DAYS', 3)
  if (adminToken !== undefined) candidate.adminToken = adminToken

  // Only report schema errors for fields not already explained above (no double messages).
  if (masterKeyHex !== '') {
    for (const e of Value.Errors(Config, candidate)) problems.push(describe(e.path, e.message))
  } else {
    for (const e of Value.Errors(Config, candidate)) if (e.path !== '/masterKeyHex') problems.push(describe(e.path, e.message))
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { config: candidate as Config, warnings }
}

const ENV_NAMES: Record<string, string> = {
  '/port': 'PORT',
  '/host': 'HOST',
  '/dataDir': 'DATA_DIR',
  '/databaseUrl': 'DATABASE_URL',
  '/databaseSchema': 'DATABASE_SCHEMA',
  '/databasePoolSize': 'DATABASE_POOL_SIZE',
  '/sqliteCommitDelayMs': 'SQLITE_COMMIT_DELAY_MS',
  '/sqliteCommitMaxBatch': 'SQLITE_COMMIT_MAX_BATCH',
  '/mqttUrl': 'MQTT_URL',
  '/mqttPort': 'MQTT_PORT',
  '/mqttClientId': 'MQTT_CLIENT_ID',
  '/masterKeyHex': 'MASTER_KEY',
  '/adminToken': 'ADMIN_TOKEN',
  '/meterCount': 'METER_COUNT',
  '/timeZone': 'TIME_ZONE',
  '/logLevel': 'LOG_LEVEL',
  '/lowCreditDays': 'LOW_CREDIT_DAYS',
}

// Names the variable and the rule, never the value: the master key or admin token must not reach a log.
function describe(path: string, message: string): string {
  return `${ENV_NAMES[path] ?? path}: ${message}`
}

export type StorageConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'databaseSchema'>

const POSTGRES_URL = /^postgres(ql)?:\/\//i

/** DATA_DIR, DATABASE_URL and DATABASE_SCHEMA, checked; problems are appended to `problems`. */
function readStorageEnv(env: Env, problems: string[]): Partial<StorageConfig> {
  const str = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const out: Partial<StorageConfig> = {}
  const databaseUrl = str('DATABASE_URL')
  if (databaseUrl !== undefined) {
    if (POSTGRES_URL.test(databaseUrl)) {
      try {
        const u = new URL(databaseUrl)
        if (u.hostname === '' || u.pathname.length <= 1) problems.push('DATABASE_URL=postgres://… needs a host and a database name (postgres://user@host:5432/dbname)')
      } catch {
        problems.push('DATABASE_URL is not a valid postgres:// URL')
      }
    } else if (!/^(sqlite:|file:)/i.test(databaseUrl)) {
      // Never echo the value: a URL may carry a password.
      problems.push('DATABASE_URL must be postgres://user@host:port/dbname or sqlite:<path> (or unset for DATA_DIR/central.db)')
    }
    out.databaseUrl = databaseUrl
  }
  const schema = str('DATABASE_SCHEMA')
  if (schema !== undefined) {
    if (databaseUrl === undefined || !POSTGRES_URL.test(databaseUrl)) problems.push('DATABASE_SCHEMA applies to PostgreSQL only (DATABASE_URL=postgres://…)')
    out.databaseSchema = schema
  }
  return out
}

/** The storage settings alone, for tools that only open the database (the ledger check CLI). */
export function loadStorageConfig(env: Env): StorageConfig {
  const problems: string[] = []
  const storage = readStorageEnv(env, problems)
  const config: StorageConfig = { dataDir: env.DATA_DIR?.trim() || './data', ...storage }
  if (config.databaseSchema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.databaseSchema)) problems.push('DATABASE_SCHEMA must be a lower-case name')
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

export function databaseEngine(config: Pick<Config, 'databaseUrl'>): 'sqlite' | 'postgres' {
  return config.databaseUrl !== undefined && POSTGRES_URL.test(config.databaseUrl) ? 'postgres' : 'sqlite'
}

/** The SQLite file: DATABASE_URL=sqlite:<path> when given, else DATA_DIR/central.db. */
export function sqlitePath(config: Pick<Config, 'dataDir' | 'databaseUrl'>): string {
  if (config.databaseUrl !== undefined) return config.databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '')
  return `${config.dataDir.replace(/\/+$/, '')}/central.db`
}
