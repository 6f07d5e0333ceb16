import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The production-build test sets its own (long) timeouts; the static checks are fast.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
