/**
 * The central process: read config once, build the app, listen, print where everything is, and
 * shut down gracefully on SIGTERM/SIGINT (in-flight requests finish; broker and database close).
 *
 *   GRIDTILL_DEMO=1 node --import tsx central-api/src/server.ts
 */
import path from 'node:path'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { DEMO_KIOSK } from '@gridtill/shared'
import { createLogger } from './logger.ts'
import { describeStorage } from './storage/open.ts'
import { exportMeterProgramming, writeMeterFleetFile } from './storage/seed-demo.ts'

async function main(): Promise<void> {
  let loaded
  try {
    loaded = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`central-api: refusing to start, ${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }
  const { config, warnings } = loaded
  const log = createLogger(config.logLevel)
  for (const w of warnings) log.warn(w)

  let app
  try {
    app = await buildApp({ config, logger: log })
  } catch (err) {
    log.fatal({ err }, 'central-api failed to start')
    process.stderr.write(`central-api: refusing to start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }

  if (config.demo) {
    // The meter fleet simulator is "programmed at the factory" from this file; it holds decoder keys.
    const file = path.join(config.dataDir, 'meter-fleet.json')
    writeMeterFleetFile(file, await exportMeterProgramming(app.repo, app.securityModule))
    log.info({ file }, 'meter programming written for the simulated fleet')
  }

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting')
      process.exit(1)
    }, 15_000)
    force.unref()
    app
      .close()
      .then(() => {
        log.info('stopped')
        process.exit(0)
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error while shutting down')
        process.exit(1)
      })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  const address = await app.listen({ port: config.port, host: config.host })
  const link = app.meterLink
  const lines = [
    `GridTill central-api listening on ${address}`,
    `  API        ${address}/api/v1`,
    `  OpenAPI    ${address}/docs`,
    `  health     ${address}/health     metrics ${address}/metrics`,
    `  MQTT       ${link?.url ?? '(off)'}${link?.embeddedBroker ? ' (embedded broker)' : ''}`,
    `  database   ${app.repo.engine === 'sqlite' ? path.resolve(describeStorage(config)) : describeStorage(config)}`,
  ]
  if (config.demo) lines.push(`  demo       kiosk enrolment code "${DEMO_KIOSK.enrollmentCode}", fleet file ${path.resolve(config.dataDir, 'meter-fleet.json')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`central-api: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
