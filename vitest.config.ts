import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites that wait out real recovery timeouts (minutes) run on their own: npm run test:durability.
    exclude: process.env.SWITCHYARD_DURABILITY ? configDefaults.exclude : [...configDefaults.exclude, 'test/durability/**'],
    setupFiles: ['test/setup.ts'],
    // CDK synthesis and in-process DynamoDB take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      // Powertools: no X-Ray daemon and no metrics namespace outside Lambda.
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
  },
});
