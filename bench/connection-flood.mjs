#!/usr/bin/env node
// One client's slow connections against everyone else (issue 12 item 4: with a 1,024 file-descriptor
// limit, 1,100 slow `POST /users` bodies from one client made /health and /proxy refuse connections).
// Starts the built gateway twice on the embedded defaults under `ulimit -n 1024` — once with the
// default MAX_CONNECTIONS_PER_ADDRESS (256) and once with it off (0, as before it) — opens the slow
// bodies from 127.0.0.1 (one byte every 5 s, so BODY_IDLE_TIMEOUT_MS never fires), then asks /health
// on both listeners from another loopback address, 127.0.0.2.
//   node bench/connection-flood.mjs [--connections=1100]
// Needs a built gateway (npm run build -w gateway), Linux (127.0.0.2) and a shell with ulimit.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { connections: { type: 'string', default: '1100' } } });
const root = join(import.meta.dirname, '..');

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** GET `path` from 127.0.0.2: the status, or why there was none (within 5 s). */
function probe(port, path) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: '127.0.0.2', timeout: 5_000 }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => resolve(err.code ?? err.message));
    req.end();
  });
}

async function run(label, env) {
  const dataDir = mkdtempSync(join(tmpdir(), 'connection-flood-'));
  const port = await freePort();
  const managementPort = await freePort();
  const gateway = spawn('sh', ['-c', `ulimit -n 1024 && exec "${process.execPath}" gateway/dist/index.js`], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      ADMIN_API_TOKEN: `bench-admin-${randomBytes(16).toString('hex')}`,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'fatal',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sockets = [];
  let timer;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
      } catch {}
      if (i > 600) throw new Error('the gateway never answered');
      await new Promise((r) => setTimeout(r, 250));
    }
    let closedByServer = 0;
    for (let i = 0; i < Number(opts.connections); i++) {
      const socket = connect(managementPort, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => closedByServer++);
      socket.write(
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      sockets.push(socket);
    }
    timer = setInterval(() => {
      for (const s of sockets) if (s.writable) s.write(' ');
    }, 5_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const fds = readdirSync(`/proc/${gateway.pid}/fd`).length;
    const [health, managementHealth] = await Promise.all([probe(port, '/health'), probe(managementPort, '/health')]);
    console.log(
      `${label}: ${opts.connections} slow bodies from 127.0.0.1 → ${Number(opts.connections) - closedByServer} held open, ` +
        `gateway holds ${fds} of 1024 file descriptors; from 127.0.0.2: proxy /health ${health}, management /health ${managementHealth}`,
    );
  } finally {
    clearInterval(timer);
    for (const s of sockets) s.destroy();
    if (gateway.exitCode === null && gateway.signalCode === null) {
      const exited = new Promise((r) => gateway.once('exit', r));
      gateway.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run('MAX_CONNECTIONS_PER_ADDRESS=256 (default)', {});
await run('MAX_CONNECTIONS_PER_ADDRESS=0 (no cap, as before)', { MAX_CONNECTIONS_PER_ADDRESS: '0' });
