import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Soak tests: minutes of load with faults injected, outside `npm test`.
//   cd gateway && npx vitest run --config test/soak/vitest.config.ts      (SOAK_SECONDS=60 by default)
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
