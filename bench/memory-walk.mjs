#!/usr/bin/env node
// Memory of the gateway on the embedded defaults (PGlite, in-memory limiter, demo upstream), as the
// quick start runs it: RSS and heap at idle, then after rounds of the management calls a dashboard
// walk makes (users, keys, usage per key and overall, audit) plus proxied traffic (issue 16 item 14).
//   node bench/memory-walk.mjs [--rounds=10] [--requests=2000]
// Needs a built gateway (npm run build -w gateway). Prints one line per stage.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { rounds: { type: 'string', default: '10' }, requests: { type: 'string', default: '2000' } },
});
const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'memory-walk-'));
const port = 33000 + Math.floor(Math.random() * 1000);
const managementPort = port + 1000;
const gateway = spawn(process.execPath, [join(root, 'gateway/dist/index.js')], {
  env: {
    PATH: process.env.PATH,
    DATA_DIR: dataDir,
    PORT: String(port),
    MANAGEMENT_PORT: String(managementPort),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const api = `http://127.0.0.1:${managementPort}`;
const proxy = `http://127.0.0.1:${port}`;

async function until(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never answered`);
}
await until(`${proxy}/health`);
const token = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).adminApiToken;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const call = async (path, init = {}) => {
  const res = await fetch(`${api}${path}`, { headers, ...init });
  if (res.status >= 400) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
};

/** RSS from /proc, heap and external (PGlite's WebAssembly memory is an ArrayBuffer) from /metrics. */
async function sample(stage) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))[1]) / 1024;
  const metrics = await (await fetch(`${api}/metrics`, { headers })).text();
  const metric = (name) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20;
  const heapUsed = metric('nodejs_heap_size_used_bytes');
  const heapTotal = metric('nodejs_heap_size_total_bytes');
  const external = metric('nodejs_external_memory_bytes');
  console.log(
    `${stage.padEnd(28)} rss ${rss.toFixed(0).padStart(4)} MB  heap used ${heapUsed.toFixed(0).padStart(3)} / total ${heapTotal.toFixed(0).padStart(3)} MB  external ${external.toFixed(0).padStart(4)} MB`,
  );
}

await sample('idle after start');
const keys = [];
for (let round = 1; round <= Number(opts.rounds); round++) {
  const { user } = await call('/users', {
    method: 'POST',
    body: JSON.stringify({ email: `walker${round}@example.com` }),
  });
  const key = await call('/keys', {
    method: 'POST',
    body: JSON.stringify({ userId: user.id, name: `key ${round}`, limitPerMinute: 100_000 }),
  });
  keys.push(key);
  const perRound = Number(opts.requests) / Number(opts.rounds);
  for (let i = 0; i < perRound; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${proxy}/proxy/json`, { headers: { 'x-api-key': key.key } }).then((r) => r.arrayBuffer()),
      ),
    );
  }
  await new Promise((r) => setTimeout(r, 1_200)); // a usage flush
  for (const k of keys) {
    await call(`/usage/${k.id}`);
    await call(`/keys/${k.id}`);
  }
  await call('/keys');
  await call('/users');
  await call('/usage');
  await call('/audit?limit=50');
  await call(`/keys/${key.id}`, { method: 'PATCH', body: JSON.stringify({ name: `key ${round} renamed` }) });
  if (round === 1 || round % 5 === 0) await sample(`after walk round ${round}`);
}
await new Promise((r) => setTimeout(r, 10_000));
await sample('10 s later, idle');
gateway.kill('SIGTERM');
await new Promise((r) => gateway.on('exit', r));
rmSync(dataDir, { recursive: true, force: true });
