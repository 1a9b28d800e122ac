/** @gridtill/central-api: what other packages (the system tests, `npm start`) may use. */
export { buildApp, type BuildAppOptions } from './app.ts'
export { ConfigError, loadConfig, sqlitePath, DEMO_ADMIN_TOKEN, type Config, type LoadedConfig } from './config.ts'
export { createLogger } from './logger.ts'
export { MeterProgramming } from './meter-link/meter-programming.ts'
export { signRequest, type SignRequestInput } from './plugins/kiosk-signing.ts'
export { DEMO_KIOSK_ID, exportMeterProgramming, writeMeterFleetFile } from './storage/seed-demo.ts'
export * as analytics from './analytics/index.ts'
