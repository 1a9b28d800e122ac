/**
 * The meter fleet process: `node --import tsx hardware/src/meter/fleet-main.ts`.
 * Env: MQTT_URL and FLEET_MANIFEST (required), FLEET_STATE, FLEET_HTTP_PORT (4300), CLOCK_FACTOR (1),
 * READING_INTERVAL_MS (60000, simulated), FLEET_TICK_MS (100), FLEET_MANIFEST_WAIT_MS (30000),
 * MQTT_CONNECT_CONCURRENCY (64), MQTT_KEEPALIVE_S (60), FLEET_HOLIDAYS (YYYY-MM-DD,…),
 * MQTT_USERNAME, MQTT_PASSWORD, LOG_LEVEL.
 *
 * FLEET_STATE is the SQLite state store. A path ending in `.db` is used as it is; the old style
 * `….json` (the default is meter-fleet-state.json beside the manifest) puts the store at `….db`
 * next to it and, if the old JSON state file is there, imports it once.
 */
import { access } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { systemClock } from '@gridtill/shared'
import { ConfigError, loadFleetConfig, type FleetConfig } from './fleet-config.ts'
import { MeterFleet } from './fleet.ts'
import { MqttConnector } from './mqtt-connector.ts'
import { loadManifest } from './programming.ts'
import { createStatusServer } from './status-server.ts'
import { stsDecoderFactory } from './sts-decoder.ts'

function readConfig(): FleetConfig {
  try {
    return loadFleetConfig(process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
}
const config = readConfig()

const log = pino({ name: 'meter-fleet', level: config.logLevel })

async function waitForFile(path: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs
  let told = false
  for (;;) {
    try {
      await access(path)
      return
    } catch {
      if (Date.now() >= deadline) return // loadManifest then says what is wrong
      if (!told) log.info({ path }, 'waiting for the central to write the meter manifest')
      told = true
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

try {
  // On a first `npm start` the central may still be seeding when the fleet starts.
  await waitForFile(config.manifestPath, config.manifestWaitMs)
  const programming = await loadManifest(config.manifestPath)
  const fleet = await MeterFleet.create({
    programming,
    connector: new MqttConnector({
      url: config.mqttUrl,
      log,
      now: () => systemClock.now(),
      connectConcurrency: config.connectConcurrency,
      keepaliveS: config.keepaliveS,
      ...(config.mqttUsername !== undefined ? { username: config.mqttUsername } : {}),
      ...(config.mqttPassword !== undefined ? { password: config.mqttPassword } : {}),
    }),
    decoderFactory: stsDecoderFactory(),
    clock: systemClock,
    clockFactor: config.clockFactor,
    readingIntervalMs: config.readingIntervalMs,
    tickMs: config.tickMs,
    statePath: config.statePath,
    holidays: config.holidays,
    log,
  })
  const server = createStatusServer(fleet, log)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.httpPort, '127.0.0.1', () => resolve())
  })
  fleet.start()
  const { port } = server.address() as AddressInfo
  log.info(
    {
      meters: fleet.size,
      mqtt: config.mqttUrl.replace(/\/\/[^@/]*@/, '//***@'),
      http: `http://127.0.0.1:${port}/meters`,
      clockFactor: config.clockFactor,
      state: config.statePath,
    },
    'meter fleet running',
  )

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping meter fleet')
    server.close()
    server.closeAllConnections()
    fleet
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'meter fleet did not stop cleanly')
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'meter fleet cannot start')
  process.exit(1)
}
