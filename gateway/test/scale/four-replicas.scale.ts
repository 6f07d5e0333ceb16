import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { type Load, type LoadResult, startLoad } from '../support/load.js';
import { type Answer, concurrentAgent, countByStatus } from '../support/proxy-client.js';
import { createRedisPrefix, TEST_REDIS_URL } from '../support/redis.js';

const ENTRY = join(import.meta.dirname, '../../dist/index.js');
const REPLICAS = 4;

interface Replica {
  url: string;
  managementUrl: string;
  child: ChildProcess;
  output: () => string;
}

/** `node dist/index.js` as a supervisor would run it; resolves once it listens (its start-up log line). */
function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL'); // never left running by a failed start
      reject(new Error(`${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail('replica did not start in 30 s'), 30_000);
    child.once('exit', (code) => fail(`replica exited (${code})`));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      const line = output.split('\n').find((l) => l.includes('"managementPort"'));
      if (!line) return;
      clearTimeout(timer);
      const { port, managementPort } = JSON.parse(line) as { port: number; managementPort: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        managementUrl: `http://127.0.0.1:${managementPort}`,
        child,
        output: () => output,
      });
    });
  });
}

async function stopReplica(replica: Replica): Promise<void> {
  const { child } = replica;
  if (child.exitCode !== null || child.signalCode) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// Four gateway processes on one PostgreSQL and one Redis, as behind a load balancer, under load.
describe(`${REPLICAS} gateway processes on one Redis and one PostgreSQL`, () => {
  const replicas: Replica[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const adminToken = `adm_${randomBytes(24).toString('hex')}`;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let databaseUrl: string;
  let agent: Agent;

  beforeAll(async () => {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build -w gateway\` first`);
    upstream = await startEchoUpstream();
    cleanups.push(() => upstream.close());
    const db = await createTestDatabase();
    databaseUrl = db.url;
    cleanups.push(db.drop);
    const redis = createRedisPrefix();
    cleanups.push(redis.cleanup);
    const sessionSecret = randomBytes(32).toString('hex');
    for (let i = 0; i < REPLICAS; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), `gw-replica-${i}-`));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      const replica = await startReplica({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        MANAGEMENT_PORT: '0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        ADMIN_API_TOKEN: adminToken,
        SESSION_SECRET: sessionSecret,
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_SIZE: '4',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redis.prefix,
        INTERNAL_API_BASE_URL: upstream.url,
        USAGE_FLUSH_INTERVAL_MS: '50',
      });
      replicas.push(replica);
    }
    agent = concurrentAgent();
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    await Promise.all(replicas.map(stopReplica));
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  const admin = (i: number, path: string, init: RequestInit = {}) =>
    fetch(replicas[i]!.managementUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${adminToken}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
  async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
    const user = await admin(0, '/users', {
      method: 'POST',
      body: JSON.stringify({ email: `replicas-${randomBytes(4).toString('hex')}@example.com` }),
    });
    expect(user.status).toBe(201);
    const { user: created } = (await user.json()) as { user: { id: string } };
    const res = await admin(0, '/keys', { method: 'POST', body: JSON.stringify({ userId: created.id, ...body }) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  }
  const get = async (i: number, key: string): Promise<Answer> => {
    const res = await request(`${replicas[i]!.url}/proxy/x`, { dispatcher: agent, headers: { 'x-api-key': key } });
    return { status: res.statusCode, headers: res.headers as Record<string, string>, body: await res.body.text() };
  };
  const usageRows = async (keyId: string): Promise<number> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM usage_logs WHERE api_key_id = $1', [
        keyId,
      ]);
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  };

  it('under load: exact limits, a disabled key refused by all four within 1 s, a usage row per answer', async () => {
    // Background traffic through every replica, for the whole test.
    const busy = await createKey({ limitPerMinute: 1_000_000, limitPerDay: 100_000_000 });
    const loads: Load[] = replicas.map((r) => startLoad(r.url, { key: busy.key, concurrency: 2 }));
    const loadStarted = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));

    // 400 concurrent requests spread over the four replicas through a 100/min limit.
    const limited = await createKey({ limitPerMinute: 100, limitPerDay: 10_000 });
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => get(i % REPLICAS, limited.key)));
    expect(countByStatus(answers)).toEqual({ 200: 100, 429: 300 });

    // A key every replica has cached, disabled through one of them: refused by all four within 1 s.
    const doomed = await createKey({});
    let doomedRequests = 0;
    const getDoomed = (i: number) => {
      doomedRequests++;
      return get(i, doomed.key);
    };
    for (let i = 0; i < REPLICAS; i++) expect((await getDoomed(i)).status).toBe(200);
    const patch = await admin(0, `/keys/${doomed.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    expect(patch.status).toBe(200);
    const disabledAt = performance.now();
    const seenAfter = await Promise.all(
      replicas.map(async (_, i) => {
        await eventually(async () => expect((await getDoomed(i)).status).toBe(403), 1_000, 10);
        return performance.now() - disabledAt;
      }),
    );
    for (const ms of seenAfter) expect(ms).toBeLessThan(1_000);

    await new Promise((r) => setTimeout(r, 1_000));
    const results: LoadResult[] = await Promise.all(loads.map((l) => l.stop()));
    const seconds = (performance.now() - loadStarted) / 1_000;
    const answered = results.reduce((n, r) => n + r.answered, 0);
    for (const r of results) {
      expect(r.failures).toEqual([]);
      expect(Object.keys(r.statuses)).toEqual(['200']);
      expect(r.answered).toBeGreaterThan(0);
    }

    // Every answer has its usage row once each replica's writer has flushed: no more, no fewer.
    await eventually(
      async () => {
        expect(await usageRows(busy.id)).toBe(answered);
        expect(await usageRows(limited.id)).toBe(400);
        expect(await usageRows(doomed.id)).toBe(doomedRequests); // its 403s are logged too
      },
      10_000,
      100,
    );
    console.info(
      `${REPLICAS} replicas: ${answered} background requests in ${seconds.toFixed(1)} s (${Math.round(answered / seconds)} req/s, ` +
        `alongside the burst), key change seen after ${seenAfter.map((ms) => Math.round(ms)).join(', ')} ms`,
    );
  });
});
