#!/usr/bin/env node
// One key's slow uploads against everyone else (issue 12 item 1: 140 uploads of one key, each declaring
// 1,000,000 bytes and sending one byte every 5 s, held all 128 pooled upstream connections and an
// unrelated key got no answer for 20 s). Starts the built gateway twice on the embedded defaults with
// a local upstream — once as configured by default (KEY_MAX_IN_FLIGHT=32, UPSTREAM_QUEUE_TIMEOUT_MS=5000)
// and once with both guards out of reach, as before them — opens the uploads with key A, then times
// one request of key B.
//   node bench/tenant-isolation.mjs [--uploads=140] [--wait-ms=20000]
// Needs a built gateway (npm run build -w gateway). Prints one line per run.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { uploads: { type: 'string', default: '140' }, 'wait-ms': { type: 'string', default: '20000' } },
});
const root = join(import.meta.dirname, '..');

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// The upstream reads uploads to their end before answering; anything else is answered at once.
let uploadsOpen = 0;
const upstream = createHttpServer((req, res) => {
  if (req.url !== '/upload') return res.end('ok');
  uploadsOpen++;
  req.on('close', () => uploadsOpen--);
  req.resume();
  req.on('end', () => res.end('done'));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));

async function run(label, env) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-isolation-'));
  const port = await freePort();
  const managementPort = await freePort();
  const token = `bench-admin-${randomBytes(16).toString('hex')}`;
  const gateway = spawn(process.execPath, [join(root, 'gateway/dist/index.js')], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      INTERNAL_API_BASE_URL: `http://127.0.0.1:${upstream.address().port}`,
      ADMIN_API_TOKEN: token,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'fatal',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sockets = [];
  const timers = [];
  try {
    const proxy = `http://127.0.0.1:${port}`;
    const api = `http://127.0.0.1:${managementPort}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${proxy}/health`)).ok) break;
      } catch {}
      if (i > 600) throw new Error('the gateway never answered');
      await new Promise((r) => setTimeout(r, 250));
    }
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path, body) => {
      const res = await fetch(`${api}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status >= 400) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const { user } = await post('/users', { email: `bench-${randomBytes(4).toString('hex')}@example.com` });
    const greedy = await post('/keys', { userId: user.id, limitPerMinute: 100_000, limitPerDay: 1_000_000 });
    const other = await post('/keys', { userId: user.id, limitPerMinute: 100_000, limitPerDay: 1_000_000 });

    const answers = [];
    for (let i = 0; i < Number(opts.uploads); i++) {
      const socket = connect(port, '127.0.0.1');
      const received = [];
      socket.on('data', (c) => received.push(c));
      socket.on('error', () => {});
      socket.write(
        `POST /proxy/upload HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${greedy.key}\r\nContent-Length: 1000000\r\n\r\nx`,
      );
      timers.push(setInterval(() => socket.writable && socket.write('x'), 5_000));
      sockets.push(socket);
      answers.push(received);
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const started = performance.now();
    let outcome;
    try {
      const res = await fetch(`${proxy}/proxy/other`, {
        headers: { 'x-api-key': other.key },
        signal: AbortSignal.timeout(Number(opts['wait-ms'])),
      });
      await res.text();
      outcome = `${res.status} after ${(performance.now() - started).toFixed(0)} ms`;
    } catch {
      outcome = `no answer within ${Number(opts['wait-ms']) / 1000} s`;
    }
    const refused = answers.filter((r) => Buffer.concat(r).toString('latin1').startsWith('HTTP/1.1 429 ')).length;
    console.log(
      `${label}: ${opts.uploads} slow uploads of key A → ${uploadsOpen} at the upstream, ${refused} answered 429; ` +
        `key B: ${outcome}`,
    );
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    if (gateway.exitCode === null && gateway.signalCode === null) {
      const exited = new Promise((r) => gateway.once('exit', r));
      gateway.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run('defaults (KEY_MAX_IN_FLIGHT=32, UPSTREAM_QUEUE_TIMEOUT_MS=5000)', {});
await run('guards out of reach (KEY_MAX_IN_FLIGHT=100000, UPSTREAM_QUEUE_TIMEOUT_MS=600000)', {
  KEY_MAX_IN_FLIGHT: '100000',
  UPSTREAM_QUEUE_TIMEOUT_MS: '600000',
});
upstream.close();
upstream.closeAllConnections();
