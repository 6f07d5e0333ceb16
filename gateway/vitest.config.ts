import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real servers and own a database each; two workers fit 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
