import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const DASHBOARD_DIR = path.resolve(import.meta.dirname, '..', '..');
export const REPO_ROOT = path.resolve(DASHBOARD_DIR, '..');
export const RESULTS_DIR = path.join(DASHBOARD_DIR, 'test-results');
export const GATEWAY_ENTRY = path.join(REPO_ROOT, 'gateway', 'dist', 'index.js');
const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface RunningServer {
  url: string;
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

/** Starts a process, logs its output to test-results/<name>.log, waits until `readyUrl` answers 200. */
async function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
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

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    const ok = await fetch(readyUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not become ready at ${readyUrl} within 60 s; see test-results/${name}.log`);
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

export async function startGateway(options: {
  port: number;
  dataDir: string;
  dashboardOrigin: string;
}): Promise<RunningServer> {
  if (!existsSync(GATEWAY_ENTRY)) {
    throw new Error(
      `${GATEWAY_ENTRY} is missing: build it first (npm run build -w shared && npm run build -w gateway)`,
    );
  }
  const url = `http://localhost:${options.port}`;
  const child = await startProcess(
    'gateway',
    [GATEWAY_ENTRY],
    {
      PORT: String(options.port),
      DATA_DIR: options.dataDir,
      DASHBOARD_ORIGIN: options.dashboardOrigin,
      NODE_ENV: 'test',
      DATABASE_URL: '',
      REDIS_URL: '',
      INTERNAL_API_BASE_URL: '',
      USAGE_FLUSH_INTERVAL_MS: '100', // usage shows up in the dashboard without long waits
    },
    `${url}/health`,
  );
  return { url, stop: () => stopProcess(child) };
}

export async function startDashboard(options: {
  port: number;
  gatewayUrl: string;
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
    { GATEWAY_API_URL: options.gatewayUrl, NEXT_TELEMETRY_DISABLED: '1', PORT: String(options.port) },
    `${url}/api/runtime-config`,
  );
  return { url, stop: () => stopProcess(child) };
}
