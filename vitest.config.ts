import { defineConfig } from 'vitest/config'

// Unit and integration tests beside the code; the browser and multi-process suites have their own config.
export default defineConfig({
  test: {
    include: [
      'shared/src/**/*.test.ts',
      'hardware/src/**/*.test.ts',
      'central-api/src/**/*.test.ts',
      'kiosk-agent/src/**/*.test.ts',
      'kiosk-ui/src/**/*.test.ts',
      'tests/system/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
