/**
 * The kiosk agent process: `node --import tsx kiosk-agent/src/main.ts` (env: see config.ts).
 * Wires config, journal, enrolment, devices (simulated or real), the transaction machine, the
 * outbox and the UI bridge; shuts down gracefully on SIGTERM/SIGINT.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { systemClock } from '@gridtill/shared'
import { ConfigError, loadConfig, type AgentConfig } from './config.ts'
import { readVersion, startAgent } from './agent.ts'
import { createRealDevices } from './devices/real.ts'
import { createSimulatedDevices } from './devices/simulated.ts'

const here = path.dirname(fileURLToPath(import.meta.url))

async function main(): Promise<void> {
  let config: AgentConfig
  try {
    config = loadConfig(process.env)
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`)
    process.exit(1)
  }
  const log = pino({
    level: config.LOG_LEVEL,
    base: { service: 'kiosk-agent' },
    // Personal data and secrets never reach the log (STYLE.md, Logging).
    redact: {
      paths: ['cardNo', '*.cardNo', 'token', 'tokens', '*.tokens', 'privateKey', '*.privateKey', 'enrollmentCode', 'headers["x-gridtill-signature"]'],
      censor: '[redacted]',
    },
  })
  const clock = systemClock

  let agent: Awaited<ReturnType<typeof startAgent>>
  try {
    agent = await startAgent({
      config,
      clock,
      log,
      version: readVersion(path.join(here, '../package.json')),
      devices: (c) =>
        c.DEVICES === 'simulated'
          ? createSimulatedDevices({
              protocol: c.ACCEPTOR_PROTOCOL,
              clock,
              log,
              cassetteFile: path.join(path.resolve(c.AGENT_DATA_DIR), 'simulated-cassette.json'),
              pace: c.SIM_ACCEPTOR_PACE,
            })
          : createRealDevices(c, { clock, log }),
    })
  } catch (err) {
    log.fatal({ err }, `kiosk agent cannot start: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }

  log.info(
    {
      kiosk: `${agent.url}/`,
      panel: config.DEVICES === 'simulated' ? `${agent.url}/panel/` : null,
      ws: `${agent.url.replace(/^http/, 'ws')}/ws`,
      health: `${agent.url}/health`,
      metrics: `${agent.url}/metrics`,
      central: config.CENTRAL_URL,
      dataDir: path.resolve(config.AGENT_DATA_DIR),
    },
    `kiosk agent ready: screen ${agent.url}/ · panel ${agent.url}/panel/`,
  )

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'signal received')
    agent
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.fatal({ err }, 'shutdown failed')
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

void main()
