import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const DASHBOARD_DIR = path.resolve(import.meta.dirname, '..', '..');
export const REPO_ROOT = path.resolve(DASHBOARD_DIR, '..');
export const RESULTS_DIR = path.join(DASHBOARD_DIR, 'test-results');
export const GATEWAY_ENTRY = path.join(REPO_ROOT, 'gateway', 'dist', 'index.js');
const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

/** How global setup hands the shared stack to the test workers (they inherit the runner's environment). */
export const STACK_ENV = 'E2E_STACK';

/** Sign-in links the e2e gateway sends one email per minute (the product's default is 3). */
export const SIGN_IN_PER_EMAIL_PER_MINUTE = 10;

/** The address ADMIN_EMAILS names in every test gateway: whoever signs in with it is an admin. */
export const ADMIN_EMAIL = 'admin@example.com';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** A gateway (both listeners) and a dashboard wired to each other, as an operator would run them. */
export interface Stack {
  dashboardUrl: string;
  /** The public listener: only /proxy/*, /health, /ready. */
  proxyUrl: string;
  /** The management listener: the API, /auth/*, /metrics. The dashboard's GATEWAY_API_URL. */
  managementUrl: string;
  /** ADMIN_API_TOKEN, for seeding through the API (`Authorization: Bearer …`). */
  adminToken: string;
  adminEmail: string;
  /** The gateway's DATA_DIR: PGlite's files and, without SMTP_URL, the dev mailbox (`mailbox/*.eml`). */
  dataDir: string;
}

export interface RunningStack extends Stack {
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the OS picks it; the tiny race is acceptable for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts a process, logs its output to test-results/<name>.log, waits until every `readyUrls` answers 200. */
async function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyUrls: string[],
): Promise<ChildProcess> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const log = createWriteStream(path.join(RESULTS_DIR, `${name}.log`));
  const child = spawn(process.execPath, args, { cwd: DASHBOARD_DIR, env: { ...process.env, ...env }, stdio: 'pipe' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `${name} exited early (code ${code}, signal ${signal}); see test-results/${name}.log`;
  });

  const isReady = (url: string) =>
    fetch(url).then(
      (response) => response.ok,
      () => false,
    );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if ((await Promise.all(readyUrls.map(isReady))).every(Boolean)) return child;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  child.kill('SIGKILL');
  throw new Error(
    `${name} did not become ready at ${readyUrls.join(' and ')} within 60 s; see test-results/${name}.log`,
  );
}

/** SIGTERM (the gateway flushes its usage buffer on it), SIGKILL after 10 s. */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface GatewayOptions {
  name?: string;
  dataDir: string;
  dashboardOrigin: string;
  adminToken: string;
  adminEmails: string;
  /** INTERNAL_API_BASE_URL; unset → the gateway's built-in demo upstream (/json, /echo, /status/:code…). */
  upstreamUrl?: string | undefined;
  /** A port chosen beforehand, when something must know the management URL before the gateway runs. */
  managementPort?: number | undefined;
  /** More environment, e.g. OIDC_* for single sign-on. */
  env?: Record<string, string> | undefined;
}

/**
 * The real gateway in embedded mode (PGlite + in-memory limiter) with both listeners on free ports, and
 * no SMTP_URL: sign-in mails land in `<dataDir>/mailbox/` (see `mailbox.ts`).
 */
export async function startGateway(
  options: GatewayOptions,
): Promise<{ proxyUrl: string; managementUrl: string; stop(): Promise<void> }> {
  if (!existsSync(GATEWAY_ENTRY)) {
    throw new Error(
      `${GATEWAY_ENTRY} is missing: build it first (npm run build -w shared && npm run build -w gateway)`,
    );
  }
  const proxyPort = await freePort();
  const managementPort = options.managementPort ?? (await freePort());
  const proxyUrl = `http://localhost:${proxyPort}`;
  const managementUrl = `http://localhost:${managementPort}`;
  const child = await startProcess(
    options.name ?? 'gateway',
    [GATEWAY_ENTRY],
    {
      PORT: String(proxyPort),
      MANAGEMENT_PORT: String(managementPort),
      DATA_DIR: options.dataDir,
      DASHBOARD_ORIGIN: options.dashboardOrigin,
      ADMIN_API_TOKEN: options.adminToken,
      ADMIN_EMAILS: options.adminEmails,
      // Every spec signs in from 127.0.0.1, the admin many times a minute: room for the suite, still
      // small enough per email for sign-in.spec.ts to meet the gateway's 429.
      SIGN_IN_PER_EMAIL_PER_MINUTE: String(SIGN_IN_PER_EMAIL_PER_MINUTE),
      SIGN_IN_PER_EMAIL_PER_DAY: '100000',
      SIGN_IN_PER_ADDRESS_PER_MINUTE: '100000',
      SIGN_IN_PER_ADDRESS_PER_DAY: '1000000',
      NODE_ENV: 'test',
      DATABASE_URL: '',
      REDIS_URL: '',
      SMTP_URL: '',
      OIDC_ISSUER: '',
      INTERNAL_API_BASE_URL: options.upstreamUrl ?? '',
      USAGE_FLUSH_INTERVAL_MS: '100', // usage shows up in the dashboard without long waits
      // webhooks.spec.ts's receiver listens on loopback; deliveries go out within a fraction of a second.
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      ...options.env,
    },
    [`${proxyUrl}/health`, `${managementUrl}/health`],
  );
  return { proxyUrl, managementUrl, stop: () => stopProcess(child) };
}

export async function startDashboard(options: {
  port: number;
  gatewayUrl: string;
  /** The proxy listener, shown to consumers beside their keys. */
  proxyUrl?: string;
  name?: string;
}): Promise<RunningServer> {
  if (!existsSync(path.join(DASHBOARD_DIR, '.next', 'BUILD_ID'))) {
    throw new Error(
      'dashboard/.next/BUILD_ID is missing: run `npm run build -w dashboard` (or `npm test -w dashboard`)',
    );
  }
  const url = `http://localhost:${options.port}`;
  const child = await startProcess(
    options.name ?? 'dashboard',
    [NEXT_BIN, 'start', '-p', String(options.port)],
    {
      GATEWAY_API_URL: options.gatewayUrl,
      ...(options.proxyUrl ? { GATEWAY_PROXY_URL: options.proxyUrl } : {}),
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(options.port),
    },
    [`${url}/api/runtime-config`],
  );
  return { url, stop: () => stopProcess(child) };
}

/**
 * A gateway and a dashboard that trust each other, in a throwaway DATA_DIR. Global setup starts the one
 * the tests share; a test that needs its own upstream (the attack through the proxy) starts another.
 */
export async function startStack(
  options: Pick<GatewayOptions, 'upstreamUrl' | 'managementPort' | 'env'> & { name?: string } = {},
): Promise<RunningStack> {
  const suffix = options.name ? `-${options.name}` : '';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gateway-e2e-'));
  const dashboardPort = await freePort();
  const dashboardUrl = `http://localhost:${dashboardPort}`;
  const adminToken = randomBytes(32).toString('base64url');

  const gateway = await startGateway({
    name: `gateway${suffix}`,
    dataDir,
    dashboardOrigin: dashboardUrl,
    adminToken,
    adminEmails: ADMIN_EMAIL,
    upstreamUrl: options.upstreamUrl,
    managementPort: options.managementPort,
    env: options.env,
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const dashboard = await startDashboard({
    port: dashboardPort,
    gatewayUrl: gateway.managementUrl,
    proxyUrl: gateway.proxyUrl,
    name: `dashboard${suffix}`,
  }).catch(async (error: unknown) => {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });

  return {
    dashboardUrl,
    proxyUrl: gateway.proxyUrl,
    managementUrl: gateway.managementUrl,
    adminToken,
    adminEmail: ADMIN_EMAIL,
    dataDir,
    async stop() {
      await Promise.all([dashboard.stop(), gateway.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
