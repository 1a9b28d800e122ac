/**
 * The fleet process's configuration, read from the environment once at start-up. Anything wrong
 * stops the process with every problem listed, before a meter connects.
 */
import { dirname, join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { strict } from '@gridtill/shared'
import { DEFAULT_TICK_MS } from './fleet.ts'

export const FleetConfig = Type.Object(
  {
    manifestPath: Type.String({ minLength: 1 }),
    statePath: Type.String({ minLength: 1 }),
    mqttUrl: Type.String({ pattern: '^(mqtts?|tcp|ssl|wss?)://.+' }),
    mqttUsername: Type.Optional(Type.String()),
    mqttPassword: Type.Optional(Type.String()),
    httpPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    clockFactor: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
    readingIntervalMs: Type.Integer({ minimum: 1_000 }),
    tickMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
    /** MQTT connection attempts in flight at once (10 000 meters: pace them). */
    connectConcurrency: Type.Integer({ minimum: 1, maximum: 10_000 }),
    keepaliveS: Type.Integer({ minimum: 5, maximum: 65_535 }),
    /** Public holidays (local YYYY-MM-DD) that friendly hours treat like weekends. */
    holidays: Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    /** How long to wait for the central to write the manifest on a first start. */
    manifestWaitMs: Type.Integer({ minimum: 0 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
  },
  strict,
)
export type FleetConfig = Static<typeof FleetConfig>

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG'
}

const num = (v: string | undefined, fallback: number): number =>
  v === undefined || v.trim() === '' ? fallback : Number(v)

export function loadFleetConfig(env: Record<string, string | undefined>): FleetConfig {
  const problems: string[] = []
  if (!env.MQTT_URL) problems.push('MQTT_URL is required (e.g. mqtt://127.0.0.1:1883)')
  if (!env.FLEET_MANIFEST)
    problems.push('FLEET_MANIFEST is required (the meter-fleet.json the central writes)')
  const manifestPath = env.FLEET_MANIFEST ?? ''
  const candidate = {
    manifestPath,
    statePath: env.FLEET_STATE || join(dirname(manifestPath || '.'), 'meter-fleet-state.json'),
    mqttUrl: env.MQTT_URL ?? '',
    ...(env.MQTT_USERNAME ? { mqttUsername: env.MQTT_USERNAME } : {}),
    ...(env.MQTT_PASSWORD ? { mqttPassword: env.MQTT_PASSWORD } : {}),
    httpPort: num(env.FLEET_HTTP_PORT, 4300),
    clockFactor: num(env.CLOCK_FACTOR, 1),
    readingIntervalMs: num(env.READING_INTERVAL_MS, 60_000),
    tickMs: num(env.FLEET_TICK_MS, DEFAULT_TICK_MS),
    manifestWaitMs: num(env.FLEET_MANIFEST_WAIT_MS, 30_000),
    connectConcurrency: num(env.MQTT_CONNECT_CONCURRENCY, 64),
    keepaliveS: num(env.MQTT_KEEPALIVE_S, 60),
    holidays: (env.FLEET_HOLIDAYS ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== ''),
    logLevel: env.LOG_LEVEL ?? 'info',
  }
  if (!Value.Check(FleetConfig, candidate)) {
    const names: Record<string, string> = {
      manifestPath: 'FLEET_MANIFEST',
      statePath: 'FLEET_STATE',
      mqttUrl: 'MQTT_URL',
      httpPort: 'FLEET_HTTP_PORT',
      clockFactor: 'CLOCK_FACTOR',
      readingIntervalMs: 'READING_INTERVAL_MS',
      tickMs: 'FLEET_TICK_MS',
      manifestWaitMs: 'FLEET_MANIFEST_WAIT_MS',
      connectConcurrency: 'MQTT_CONNECT_CONCURRENCY',
      keepaliveS: 'MQTT_KEEPALIVE_S',
      holidays: 'FLEET_HOLIDAYS',
      logLevel: 'LOG_LEVEL',
    }
    for (const e of Value.Errors(FleetConfig, candidate)) {
      const key = e.path.split('/')[1] ?? ''
      // Already reported as missing.
      if ((key === 'mqttUrl' && !env.MQTT_URL) || (key === 'manifestPath' && !env.FLEET_MANIFEST))
        continue
      problems.push(`${names[key] ?? key}: ${e.message} (got ${JSON.stringify(e.value)})`)
    }
  }
  if (problems.length > 0)
    throw new ConfigError(`bad fleet configuration:\n  ${[...new Set(problems)].join('\n  ')}`)
  return candidate
}
