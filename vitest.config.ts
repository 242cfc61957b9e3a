import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that need programs a fresh machine lacks run with `npm run test:system`.
    exclude: ['test/system/**', '**/node_modules/**'],
    reporters: ['default', './test/reporters/summary.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and e2e tests start real processes; two cores do not gain from more workers.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
