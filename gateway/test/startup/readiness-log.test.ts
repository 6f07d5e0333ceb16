// A newcomer with REDIS_URL pointing nowhere asks /ready: the log says once, in one line, what does not
// answer and which setting to check — no driver stack trace (issue 16 item 6).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENTRY = join(import.meta.dirname, '../../dist/index.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;
beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build -w gateway\` first`);
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('readiness with Redis down', () => {
  it('logs one line naming REDIS_URL, without a stack trace, however often /ready is asked', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gw-ready-log-'));
    const [port, managementPort, redisPort] = [await freePort(), await freePort(), await freePort()];
    child = spawn(process.execPath, [ENTRY], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('gateway listening')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gateway did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${managementPort}/ready`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: { redis: string } }).checks.redis).toBe('unreachable');
    }
    await new Promise((r) => setTimeout(r, 300));
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; err?: unknown });
    const readiness = lines.filter((l) => l.msg.startsWith('readiness: redis'));
    // Before: "readiness: redis unreachable; serving degraded" with ioredis' error and stack, no setting named.
    expect(readiness.map((l) => l.msg)).toEqual([
      'readiness: redis unreachable (not connected); serving degraded: check that it runs and REDIS_URL points at it',
    ]);
    expect(readiness[0]?.err).toBeUndefined();
    expect(stdout).not.toContain('"stack"');
    expect(stdout).not.toContain('enableOfflineQueue');
  });
});
