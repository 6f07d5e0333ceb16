// Starts the built gateway against the benchmark's database, Redis prefix and upstream, and gives
// it a user and an API key whose limits never trigger.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, GATEWAY_ENTRY, REDIS_URL, ROOT, randomId } from './environment.mjs';
import { startProcess, waitForHttp } from './processes.mjs';

/**
 * The node flags of gateway/package.json's `start` script (`node <flags> dist/index.js`), so the
 * benchmark runs the gateway the way `npm start` does.
 */
export function startScriptNodeFlags() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'gateway', 'package.json'), 'utf8'));
  const m = /^\s*node\s+(.*?)\s*dist\/index\.js\s*$/.exec(pkg.scripts?.start ?? '');
  return m?.[1] ? m[1].split(/\s+/) : [];
}

/**
 * @param {{ databaseUrl: string, redisPrefix: string, upstreamUrl: string, cpus?: string,
 *           workDir: string, profileDir?: string, nodeArgs?: string[], entry?: string,
 *           env?: Record<string, string> }} o
 */
export async function startGateway(o) {
  const port = await freePort();
  const managementPort = await freePort();
  const adminToken = `bench-admin-${randomId(16)}`;
  const nodeArgs = [...(o.nodeArgs ?? []), ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [])];
  const proc = startProcess('gateway', process.execPath, [...nodeArgs, o.entry ?? GATEWAY_ENTRY], {
    cpus: o.cpus,
    logFile: join(o.workDir, 'gateway.log'),
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      // Production refuses to start without a way to sign in; the benchmark never sends mail.
      SMTP_URL: 'smtp://127.0.0.1:9',
      DATABASE_URL: o.databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: o.redisPrefix,
      INTERNAL_API_BASE_URL: o.upstreamUrl,
      ADMIN_API_TOKEN: adminToken,
      SESSION_SECRET: randomId(24),
      DATA_DIR: join(o.workDir, 'data'),
      LOG_LEVEL: 'info',
      // One key drives up to 64 connections: the per-key in-flight cap (default 32) would answer the
      // rest 429 TOO_MANY_IN_FLIGHT and the benchmark would measure refusals, not proxying.
      KEY_MAX_IN_FLIGHT: '1024',
      ...o.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  await waitForHttp(`${url}/health`, { proc });

  const admin = async (method, path, body) => {
    const res = await fetch(`${managementUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  /** A user with a key whose limits are far above anything the benchmark can send. */
  const createKey = async (label = 'bench') => {
    const { user } = await admin('POST', '/users', { email: `${label}-${randomId()}@bench.invalid` });
    return admin('POST', '/keys', {
      userId: user.id,
      name: label,
      limitPerMinute: 1_000_000,
      limitPerDay: 1_000_000_000,
    });
  };

  /**
   * The key the throughput runs use, with what a real deployment turns on (issue 13): an explicit
   * route on `/` (balanced target pool, cost 1), a plan with a key window and an owner window (both
   * counted in the one Lua call, limits far above what the benchmark sends) and a scope check.
   * `plain` gives the seed's key instead: no route, no plan, no scope.
   */
  const createBenchKey = async ({ plain = false } = {}) => {
    if (plain) return createKey('bench-throughput');
    await admin('POST', '/routes', { name: 'bench', prefix: '/', targets: [o.upstreamUrl] });
    const plan = await admin('POST', '/plans', {
      name: 'bench',
      windows: [
        { unit: 'minute', limit: 1_000_000_000 },
        { unit: 'day', limit: 1_000_000_000, scope: 'owner' },
      ],
    });
    const { user } = await admin('POST', '/users', { email: `bench-${randomId()}@bench.invalid` });
    return admin('POST', '/keys', {
      userId: user.id,
      name: 'bench-throughput',
      planId: plan.id,
      scopes: [{ route: 'bench' }],
    });
  };

  return { proc, url, managementUrl, port, adminToken, admin, createKey, createBenchKey, root: ROOT };
}
