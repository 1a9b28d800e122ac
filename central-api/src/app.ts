/**
 * Builds the central's Fastify app without listening (STYLE.md, API): tests inject into it,
 * server.ts listens. Storage is opened and checked, and the demo seeded, before routes exist.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { STATUS_CODES } from 'node:http'
import { API_PREFIX, ErrorCode, systemClock, type Clock, type ErrorBody } from '@gridtill/shared'
import type { Config } from './config.ts'
import { CentralLogController, createLogger } from './logger.ts'
import { errorHandlerPlugin } from './plugins/error-handler.ts'
import { kioskAuthPlugin } from './plugins/kiosk-auth.ts'
import { meterLinkPlugin } from './plugins/meter-link.ts'
import { staffAuthPlugin } from './plugins/staff-auth.ts'
import { Metrics } from './plugins/metrics.ts'
import { storagePlugin } from './plugins/storage.ts'
import { swaggerPlugin } from './plugins/swagger.ts'
import accountHistoryRoutes from './routes/account-history/index.ts'
import cardsRoutes from './routes/cards/index.ts'
import healthRoutes from './routes/health/index.ts'
import kiosksRoutes from './routes/kiosks/index.ts'
import ledgerRoutes from './routes/ledger/index.ts'
import metersRoutes from './routes/meters/index.ts'
import meterControlRoutes from './routes/meter-control/index.ts'
import staffRoutes from './routes/staff/index.ts'
import consoleRoutes from './routes/console/index.ts'
import analyticsRoutes from './routes/analytics/index.ts'
import consoleStatic from './routes/console/static.ts'
import vendsRoutes from './routes/vends/index.ts'
import cashRoutes from './routes/cash/index.ts'
import collectionsRoutes from './routes/collections/index.ts'
import { fieldOpsPlugin } from './field-ops/plugin.ts'
import fieldOpsRoutes from './routes/field-ops/index.ts'
import kioskOpsRoutes from './routes/kiosk-ops/index.ts'
import { parseMasterKey, SoftwareSecurityModule, type SecurityModule } from './security-module/index.ts'
import { seedDemoIfEmpty } from './storage/seed-demo.ts'
import { RepositoryVendingKeyStore } from './storage/vending-key-store.ts'
import { securityModuleMinter } from './vending/token-minter.ts'
import { VendService } from './vending/vend-service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    clock: Clock
    metrics: Metrics
    securityModule: SecurityModule
    vending: VendService
  }
}

export interface BuildAppOptions {
  config: Config
  clock?: Clock
  logger?: FastifyBaseLogger
  /** Start the MQTT meter link (default true); route-only tests switch it off. */
  meterLink?: boolean
  /** Sees every route as it is added (the role × route matrix test enumerates them). */
  onRoute?: (route: RouteOptions) => void
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const app = Fastify({
    loggerInstance: options.logger ?? createLogger(config.logLevel),
    logController: new CentralLogController(),
    // DESIGN.md, Security: no type coercion, no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    // The router's own refusals (a URL it cannot decode, a path parameter too long) in our error shape.
    frameworkErrors: (err, _req, reply) => {
      const statusCode = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      const body: ErrorBody = { statusCode, code: ErrorCode.VALIDATION, error: STATUS_CODES[statusCode] ?? 'Bad Request', message: 'The request URL is not valid' }
      void (reply as FastifyReply).code(statusCode).send(body)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()
  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute)

  try {
    app.decorate('config', config)
    app.decorate('clock', clock)
    app.decorate('metrics', new Metrics())
    await app.register(errorHandlerPlugin)
    await app.register(storagePlugin, { config, clock })

    const sm = new SoftwareSecurityModule(parseMasterKey(config.masterKeyHex), new RepositoryVendingKeyStore(app.repo, clock))
    app.decorate('securityModule', sm as SecurityModule)
    if (config.demo && (await seedDemoIfEmpty(app.repo, sm, config.meterCount, clock.now(), config.timeZone, { history: config.demoHistory ?? config.meterCount <= 1000 }))) {
      app.log.info({ meters: config.meterCount }, 'demo estate seeded')
    }

    await app.register(swaggerPlugin)
    await app.register(kioskAuthPlugin, { repo: app.repo, clock, adminToken: config.adminToken })
    await app.register(staffAuthPlugin, { repo: app.repo, adminToken: config.adminToken })
    await app.register(meterLinkPlugin, { config, clock, enabled: options.meterLink ?? true })
    app.decorate(
      'vending',
      new VendService({
        repo: app.repo,
        minter: securityModuleMinter(sm),
        clock,
        timeZone: config.timeZone,
        metrics: app.metrics,
        // The vend's transaction recorded the first attempt: publish now, no claim write.
        onCommitted: (delivery) => void app.meterLink?.worker.publishNow(delivery),
      }),
    )

    await app.register(healthRoutes)
    await app.register(fieldOpsPlugin)
    await app.register(consoleStatic)
    await app.register(
      async (api) => {
        await api.register(kiosksRoutes)
        await api.register(kioskOpsRoutes)
        await api.register(fieldOpsRoutes)
        await api.register(cardsRoutes)
        await api.register(accountHistoryRoutes)
        await api.register(metersRoutes)
        await api.register(meterControlRoutes)
        await api.register(vendsRoutes)
        await api.register(ledgerRoutes)
        await api.register(staffRoutes)
        await api.register(collectionsRoutes)
        await api.register(cashRoutes)
        await api.register(consoleRoutes)
        await api.register(analyticsRoutes)
      },
      { prefix: API_PREFIX },
    )
    await app.ready()
    return app
  } catch (err) {
    await app.close().catch(() => undefined)
    throw err
  }
}
