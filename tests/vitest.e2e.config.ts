import { defineConfig } from 'vitest/config'

// Browser and multi-process tests: one file at a time, generous timeouts (the machine has 2 cores).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.spec.ts', 'tests/chaos/**/*.spec.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
})
