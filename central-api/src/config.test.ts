import { describe, expect, it } from 'vitest'
import { ConfigError, databaseEngine, DEMO_MASTER_KEY_HEX, loadConfig, loadStorageConfig, sqlitePath } from './config.ts'

const KEY = 'ab'.repeat(32)

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) return e.problems
    throw e
  }
  return []
}

describe('config', () => {
  it('has the documented defaults', () => {
    const { config, warnings } = loadConfig({ MASTER_KEY: KEY })
    expect(config).toEqual({
      port: 4100,
      host: '127.0.0.1',
      dataDir: './data',
      mqttPort: 4183,
      mqttClientId: 'gridtill-central',
      masterKeyHex: KEY,
      demo: false,
      meterCount: 50,
      timeZone: 'Asia/Shanghai',
      logLevel: 'info',
    })
    expect(warnings).toEqual([])
    expect(sqlitePath(config)).toBe('./data/central.db')
  })

  it('requires MASTER_KEY outside demo mode, and uses the demo key with a warning in demo mode', () => {
    expect(problems({})).toEqual([expect.stringContaining('MASTER_KEY is required')])
    const { config, warnings } = loadConfig({ GRIDTILL_DEMO: '1' })
    expect(config.masterKeyHex).toBe(DEMO_MASTER_KEY_HEX)
    expect(config.adminToken).toBe('demo-admin')
    expect(warnings.join('\n')).toMatch(/DEMO master key/)
  })

  it('lists every problem at once and never echoes the master key', () => {
    const secret = 'zz'.repeat(32)
    const p = problems({ MASTER_KEY: secret, PORT: '41.5', MQTT_PORT: '70000', LOG_LEVEL: 'loud', TIME_ZONE: 'Mars/Olympus', GRIDTILL_DEMO: 'yes', METER_COUNT: '0' })
    expect(p.length).toBeGreaterThanOrEqual(7)
    expect(p.join('\n')).not.toContain(secret)
    expect(p.join('\n')).toMatch(/PORT must be a whole number/)
    expect(p.join('\n')).toMatch(/MQTT_PORT/)
    expect(p.join('\n')).toMatch(/LOG_LEVEL/)
    expect(p.join('\n')).toMatch(/TIME_ZONE "Mars\/Olympus"/)
    expect(p.join('\n')).toMatch(/GRIDTILL_DEMO/)
    expect(p.join('\n')).toMatch(/METER_COUNT/)
  })

  it('accepts postgres:// and sqlite: URLs, refuses others without echoing them', () => {
    const { config: pg } = loadConfig({ MASTER_KEY: KEY, DATABASE_URL: 'postgres://u:p@db:5432/gridtill', DATABASE_SCHEMA: 'central', DATABASE_POOL_SIZE: '20' })
    expect(pg).toMatchObject({ databaseUrl: 'postgres://u:p@db:5432/gridtill', databaseSchema: 'central', databasePoolSize: 20 })
    expect(databaseEngine(pg)).toBe('postgres')
    expect(problems({ MASTER_KEY: KEY, DATABASE_URL: 'postgres://u:secret@db' })).toEqual([expect.stringContaining('needs a host and a database name')])
    const bad = problems({ MASTER_KEY: KEY, DATABASE_URL: 'mysql://root:hunter2@x/y' })
    expect(bad).toEqual([expect.stringContaining('DATABASE_URL must be postgres://')])
    expect(bad.join()).not.toContain('hunter2')
    expect(problems({ MASTER_KEY: KEY, DATABASE_SCHEMA: 'central' })).toEqual([expect.stringContaining('PostgreSQL only')])
    expect(problems({ MASTER_KEY: KEY, DATABASE_URL: 'postgres://db/x', DATABASE_SCHEMA: 'Bad-Name' })).toEqual([expect.stringContaining('DATABASE_SCHEMA')])
    const { config } = loadConfig({ MASTER_KEY: KEY, DATABASE_URL: 'sqlite:/var/lib/gridtill/c.db', SQLITE_COMMIT_DELAY_MS: '5' })
    expect(sqlitePath(config)).toBe('/var/lib/gridtill/c.db')
    expect(config.sqliteCommitDelayMs).toBe(5)
    expect(databaseEngine(config)).toBe('sqlite')
    expect(loadStorageConfig({ DATA_DIR: '/srv/gt' })).toEqual({ dataDir: '/srv/gt' })
    expect(() => loadStorageConfig({ DATABASE_URL: 'oracle://x' })).toThrow(ConfigError)
  })

  it('reads DEMO_HISTORY as 0 or 1 and refuses anything else', () => {
    expect(loadConfig({ GRIDTILL_DEMO: '1', DEMO_HISTORY: '0' }).config.demoHistory).toBe(false)
    expect(loadConfig({ GRIDTILL_DEMO: '1', DEMO_HISTORY: '1' }).config.demoHistory).toBe(true)
    expect(loadConfig({ GRIDTILL_DEMO: '1' }).config.demoHistory).toBeUndefined()
    expect(problems({ GRIDTILL_DEMO: '1', DEMO_HISTORY: 'yes' })).toEqual(['DEMO_HISTORY must be 0 or 1, got "yes"'])
  })

  it('checks MQTT_URL and ADMIN_TOKEN shapes', () => {
    expect(problems({ MASTER_KEY: KEY, MQTT_URL: 'broker:1883' })).toEqual([expect.stringContaining('MQTT_URL')])
    expect(problems({ MASTER_KEY: KEY, ADMIN_TOKEN: 'short' })).toEqual([expect.stringContaining('ADMIN_TOKEN')])
    expect(loadConfig({ MASTER_KEY: KEY, MQTT_URL: 'mqtt://broker:1883' }).config.mqttUrl).toBe('mqtt://broker:1883')
  })
})
