import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandOf, copyPaths, lastOf, parseDockerfile } from './lib/dockerfile.js';
import { dockerignoreMatcher } from './lib/dockerignore.js';
import { existsInRepo, readRepoFile, repoPath } from './lib/repo.js';

// `port` is the one the HEALTHCHECK probes; `expose` every listener (the gateway's proxy and management).
const SERVICES = [
  {
    dockerfile: 'gateway/Dockerfile',
    port: '3001',
    expose: '3001 3002',
    cmd: ['node', 'gateway/dist/index.js'],
    health: '/health',
  },
  {
    dockerfile: 'dashboard/Dockerfile',
    port: '3000',
    expose: '3000',
    cmd: ['node', 'dashboard/server.js'],
    health: '/api/runtime-config',
  },
] as const;

describe.each(SERVICES)('$dockerfile', ({ dockerfile, port, expose, cmd, health }) => {
  const parsed = parseDockerfile(readRepoFile(dockerfile));
  const stageNames = new Set(parsed.stages.map((s) => s.name));
  const finalStage = parsed.final;

  it('starts from node:22 slim, pinned to an exact version tag', () => {
    const external = parsed.stages.map((s) => s.from).filter((from) => !stageNames.has(from));
    expect(external.length).toBeGreaterThan(0);
    for (const image of external) {
      expect(image).toMatch(/^node:22\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('is multi-stage, and the final stage runs no build step', () => {
    expect(parsed.stages.length).toBeGreaterThanOrEqual(2);
    expect(finalStage.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    // Everything in the final stage comes from a build stage or the base image, not the context.
    for (const copy of finalStage.instructions.filter((i) => i.keyword === 'COPY')) {
      expect(copy.flags.from, `line ${copy.line}`).toBeTruthy();
    }
  });

  it('installs with npm ci (the lockfile) and no install scripts, never npm install', () => {
    const runs = parsed.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.text));
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
    // No install-time scripts: @prisma/engines' postinstall would download a binary nothing uses.
    for (const run of runs.filter((r) => /\bnpm ci\b/.test(r))) expect(run).toContain('--ignore-scripts');
  });

  it('copies the local prisma stub wherever npm ci runs (the root overrides point at it)', () => {
    for (const stage of parsed.stages) {
      const runsCi = stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.text));
      if (!runsCi) continue;
      const chain = [stage];
      for (let s = stage; stageNames.has(s.from); ) {
        s = parsed.stages.find((x) => x.name === s.from) as typeof s;
        chain.push(s);
      }
      const copied = chain.flatMap((s) =>
        s.instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => copyPaths(i).sources),
      );
      expect(copied, `stage ${stage.name}`).toContain('tools/stubs/prisma-streams-local');
      expect(copied, `stage ${stage.name}`).toContain('package-lock.json');
    }
  });

  it('runs as a non-root user', () => {
    const user = lastOf(finalStage, 'USER')?.text;
    expect(user).toBeTruthy();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it(`has a HEALTHCHECK on ${health} at ${port} and exposes ${expose}`, () => {
    const healthcheck = lastOf(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toBeTruthy();
    const argv = commandOf(healthcheck!);
    expect(argv.join(' ')).toContain(health);
    expect(argv.join(' ')).toContain(`||${port})`);
    expect(lastOf(finalStage, 'EXPOSE')?.text).toBe(expose);
  });

  it(`runs ${cmd.join(' ')} (compiled JavaScript with node, no tsx or npm in between)`, () => {
    const command = lastOf(finalStage, 'CMD');
    expect(command?.exec).toEqual(cmd);
    expect(finalStage.instructions.some((i) => i.keyword === 'ENTRYPOINT')).toBe(false);
    expect(lastOf(finalStage, 'ENV')?.properties).toContainEqual(['NODE_ENV', 'production']);
  });

  it('copies only paths that exist in the build context or in an earlier stage', () => {
    const ignore = dockerignoreMatcher(readFileSync(repoPath('.dockerignore'), 'utf8'));
    for (const stage of parsed.stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const { from, sources } = copyPaths(copy);
        if (from) {
          expect(stageNames.has(from), `line ${copy.line}: --from=${from}`).toBe(true);
          continue;
        }
        for (const source of sources) {
          expect(existsInRepo(source), `line ${copy.line}: ${source} missing`).toBe(true);
          expect(ignore.ignores(source), `line ${copy.line}: ${source} is .dockerignore'd`).toBe(false);
        }
      }
    }
  });
});

describe('.dockerignore (the build context is the repository root)', () => {
  const ignore = dockerignoreMatcher(readRepoFile('.dockerignore'));

  it.each([
    'node_modules/express/index.js',
    'gateway/node_modules/.cache/x',
    'dashboard/node_modules/next/package.json',
    '.data/pglite/PG_VERSION',
    'gateway/.data/x',
    '.git/HEAD',
    '.env',
    '.env.production',
    'deploy/gateway.env',
    'gateway/dist/index.js',
    'dashboard/.next/BUILD_ID',
  ])('excludes %s', (path) => {
    expect(ignore.ignores(path)).toBe(true);
  });

  it.each([
    'package.json',
    'package-lock.json',
    '.npmrc',
    'tsconfig.base.json',
    'tools/stubs/prisma-streams-local/package.json',
    'gateway/src/index.ts',
    'gateway/prisma/migrations/migration_lock.toml',
    'dashboard/app/layout.tsx',
    'shared/src/index.ts',
    'sdk/src/index.ts',
    'checks/package.json',
  ])('keeps %s', (path) => {
    expect(ignore.ignores(path)).toBe(false);
  });
});
