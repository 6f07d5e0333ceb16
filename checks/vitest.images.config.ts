import { defineConfig } from 'vitest/config';

// scripts/ci-images.sh: the real images under podman (slow; needs podman and the stand-in base image).
export default defineConfig({
  test: {
    include: ['src/images.test.ts', 'src/kube-play.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 30 * 60_000,
  },
});
