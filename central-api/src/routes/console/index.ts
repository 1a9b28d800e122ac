/**
 * The console's API under /api/v1/console: sign-in, customers, meters, cards, tariffs, CSV
 * import and the audit log (staff accounts live under /staff/accounts). Each file registers one
 * area. In a demo, the demo staff get their console passwords here (see demo-staff.ts).
 */
import type { FastifyPluginAsync } from 'fastify'
import auditRoutes from './audit.ts'
import customerRoutes from './customers.ts'
import { DEMO_CONSOLE_STAFF } from './demo-staff.ts'
import importRoutes from './import.ts'
import sessionRoutes from './session.ts'
import tariffRoutes from './tariffs.ts'

const consoleRoutes: FastifyPluginAsync = async (app) => {
  if (app.config.demo) {
    const changed = await app.repo.ensureDemoStaff(DEMO_CONSOLE_STAFF, app.clock.now())
    if (changed > 0) app.log.info({ staff: changed }, 'demo console sign-ins set')
  }
  await app.register(sessionRoutes)
  await app.register(auditRoutes)
  await app.register(customerRoutes)
  await app.register(importRoutes)
  await app.register(tariffRoutes)
}

export default consoleRoutes
