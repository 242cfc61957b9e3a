import { defineConfig } from 'vitest/config';

/** Tests that need system programs beyond Node (see README, Tests): `npm run test:system`. */
export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    reporters: ['default', './test/reporters/summary.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
