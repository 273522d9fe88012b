import { defineConfig } from 'vitest/config';

// Fast unit tests and real-server suites are separate projects (test/unit vs
// test/integration): `npm test` runs both, `npm run test:unit` only the fast ones.
export default defineConfig({
  test: {
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-services.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // The suites share one Kafka, one registry and one Redis on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
