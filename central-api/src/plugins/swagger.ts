/** OpenAPI from the route schemas, served at /docs. */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { SIGNATURE_HEADERS } from '@gridtill/shared'

export const swaggerPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'GridTill central API',
          version: '0.1.0',
          description: `Kiosk routes need an Ed25519 signature: headers ${Object.values(SIGNATURE_HEADERS).join(', ')} over canonicalSigningString (shared/src/kiosk-signature.ts). Admin routes also accept x-gridtill-admin-token.`,
        },
        tags: [
          { name: 'kiosk', description: 'Signed by an enrolled kiosk' },
          { name: 'kiosks', description: 'Enrolment' },
          { name: 'admin', description: 'Admin token or kiosk signature' },
          { name: 'operations', description: 'Health and metrics' },
          { name: 'staff', description: 'Staff accounts, sign-in and two-person requests' },
          { name: 'console', description: 'Back-office console (staff session)' },
          { name: 'field operations', description: 'Kiosk fleet health, alerts and work orders' },
          { name: 'analytics', description: 'Consumption, forecasts, anomalies and advice' },
        ],
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'swagger' },
)
