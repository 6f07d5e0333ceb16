// What an operator sees when `node dist/index.js` cannot start: one line per problem naming the
// setting, no stack trace, exit 1 — and an embedded database that two processes never share.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import { lockDataDir } from '../../src/db/data-dir-lock.js';
import { createTestDatabase } from '../support/database.js';

const ENTRY = join(import.meta.dirname, '../../dist/index.js');
/** Lines that only a stack trace or a dumped error object prints. */
const STACK = /^\s+at |TypeError|ZodError|\{$|errno|npm error/m;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built gateway with only `env` (plus PATH), as a supervisor would, until it exits — or
 * until its output matches every pattern of `stopWhen`, then stops it with SIGTERM.
 */
function runGateway(env: Record<string, string>, timeoutMs = 20_000, stopWhen: RegExp[] = []): Promise<Exit> {
  const child = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', MANAGEMENT_PORT: '0', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    if (stopped || stopWhen.length === 0 || !stopWhen.every((p) => p.test(stdout))) return;
    stopped = true;
    child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

let dataDir: string;
beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build -w gateway\` first`);
});
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});
const freshDataDir = async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gw-startup-'));
  return dataDir;
};

describe('configuration errors', () => {
  it('lists every invalid variable, one line each, and exits 1 without a stack trace', async () => {
    const result = await runGateway({
      DATA_DIR: await freshDataDir(),
      DATABASE_URL: 'notaurl',
      REDIS_URL: 'notaurl',
      INTERNAL_API_BASE_URL: 'notaurl',
      UPSTREAM_TIMEOUT_MS: 'soon',
    });
    expect(result.code).toBe(1);
    // Before: "TypeError: Invalid URL" and a zod stack trace, and nothing else listed.
    expect(result.stderr).not.toMatch(STACK);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Invalid configuration \(4 problems/);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_API_BASE_URL', 'UPSTREAM_TIMEOUT_MS']) {
      expect(lines.filter((l) => l.startsWith(`  - ${name} `))).toHaveLength(1);
    }
    expect(result.stdout).toBe('');
  });
});

describe('database start-up failures', () => {
  it('a PostgreSQL that does not answer is one line naming DATABASE_URL', async () => {
    const port = await closedPort();
    const result = await runGateway({
      DATA_DIR: await freshDataDir(),
      DATABASE_URL: `postgresql://gateway:s3cret-password@127.0.0.1:${port}/gateway`,
    });
    expect(result.code).toBe(1);
    // Before: "gateway failed to start:" and ~20 lines of the raw pg error object.
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Cannot connect to PostgreSQL at DATABASE_URL \\(127\\.0\\.0\\.1:${port}/gateway\\): ECONNREFUSED`),
    );
    expect(result.stderr).not.toContain('s3cret-password');
  });
});

describe('services down at start', () => {
  it('Redis and the upstream not answering: one warning each naming the setting, and the gateway starts', async () => {
    const database = await createTestDatabase();
    try {
      const [redisPort, upstreamPort] = [await closedPort(), await closedPort()];
      const result = await runGateway(
        {
          DATA_DIR: await freshDataDir(),
          DATABASE_URL: database.url,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          INTERNAL_API_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
        },
        20_000,
        [/gateway listening/, /INTERNAL_API_BASE_URL \(/],
      );
      expect(result.code).toBe(0); // started, then stopped by the test's SIGTERM
      const lines = result.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; rateLimiter?: string; err?: unknown });
      const warnings = lines.filter((l) => l.level >= 40).map((l) => l.msg);
      // Before: no address anywhere, the start line said rateLimiter "redis", and the key-change
      // subscription logged a JSON stack trace; a dead upstream went unmentioned.
      expect(warnings.filter((m) => m.includes('REDIS_URL'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^REDIS_URL \\(127\\.0\\.0\\.1:${redisPort}\\) is not reachable \\(ECONNREFUSED\\): rate limits follow RATE_LIMIT_FAILURE_MODE=local`,
          ),
        ),
      ]);
      expect(warnings.filter((m) => m.includes('INTERNAL_API_BASE_URL'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^INTERNAL_API_BASE_URL \\(http://127\\.0\\.0\\.1:${upstreamPort}\\) is not reachable \\(ECONNREFUSED\\)`,
          ),
        ),
      ]);
      expect(lines.find((l) => l.msg.startsWith('gateway listening'))?.rateLimiter).toBe(
        `redis at 127.0.0.1:${redisPort} (unreachable: see above)`,
      );
      expect(result.stdout).not.toContain('"stack"');
      expect(result.stderr).toBe('');
    } finally {
      await database.drop();
    }
  });
});

describe('one embedded database, one process', () => {
  it('a second gateway on the same DATA_DIR is refused, naming the process that holds it', async () => {
    const dir = await freshDataDir();
    const release = lockDataDir(dir); // what an embedded gateway holds while it runs
    try {
      const result = await runGateway({ DATA_DIR: dir });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(
        new RegExp(`^The embedded database in \\S+ is in use by process ${process.pid}\\b.*stop that gateway first`),
      );
      expect(result.stderr).not.toMatch(STACK);
      // The refused process did not take the lock away from its holder.
      expect((await readFile(join(dir, 'gateway.pid'), 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      release();
    }
    expect(existsSync(join(dir, 'gateway.pid'))).toBe(false);
  });

  it('opening the embedded database takes the lock, even one left by a process that no longer runs', {
    timeout: 90_000,
  }, async () => {
    const dir = await freshDataDir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    await writeFile(join(dir, 'gateway.pid'), `${gone.pid}\n`);
    const db = await createDatabase({ dataDir: dir });
    expect((await readFile(join(dir, 'gateway.pid'), 'utf8')).trim()).toBe(String(process.pid));
    await db.close();
    expect(existsSync(join(dir, 'gateway.pid'))).toBe(false);
  });
});
