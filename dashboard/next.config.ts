import path from 'node:path';
import type { NextConfig } from 'next';

// The monorepo root: npm workspaces hoist `next` and link `@gateway/shared` there.
const repoRoot = path.join(import.meta.dirname, '..');

const nextConfig: NextConfig = {
  output: 'standalone',
  // Never let `next dev` write AGENTS.md or other files into the repository.
  agentRules: false,
  poweredByHeader: false,
  reactStrictMode: true,
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
};

export default nextConfig;
