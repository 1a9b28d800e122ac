import { describe, expect, it } from 'vitest'
import { ConfigError, DEMO_MASTER_KEY_HEX, loadConfig, sqlitePath } from './config.ts'

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

  it('refuses PostgreSQL for now with a clear message, and accepts sqlite: URLs', () => {
    expect(problems({ MASTER_KEY: KEY, DATABASE_URL: 'postgres://u:p@db/gridtill' })).toEqual([expect.stringContaining('not yet supported')])
    expect(problems({ MASTER_KEY: KEY, DATABASE_URL: 'mysql://x' })).toEqual([expect.stringContaining('DATABASE_URL must be sqlite')])
    const { config } = loadConfig({ MASTER_KEY: KEY, DATABASE_URL: 'sqlite:/var/lib/gridtill/c.db' })
    expect(sqlitePath(config)).toBe('/var/lib/gridtill/c.db')
  })

  it('checks MQTT_URL and ADMIN_TOKEN shapes', () => {
    expect(problems({ MASTER_KEY: KEY, MQTT_URL: 'broker:1883' })).toEqual([expect.stringContaining('MQTT_URL')])
    expect(problems({ MASTER_KEY: KEY, ADMIN_TOKEN: 'short' })).toEqual([expect.stringContaining('ADMIN_TOKEN')])
    expect(loadConfig({ MASTER_KEY: KEY, MQTT_URL: 'mqtt://broker:1883' }).config.mqttUrl).toBe('mqtt://broker:1883')
  })
})
