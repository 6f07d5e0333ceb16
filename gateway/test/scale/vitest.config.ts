import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Scale-out tests: a real six-node Redis Cluster, and four gateway processes (needs `npm run build -w
// gateway` first). Slower than `npm test`, so `.ci/run` runs them as a step of their own:
//   cd gateway && npx vitest run --config test/scale/vitest.config.ts
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/scale/**/*.scale.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One at a time: each starts many processes on a machine of two cores.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
