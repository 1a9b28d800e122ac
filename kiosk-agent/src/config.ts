import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/**
 * The agent's whole configuration, read from the environment once at start-up (STYLE.md, Logging
 * and config). Nothing else in the agent reads process.env.
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

const Ms = (def: number, minimum = 0) => Type.Integer({ minimum, default: def })

export const AgentConfig = Type.Object(
  {
    AGENT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4200 }),
    HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
    CENTRAL_URL: Type.String({ pattern: '^https?://[^\\s]+$', default: 'http://127.0.0.1:4100' }),
    AGENT_DATA_DIR: Type.String({ minLength: 1, default: './data/kiosk-k001' }),
    /** One-time code from the commissioning sheet; needed only until the kiosk is enrolled. */
    ENROLLMENT_CODE: Type.Optional(Type.String({ minLength: 6, maxLength: 64 })),
    DEVICES: Type.Union([Type.Literal('simulated'), Type.Literal('real')], { default: 'simulated' }),
    ACCEPTOR_PROTOCOL: Type.Union([Type.Literal('id003'), Type.Literal('ssp')], { default: 'id003' }),
    /** DEVICES=simulated: the simulated acceptor's mechanics at a real unit's pace or faster (crash tests). */
    SIM_ACCEPTOR_PACE: Type.Union([Type.Literal('device'), Type.Literal('fast')], { default: 'device' }),
    /** How often the central hears the kiosk's state (device states, outbox depth, cash box, paper). */
    HEARTBEAT_MS: Ms(30_000, 1_000),
    UI_DIST: Type.String({ minLength: 1, default: path.join(REPO_ROOT, 'kiosk-ui/dist') }),
    /** Inactivity before "Are you still there?". */
    IDLE_TIMEOUT_MS: Ms(60_000, 1_000),
    /** The warning's countdown; WCAG 2.2.1 wants at least 20 s to answer. */
    IDLE_WARNING_MS: Ms(30_000, 20_000),
    /** How long the resident waits for the central before a credit-pending receipt. */
    VEND_WAIT_MS: Ms(12_000, 1_000),
    DONE_TIMEOUT_MS: Ms(60_000, 1_000),
    /** Issue #8: how long a note waits in escrow before it is stacked (Cancel meanwhile returns it); under the driver's 10 s. */
    ESCROW_HOLD_MS: Type.Integer({ minimum: 0, maximum: 5_000, default: 0 }),
    ERROR_TIMEOUT_MS: Ms(15_000, 1_000),
    SERVICE_TIMEOUT_MS: Ms(300_000, 10_000),
    CENTRAL_TIMEOUT_MS: Ms(8_000, 100),
    /** How many demo customers' cards the simulator panel lists. */
    DEMO_METERS: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
    TIME_ZONE: Type.String({ minLength: 1, default: 'Asia/Shanghai' }),
    LOG_LEVEL: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    // Real devices (DEVICES=real).
    ACCEPTOR_PORT: Type.Optional(Type.String({ minLength: 1 })),
    PRINTER_PORT: Type.Optional(Type.String({ minLength: 1 })),
    PRINTER_BAUD: Type.Integer({ minimum: 1200, maximum: 921_600, default: 115_200 }),
    /** "vid:pid" in hex, e.g. "ffff:0035". */
    READER_HID: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$' })),
  },
  { additionalProperties: false },
)
export type AgentConfig = Static<typeof AgentConfig>

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID'
}

const KEYS = Object.keys(AgentConfig.properties) as (keyof AgentConfig)[]

/** Picks our keys out of the environment (empty strings count as unset), applies defaults, checks. */
export function loadConfig(env: Record<string, string | undefined>): AgentConfig {
  const raw: Record<string, unknown> = {}
  for (const k of KEYS) {
    const v = env[k]
    if (v !== undefined && v.trim() !== '') raw[k] = v.trim()
  }
  const withDefaults = Value.Default(AgentConfig, raw)
  const converted = Value.Convert(AgentConfig, withDefaults)
  if (!Value.Check(AgentConfig, converted)) {
    const problems = [...Value.Errors(AgentConfig, converted)].map((e) => {
      const key = e.path.replace(/^\//, '')
      const choices = (e.schema.anyOf as { const?: unknown }[] | undefined)?.map((s) => String(s.const))
      return `${key}=${JSON.stringify(raw[key] ?? null)}: ${choices ? `expected one of ${choices.join(' | ')}` : e.message}`
    })
    throw new ConfigError(`bad kiosk-agent configuration:\n  ${problems.join('\n  ')}`)
  }
  const config = converted
  if (config.DEVICES === 'real') {
    const missing = (['ACCEPTOR_PORT', 'PRINTER_PORT', 'READER_HID'] as const).filter((k) => !config[k])
    if (missing.length > 0) throw new ConfigError(`bad kiosk-agent configuration:\n  ${missing.join(', ')} required with DEVICES=real`)
  }
  return config
}

export const repoRoot = REPO_ROOT
