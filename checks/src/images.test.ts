/**
 * Both real images, built by `podman build --pull=never` from the real Dockerfiles on the stand-in base
 * image (scripts/ci-images/base-image.sh), run as production runs them: uid 1000, read-only root
 * filesystem, every capability dropped, no-new-privileges, against this machine's PostgreSQL (a
 * database this test creates and drops) and Redis (its own key prefix). Run by scripts/ci-images.sh
 * (vitest.images.config.ts), not by the default `npm test`: it needs podman and a few minutes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysUnder } from '../../gateway/test/support/redis.js';
import { REPO_ROOT } from './lib/repo.js';

const POSTGRES_ADMIN_URL = process.env.CHECKS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.CHECKS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GATEWAY_IMAGE = process.env.CHECKS_GATEWAY_IMAGE ?? 'localhost/api-gateway:ci';
const DASHBOARD_IMAGE = process.env.CHECKS_DASHBOARD_IMAGE ?? 'localhost/api-gateway-dashboard:ci';
const BUILD_TIMEOUT_MS = 30 * 60_000;
/** podman as CI runs it here: runc, cgroupfs, the sandbox's limits (scripts/ci-images/containers.conf). */
const PODMAN_ENV = { ...process.env, CONTAINERS_CONF: `${REPO_ROOT}/scripts/ci-images/containers.conf` };
/** The machine's TLS-egress CA, for npm inside the build (see base-image.sh); never part of an image. */
const HOST_CA = process.env.NODE_EXTRA_CA_CERTS
  ? ['-v', `${process.env.NODE_EXTRA_CA_CERTS}:/run/host-ca/ca.crt:ro`]
  : [];
/** Production's restrictions, on every container this file starts. */
const HARDENED = [
  '--user',
  '1000:1000',
  '--read-only',
  '--tmpfs',
  '/tmp:size=64m',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--network',
  'host',
  ...HOST_CA,
];

function podman(args: string[], options: { timeout?: number; input?: string } = {}) {
  const result = spawnSync('podman', args, {
    env: PODMAN_ENV,
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function build(dockerfile: string, tag: string): void {
  // --format docker keeps the HEALTHCHECK (OCI image configs have none); host network for npm ci.
  const result = podman(
    [
      'build',
      '--pull=never',
      '--format',
      'docker',
      '--network',
      'host',
      ...HOST_CA,
      '-f',
      dockerfile,
      '-t',
      tag,
      REPO_ROOT,
    ],
    { timeout: BUILD_TIMEOUT_MS },
  );
  if (result.code !== 0) throw new Error(`podman build ${dockerfile} failed:\n${result.stderr.slice(-6000)}`);
}

const imageSize = (tag: string) => Number(podman(['image', 'inspect', '--format', '{{.Size}}', tag]).stdout.trim());

/** A free port in 4401–4499 (the range this work may use on the host). */
async function freePortInRange(taken: Set<number>): Promise<number> {
  for (let port = 4401 + Math.floor(Math.random() * 40); port <= 4499; port++) {
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createNetServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port in 4401-4499');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
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

const taken = new Set<number>();
const containers: string[] = [];

function run(name: string, image: string, env: Record<string, string>, command: string[] = []): string {
  const args = ['run', '-d', '--name', name, ...HARDENED];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const result = podman([...args, image, ...command]);
  if (result.code !== 0) throw new Error(`podman run ${image}: ${result.stderr}`);
  containers.push(name);
  return name;
}

const logs = (name: string) => {
  const r = podman(['logs', name]);
  return `${r.stdout}\n${r.stderr}`.slice(-4000);
};

afterAll(() => {
  for (const name of containers) podman(['rm', '-f', '-t', '0', name]);
});

describe('the gateway image', () => {
  const database = `gw_image_${randomBytes(6).toString('hex')}`;
  const keyPrefix = `img${randomBytes(4).toString('hex')}:`;
  const name = `api-gateway-check-${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;
  let proxy: string;
  let manage: string;
  let upstream: Server;
  let upstreamPort: number;

  beforeAll(async () => {
    build('gateway/Dockerfile', GATEWAY_IMAGE);
    await withPostgres((c) => c.query(`CREATE DATABASE ${database}`));
    const [port, managementPort, smtpPort] = [
      await freePortInRange(taken),
      await freePortInRange(taken),
      await freePortInRange(taken),
    ];
    upstreamPort = await freePortInRange(taken);
    upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: true, path: req.url }));
    });
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r));
    proxy = `http://127.0.0.1:${port}`;
    manage = `http://127.0.0.1:${managementPort}`;
    const databaseUrl = new URL(POSTGRES_ADMIN_URL);
    databaseUrl.pathname = `/${database}`;
    env = {
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      HOST: '127.0.0.1',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'image@example.com',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      ADMIN_API_TOKEN: randomBytes(36).toString('base64url'),
      SESSION_SECRET: randomBytes(36).toString('base64url'),
      DASHBOARD_ORIGIN: 'http://localhost:3000',
      INTERNAL_API_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
      LOG_LEVEL: 'warn',
    };
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    podman(['rm', '-f', '-t', '0', name]);
    upstream?.close();
    await withPostgres((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => {});
    await deleteKeysUnder(keyPrefix, REDIS_URL).catch(() => {});
  }, 60_000);

  it('holds the gateway production dependencies only: no dashboard packages, no dev tools, no source-map flag', () => {
    const list = (dir: string) =>
      podman(['run', '--rm', ...HARDENED, '--entrypoint', 'ls', GATEWAY_IMAGE, '-A', dir]).stdout.split('\n');
    const modules = list('/app/node_modules');
    expect(modules).toContain('express');
    for (const unwanted of ['next', 'react', 'react-dom', 'typescript', 'prisma', 'vitest', '@biomejs', 'tailwindcss'])
      expect(modules, unwanted).not.toContain(unwanted);
    const dashboardDeps = Object.keys(
      (
        JSON.parse(execFileSync('cat', [`${REPO_ROOT}/dashboard/package.json`], { encoding: 'utf8' })) as {
          dependencies: Record<string, string>;
        }
      ).dependencies,
    );
    const gatewayDeps = new Set(
      Object.keys(
        (
          JSON.parse(execFileSync('cat', [`${REPO_ROOT}/gateway/package.json`], { encoding: 'utf8' })) as {
            dependencies: Record<string, string>;
          }
        ).dependencies,
      ),
    );
    expect(dashboardDeps.filter((d) => !gatewayDeps.has(d) && modules.includes(d))).toEqual([]);
    // No second npm in the application's tree (the base image's own npm stays in its layer).
    expect(modules).not.toContain('npm');
    const config = JSON.parse(podman(['image', 'inspect', GATEWAY_IMAGE]).stdout)[0].Config;
    expect(config.User).toBe('node');
    expect(config.Cmd).toEqual(['node', 'gateway/dist/index.js']);
    expect((config.Env as string[]).filter((e) => e.startsWith('NODE_OPTIONS='))).toEqual([]);
    console.info(`gateway image: ${(imageSize(GATEWAY_IMAGE) / 1e6).toFixed(0)} MB`);
  });

  it('starts as uid 1000 on a read-only root without capabilities; HEALTHCHECK passes; migrations applied', async () => {
    run(name, GATEWAY_IMAGE, env);
    await until(
      'the HEALTHCHECK',
      async () => (podman(['healthcheck', 'run', name]).code === 0 ? true : undefined),
      90_000,
    ).catch((error) => {
      throw new Error(`${error}\n${logs(name)}`);
    });
    const top = podman(['exec', name, 'cat', '/proc/1/status']).stdout;
    expect(top).toMatch(/^Uid:\s+1000\s+1000/m);
    expect(top).toMatch(/^CapEff:\s+0+$/m);
    expect(top).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(podman(['exec', name, 'touch', '/app/x']).code).not.toBe(0);
    for (const listener of [proxy, manage]) expect((await fetch(`${listener}/ready`)).status).toBe(200);
    const applied = await withPostgres(
      (c) => c.query('SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL'),
      env.DATABASE_URL,
    );
    expect(applied.rows[0].n).toBeGreaterThan(0);
  }, 120_000);

  it('proxies a request with a key made on the management listener', async () => {
    const admin = { authorization: `Bearer ${env.ADMIN_API_TOKEN}`, 'content-type': 'application/json' };
    const user = await fetch(`${manage}/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ email: 'image@example.com' }),
    });
    expect([200, 201]).toContain(user.status);
    const { user: u } = (await user.json()) as { user: { id: string } };
    const created = await fetch(`${manage}/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ userId: u.id, name: 'image' }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const proxied = await fetch(`${proxy}/proxy/hello`, { headers: { 'x-api-key': key } });
    expect(proxied.status, await proxied.clone().text()).toBe(200);
    expect(await proxied.json()).toEqual({ upstream: true, path: '/hello' });
    expect((await fetch(`${proxy}/proxy/hello`)).status).toBe(401);
    expect((await fetch(`${proxy}/metrics`)).status).toBe(404);
  }, 60_000);

  it('runs the migration command with DATABASE_URL alone', () => {
    const result = podman([
      'run',
      '--rm',
      ...HARDENED,
      '-e',
      `DATABASE_URL=${env.DATABASE_URL}`,
      GATEWAY_IMAGE,
      'node',
      'gateway/dist/cli/migrate.js',
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  }, 60_000);

  it('drains and exits 0 on SIGTERM', () => {
    const stop = podman(['stop', '-t', '30', name], { timeout: 60_000 });
    expect(stop.code, stop.stderr).toBe(0);
    const exit = podman(['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim();
    expect(exit, logs(name)).toBe('0');
  }, 90_000);
});

describe('the dashboard image', () => {
  const name = `api-gateway-dashboard-check-${randomBytes(4).toString('hex')}`;
  let base: string;

  beforeAll(async () => {
    build('dashboard/Dockerfile', DASHBOARD_IMAGE);
    base = `http://127.0.0.1:${await freePortInRange(taken)}`;
  }, BUILD_TIMEOUT_MS);

  afterAll(() => {
    podman(['rm', '-f', '-t', '0', name]);
  });

  it('starts hardened, passes its HEALTHCHECK, serves runtime config, pages and assets, stops on SIGTERM', async () => {
    console.info(`dashboard image: ${(imageSize(DASHBOARD_IMAGE) / 1e6).toFixed(0)} MB`);
    // Next's image cache is the one writable path besides /tmp (an emptyDir in k8s, a tmpfs in Compose).
    podman(['rm', '-f', name]);
    const args = [
      'run',
      '-d',
      '--name',
      name,
      ...HARDENED,
      '--tmpfs',
      '/app/dashboard/.next/cache:mode=1777',
      '-e',
      `PORT=${new URL(base).port}`,
      '-e',
      'HOSTNAME=127.0.0.1',
      '-e',
      'GATEWAY_API_URL=https://manage.example.com',
      '-e',
      'GATEWAY_PROXY_URL=https://api.example.com',
      DASHBOARD_IMAGE,
    ];
    const started = podman(args);
    expect(started.code, started.stderr).toBe(0);
    containers.push(name);
    await until(
      'the HEALTHCHECK',
      async () => (podman(['healthcheck', 'run', name]).code === 0 ? true : undefined),
      60_000,
    );
    expect(await (await fetch(`${base}/api/runtime-config`)).json()).toEqual({
      gatewayApiUrl: 'https://manage.example.com',
      gatewayProxyUrl: 'https://api.example.com',
    });
    const html = await (await fetch(`${base}/`)).text();
    const asset = html.match(/\/_next\/static\/[^"'\s)]+\.(?:js|css)/)?.[0];
    expect(asset).toBeTruthy();
    expect((await fetch(`${base}${asset}`)).status).toBe(200);
    const stop = podman(['stop', '-t', '20', name], { timeout: 40_000 });
    expect(stop.code).toBe(0);
    expect(['0', '143']).toContain(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim());
  }, 120_000);
});
