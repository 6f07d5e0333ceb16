// The production build of each service, exercised outside Docker exactly as its Dockerfile runs it:
// the Dockerfile is replayed stage by stage (same COPY lines, same RUN commands, same ENV) into scratch
// folders, then the final stage's CMD runs against the real PostgreSQL and Redis on this machine, and
// the image's own HEALTHCHECK command has to pass. What this cannot show: the base image's OS and
// Node 22 (the host's Node runs instead), USER/ownership, and anything of the Docker engine itself.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysUnder } from '../../gateway/test/support/redis.js';
import {
  freePort,
  freePorts,
  type RunningContainer,
  runInContainer,
  startContainer,
  waitUntilHealthy,
} from './lib/container.js';
import { type ReplayedImage, replayDockerfile } from './lib/docker-replay.js';
import { existsInRepo, REPO_ROOT, readRepoFile } from './lib/repo.js';

const POSTGRES_ADMIN_URL = process.env.CHECKS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CHECKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUILD_TIMEOUT_MS = 20 * 60_000;
const CLEANUP_TIMEOUT_MS = 2 * 60_000;
const KEEP = process.env.CHECKS_KEEP_REPLAY === '1';

const randomSecret = () => randomBytes(36).toString('base64url'); // 48 characters

function scratch(name: string): { dir: string; log: (line: string) => void; logFile: string } {
  const dir = mkdtempSync(join(tmpdir(), `replay-${name}-`));
  const logFile = join(dir, 'build.log');
  return { dir, logFile, log: (line) => appendFileSync(logFile, `${line}\n`) };
}

async function withPostgres<T>(fn: (client: pg.Client) => Promise<T>, url = POSTGRES_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const gatewayWritten = existsInRepo('gateway/src/index.ts');
const dashboardScripts = (JSON.parse(readRepoFile('dashboard/package.json')) as { scripts?: Record<string, string> })
  .scripts;
const dashboardBuildable = Boolean(dashboardScripts?.build);

describe.skipIf(!gatewayWritten)('gateway/Dockerfile replayed outside Docker', () => {
  let work: ReturnType<typeof scratch>;
  const database = `gw_check_${randomBytes(6).toString('hex')}`;
  const keyPrefix = `chk${randomBytes(4).toString('hex')}:`;
  let image: ReplayedImage;
  let env: Record<string, string>;
  let container: RunningContainer | undefined;
  /** The proxy listener (PORT) and the management listener (MANAGEMENT_PORT). */
  let base: string;
  let manage: string;

  beforeAll(async () => {
    work = scratch('gateway');
    image = await replayDockerfile({
      context: REPO_ROOT,
      dockerfile: 'gateway/Dockerfile',
      outDir: work.dir,
      log: work.log,
    });
    await withPostgres((c) => c.query(`CREATE DATABASE ${database}`));
    const [port, managementPort, closedPort] = (await freePorts(3)) as [number, number, number];
    base = `http://127.0.0.1:${port}`;
    manage = `http://127.0.0.1:${managementPort}`;
    const databaseUrl = new URL(POSTGRES_ADMIN_URL);
    databaseUrl.pathname = `/${database}`;
    // What `docker run -e …` would pass in production; PORT/MANAGEMENT_PORT/HOST point the listeners at
    // free local ports. Production refuses to start without a sign-in method: SMTP_URL only has to parse
    // here (nothing is mailed), so it names a port nobody listens on.
    env = {
      NODE_ENV: 'production',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      HOST: '127.0.0.1',
      SMTP_URL: `smtp://127.0.0.1:${closedPort}`,
      MAIL_FROM: 'replay@example.com',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      ADMIN_API_TOKEN: randomSecret(),
      SESSION_SECRET: randomSecret(),
      DASHBOARD_ORIGIN: 'http://localhost:3000',
      // No INTERNAL_API_BASE_URL: the built-in demo upstream answers /proxy/, which production allows
      // only when told so explicitly.
      ALLOW_EMBEDDED_IN_PRODUCTION: 'true',
      LOG_LEVEL: 'warn',
    };
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (container) await container.stop('SIGKILL').catch(() => {});
    await withPostgres((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => {});
    // The container rate-limits through the shared Redis under its own prefix.
    await deleteKeysUnder(keyPrefix, REDIS_URL).catch(() => {});
    if (work && !KEEP) await rm(work.dir, { recursive: true, force: true });
  }, CLEANUP_TIMEOUT_MS);

  it('keeps the final stage to production dependencies and compiled JavaScript', () => {
    const modules = join(image.root, 'app', 'node_modules');
    const installed = readdirSync(modules);
    expect(installed).toContain('express');
    for (const devOnly of ['typescript', 'prisma', 'vitest', 'next', '@biomejs'])
      expect(installed).not.toContain(devOnly);
    expect(image.cmd).toEqual(['node', 'gateway/dist/index.js']);
    expect(image.env.NODE_ENV).toBe('production');
  });

  it('starts with the CMD, applies migrations, passes its HEALTHCHECK and answers /ready', async () => {
    container = startContainer(image, env);
    await waitUntilHealthy(image, env, container, 90_000);
    for (const listener of [base, manage]) {
      const health = await fetch(`${listener}/health`);
      expect(health.status, listener).toBe(200);
      const ready = await fetch(`${listener}/ready`);
      expect(ready.status, await ready.clone().text()).toBe(200);
    }
    expect((await fetch(`${manage}/metrics`)).status).toBe(200);

    const migrations = readdirSync(join(REPO_ROOT, 'gateway', 'prisma', 'migrations'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const databaseUrl = env.DATABASE_URL as string;
    const applied = await withPostgres(
      (c) =>
        c.query<{ migration_name: string }>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1',
        ),
      databaseUrl,
    );
    expect(applied.rows.map((r) => r.migration_name)).toEqual(migrations);
  }, 120_000);

  it('keeps the management API and /metrics off the proxy listener', async () => {
    const admin = { authorization: `Bearer ${env.ADMIN_API_TOKEN}` };
    for (const path of ['/metrics', '/keys', '/users/by-email?email=replay@example.com', '/auth/providers']) {
      const response = await fetch(`${base}${path}`, { headers: admin });
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toMatch(/process_cpu|gateway_http_requests|"data"|"email"/);
    }
    expect((await fetch(`${manage}/auth/providers`)).status).toBe(200);
  }, 30_000);

  it('serves the management API and the proxy with PostgreSQL and Redis behind it', async () => {
    const admin = { authorization: `Bearer ${env.ADMIN_API_TOKEN}`, 'content-type': 'application/json' };
    const login = await fetch(`${manage}/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ email: 'replay@example.com' }),
    });
    expect([200, 201]).toContain(login.status);
    const { user } = (await login.json()) as { user: { id: string } };
    const created = await fetch(`${manage}/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ userId: user.id, name: 'replay' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const proxied = await fetch(`${base}/proxy/`, { headers: { 'x-api-key': key } });
    expect(proxied.status).toBeLessThan(500);
    expect([401, 403, 429]).not.toContain(proxied.status);
    expect(proxied.headers.get('x-ratelimit-limit')).toBeTruthy();
  }, 60_000);

  it('runs the migration Job command in the same image', async () => {
    const result = await runInContainer(image, env, ['node', 'gateway/dist/cli/migrate.js']);
    expect(result.code, result.output).toBe(0);
  }, 60_000);

  it('drains and exits 0 on SIGTERM (docker stop, a Kubernetes rollout)', async () => {
    if (!container) throw new Error('not started');
    const exit = await container.stop('SIGTERM', 25_000);
    expect(exit, container.output().slice(-4000)).toEqual({ code: 0, signal: null });
    container = undefined;
  }, 30_000);
});

describe.skipIf(!dashboardBuildable)('dashboard/Dockerfile replayed outside Docker', () => {
  let work: ReturnType<typeof scratch>;
  const gatewayApiUrl = 'https://gateway.replay.example';
  let image: ReplayedImage;
  let env: Record<string, string>;
  let container: RunningContainer | undefined;
  let base: string;

  beforeAll(async () => {
    work = scratch('dashboard');
    image = await replayDockerfile({
      context: REPO_ROOT,
      dockerfile: 'dashboard/Dockerfile',
      outDir: work.dir,
      log: work.log,
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      GATEWAY_API_URL: gatewayApiUrl,
      GATEWAY_PROXY_URL: 'https://api.example.com/',
    };
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (container) await container.stop('SIGKILL').catch(() => {});
    if (work && !KEEP) await rm(work.dir, { recursive: true, force: true });
  }, CLEANUP_TIMEOUT_MS);

  it('runs the standalone server.js, not next start', () => {
    expect(image.cmd).toEqual(['node', 'dashboard/server.js']);
    const modules = readdirSync(join(image.root, 'app', 'node_modules'));
    expect(modules).toContain('next');
    expect(modules).not.toContain('typescript');
  });

  it('starts with the CMD, passes its HEALTHCHECK and reads GATEWAY_API_URL and GATEWAY_PROXY_URL at request time', async () => {
    container = startContainer(image, env);
    await waitUntilHealthy(image, env, container, 60_000);
    const config = await fetch(`${base}/api/runtime-config`);
    expect(config.status).toBe(200);
    expect(await config.json()).toEqual({ gatewayApiUrl, gatewayProxyUrl: 'https://api.example.com' });
  }, 90_000);

  it('serves pages and the static assets copied next to the standalone server', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBeLessThan(400);
    const html = await page.text();
    const asset = html.match(/\/_next\/static\/[^"'\s)]+\.(?:js|css)/)?.[0];
    expect(asset, 'no /_next/static asset referenced by the page').toBeTruthy();
    expect((await fetch(`${base}${asset}`)).status).toBe(200);
  }, 30_000);

  it('exits on SIGTERM (docker stop, a rollout)', async () => {
    if (!container) throw new Error('not started');
    const exit = await container.stop('SIGTERM', 15_000);
    // Next's server exits with 128 + the signal number (143) after closing its server.
    expect([0, 143], `${JSON.stringify(exit)}\n${container.output().slice(-2000)}`).toContain(exit.code);
    container = undefined;
  }, 20_000);
});

it.runIf(!gatewayWritten || !dashboardBuildable)('reports what it could not replay yet', () => {
  if (!gatewayWritten)
    console.warn('production-build: gateway/src/index.ts does not exist yet; gateway replay skipped');
  if (!dashboardBuildable)
    console.warn('production-build: dashboard/package.json has no build script; dashboard replay skipped');
  expect(readFileSync(join(REPO_ROOT, 'gateway', 'Dockerfile'), 'utf8')).toContain('FROM');
});
