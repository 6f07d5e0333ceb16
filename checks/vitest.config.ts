import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Podman-based: scripts/ci-images.sh runs them (vitest.images.config.ts).
    exclude: ['src/images.test.ts', 'src/kube-play.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
