#!/usr/bin/env node
// Memory of the gateway while PostgreSQL is away and clients send long request targets (issue 12
// item 3: 110k requests with 15 KB paths, almost all 429s, grew RSS to 1.76 GB before the usage
// buffer's record bound was reached). Starts a built gateway on a fresh PostgreSQL database (reached
// through a TCP link this script can cut) with the in-memory limiter, caches one key, cuts the link,
// sends the requests and samples the gateway's RSS from /proc.
//   node bench/outage-memory.mjs [--requests=110000] [--path-bytes=15000] [--connections=32] [--buffer-bytes=N]
// Needs a built gateway (npm run build -w gateway) and PostgreSQL on 127.0.0.1:5432 (user postgres,
// trust); the database it creates is dropped at the end. Prints one line per stage.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '110000' },
    'path-bytes': { type: 'string', default: '15000' },
    connections: { type: 'string', default: '32' },
    /** USAGE_BUFFER_MAX_BYTES for this run (default: the gateway's, 64 MiB). */
    'buffer-bytes': { type: 'string' },
  },
});
const requests = Number(opts.requests);
const root = join(import.meta.dirname, '..');
const database = `bench_outage_${randomBytes(4).toString('hex')}`;
const psql = (sql) => {
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-Atc', sql]);
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
};

/** A TCP link to PostgreSQL that can be cut (open connections destroyed, new ones refused). */
function startLink(target) {
  const sockets = new Set();
  let cut = false;
  const server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        cut() {
          cut = true;
          for (const s of sockets) s.destroy();
        },
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

psql(`CREATE DATABASE ${database}`);
const dataDir = mkdtempSync(join(tmpdir(), 'outage-memory-'));
const link = await startLink({ host: '127.0.0.1', port: 5432 });
const upstream = createHttpServer((_req, res) => res.end('ok'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const port = await freePort();
const managementPort = await freePort();
const token = `bench-admin-${randomBytes(16).toString('hex')}`;
// Live memory (heap + ArrayBuffers after two full GCs, what is retained rather than garbage awaiting
// collection): on SIGUSR2 a preloaded hook collects and writes it to a file.
const liveFile = join(dataDir, 'live.json');
const preload = join(dataDir, 'live-memory.cjs');
writeFileSync(
  preload,
  `process.on('SIGUSR2', () => { gc(); gc(); const m = process.memoryUsage();
   require('node:fs').writeFileSync(${JSON.stringify(liveFile)}, String(m.heapUsed + m.arrayBuffers)); });`,
);
const gateway = spawn(process.execPath, ['--expose-gc', '--require', preload, join(root, 'gateway/dist/index.js')], {
  env: {
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    MANAGEMENT_PORT: String(managementPort),
    DATABASE_URL: `postgresql://postgres@127.0.0.1:${link.port}/${database}`,
    INTERNAL_API_BASE_URL: `http://127.0.0.1:${upstream.address().port}`,
    ADMIN_API_TOKEN: token,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    KEY_CACHE_TTL_MS: '600000',
    ...(opts['buffer-bytes'] ? { USAGE_BUFFER_MAX_BYTES: opts['buffer-bytes'] } : {}),
    LOG_LEVEL: 'fatal',
    LOG_FORMAT: 'json',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const api = `http://127.0.0.1:${managementPort}`;
const proxy = `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${proxy}/health`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('the gateway never answered');
    await new Promise((r) => setTimeout(r, 250));
  }
  const call = async (path, body) => {
    const res = await fetch(`${api}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status >= 400) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const { user } = await call('/users', { email: `bench-${randomBytes(4).toString('hex')}@example.com` });
  const key = await call('/keys', { userId: user.id, limitPerMinute: 10, limitPerDay: 1_000_000_000 });
  const liveMiB = async () => {
    rmSync(liveFile, { force: true });
    gateway.kill('SIGUSR2');
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        return Number(readFileSync(liveFile, 'utf8')) / 2 ** 20;
      } catch {}
    }
    throw new Error('no live-memory answer');
  };
  const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))[1]) / 1024;
  const metric = async (name) => {
    const text = await (await fetch(`${api}/metrics`, { headers })).text();
    return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  };

  const pool = new Pool(proxy, { connections: Number(opts.connections) });
  const target = `/proxy/${'p'.repeat(Number(opts['path-bytes']))}`;
  const first = await pool.request({ path: '/proxy/x', method: 'GET', headers: { 'x-api-key': key.key } });
  await first.body.dump();
  if (first.statusCode !== 200) throw new Error(`warm-up answered ${first.statusCode}`);
  await new Promise((r) => setTimeout(r, 2_000)); // its usage row is written
  link.cut();
  const baseline = rssMiB();
  const liveBaseline = await liveMiB();
  console.log(`PostgreSQL cut; gateway RSS ${baseline.toFixed(0)} MiB, live ${liveBaseline.toFixed(0)} MiB`);

  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB());
  }, 250);
  const statuses = {};
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (sent < requests) {
      sent++;
      const res = await pool.request({ path: target, method: 'GET', headers: { 'x-api-key': key.key } });
      await res.body.dump();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Number(opts.connections) }, worker));
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, rssMiB());
  clearInterval(sampler);
  console.log(
    `${requests} requests with ${opts['path-bytes']}-byte paths in ${seconds.toFixed(1)} s: ${JSON.stringify(statuses)}`,
  );
  console.log(
    `gateway RSS: peak ${peak.toFixed(0)} MiB, now ${rssMiB().toFixed(0)} MiB (baseline ${baseline.toFixed(0)} MiB); ` +
      `live ${(await liveMiB()).toFixed(0)} MiB (baseline ${liveBaseline.toFixed(0)} MiB), ` +
      `usage buffer ${((await metric('gateway_usage_buffer_bytes')) / 2 ** 20).toFixed(1)} MiB charged, ` +
      `${await metric('gateway_usage_records_dropped_total')} records dropped`,
  );
  await pool.close();
} finally {
  if (gateway.exitCode === null && gateway.signalCode === null) {
    const exited = new Promise((r) => gateway.once('exit', r));
    gateway.kill('SIGKILL');
    await exited;
  }
  await link.close();
  upstream.close();
  rmSync(dataDir, { recursive: true, force: true });
  psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
