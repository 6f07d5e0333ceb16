// What the benchmark needs around it: a fresh build, a database and a Redis prefix of its own,
// free ports, and a description of the machine for RESULTS.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { onCleanup } from './processes.mjs';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const GATEWAY_ENTRY = join(ROOT, 'gateway', 'dist', 'index.js');
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

function newestMtime(dir, skip = () => false) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path, skip) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds shared/ and gateway/ when gateway/dist/index.js is missing or older than any source. */
export function ensureBuild() {
  const built = existsSync(GATEWAY_ENTRY) ? statSync(GATEWAY_ENTRY).mtimeMs : 0;
  const generated = join(ROOT, 'gateway', 'src', 'generated');
  const sources = Math.max(
    newestMtime(join(ROOT, 'gateway', 'src'), (p) => p.startsWith(generated) || p.endsWith('.test.ts')),
    newestMtime(join(ROOT, 'gateway', 'prisma')),
    newestMtime(join(ROOT, 'shared', 'src')),
  );
  if (built >= sources) return false;
  console.log(built ? 'gateway sources changed since the last build: building…' : 'building the gateway…');
  for (const ws of ['shared', 'gateway']) {
    const r = spawnSync('npm', ['run', 'build', '-w', ws], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm run build -w ${ws} failed`);
  }
  return true;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function randomId(bytes = 6) {
  return randomBytes(bytes).toString('hex');
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with a random name (`<prefix>_…`), dropped at cleanup. */
export async function createDatabase(prefix = 'gw_bench') {
  const name = `${prefix}_${randomId()}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  // BENCH_KEEP_DATABASES=1 keeps them for looking into afterwards (drop them yourself).
  if (process.env.BENCH_KEEP_DATABASES === '1') console.log(`keeping database ${name}`);
  else onCleanup(() => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/**
 * Writes out PostgreSQL's dirty pages before measuring, so a checkpoint left over from earlier work (the
 * 13 M-row load of a previous run writes gigabytes of WAL) does not compete with the gateway's runs.
 * Needs a superuser, as the bench's admin connection is here; elsewhere it says so and goes on.
 */
export async function checkpointDatabase() {
  try {
    await withAdmin((c) => c.query('CHECKPOINT'));
  } catch (err) {
    console.log(`(no CHECKPOINT before measuring: ${err.message})`);
  }
}

/** A Redis key prefix of our own; every key under it is deleted at cleanup (the Redis is shared). */
export function createRedisPrefix() {
  const prefix = `bench:${randomId()}:`;
  onCleanup(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
  return prefix;
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0].trim();
}

/** nproc, CPU model, memory and the versions of everything measured. */
export async function describeMachine() {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  let postgres = 'unknown';
  await withAdmin(async (c) => {
    postgres = (await c.query('SHOW server_version')).rows[0].server_version;
  }).catch(() => {});
  const redisInfo = firstLine('redis-cli', ['-u', REDIS_URL, 'INFO', 'server']);
  const redisVersion =
    spawnSync('redis-cli', ['-u', REDIS_URL, 'INFO', 'server'], { encoding: 'utf8' }).stdout?.match(
      /redis_version:(\S+)/,
    )?.[1] ?? redisInfo;
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return {
    nproc: Number(firstLine('nproc', [])) || cpus().length,
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    postgres,
    redis: redisVersion,
  };
}
