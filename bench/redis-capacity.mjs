#!/usr/bin/env node
// What one Redis primary sustains of the gateway's rate-limit script (issue 17): `redis-benchmark`
// sending the very EVALSHA the limiter sends — the bench's plan (a key minute window and an owner
// day window: 3 counters) — for 1,000 busy owners (counters exist) and 100,000 (mostly new counters),
// against a private redis-server on a free port (nothing persisted, killed at the end), without and
// with pipelining (the limiter sends each event-loop tick's decisions as one batch).
//   node bench/redis-capacity.mjs [--requests=200000] [--clients=50]
// Needs a built gateway (npm run build -w gateway), redis-server and redis-benchmark.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: { requests: { type: 'string', default: '200000' }, clients: { type: 'string', default: '50' } },
});
const dist = join(import.meta.dirname, '../gateway/dist/ratelimit');
const { compilePolicy, createRedisRateLimiter } = await import(join(dist, 'index.js'));
const { RATE_LIMIT_SCRIPT } = await import(join(dist, 'redis-script.js'));

// The limiter's own arguments for one decision, captured from a client that answers at once.
const policy = compilePolicy([
  { unit: 'minute', limit: 1_000_000, scope: 'key', shadow: false },
  { unit: 'day', limit: 1_000_000_000, scope: 'owner', shadow: false },
]);
const keyId = randomUUID();
const ownerId = randomUUID();
let args;
const capture = {
  sendCommand(command) {
    args = command.args;
    command.resolve([1, 0, 0, 0, 0, 0, 0]);
  },
};
await createRedisRateLimiter({ redis: capture, prefix: 'gw:' }).check(keyId, policy, ownerId);
// Every benchmark request a random owner and key: __rand_int__ is redis-benchmark's placeholder.
const command = args.map((a) => a.replaceAll(ownerId, 'o__rand_int__').replaceAll(keyId, 'k__rand_int__'));

const port = 36000 + Math.floor(Math.random() * 1000);
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
  { stdio: 'ignore' },
);
const cli = (...a) =>
  execFileSync('redis-cli', ['-p', String(port), ...a], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
try {
  for (let i = 0; ; i++) {
    try {
      if (cli('ping') === 'PONG') break;
    } catch {}
    if (i > 100) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const sha = cli('script', 'load', RATE_LIMIT_SCRIPT);
  if (sha !== command[0]) throw new Error(`script SHA ${sha} is not the limiter's ${command[0]}`);
  console.log(`EVALSHA with ${command[1]} keys and ${command.length - 2 - Number(command[1])} arguments`);
  for (const [owners, pipeline] of [
    [1_000, 1],
    [1_000, 16],
    [100_000, 1],
    [100_000, 16],
  ]) {
    cli('flushall');
    cli('config', 'resetstat');
    const out = execFileSync(
      'redis-benchmark',
      // biome-ignore format: flag/value pairs
      ['-p', String(port), '-n', opts.requests, '-c', opts.clients, '-P', String(pipeline), '-r', String(owners), '-q', 'evalsha', ...command],
      { encoding: 'utf8' },
    );
    const rps = /([\d.]+) requests per second/.exec(out)?.[1];
    const stats = cli('info', 'commandstats');
    const usec = /cmdstat_evalsha:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(stats);
    console.log(
      `${String(owners).padStart(6)} owners, pipeline ${String(pipeline).padStart(2)}: ${Math.round(Number(rps))} decisions/s, ${usec?.[2]} µs of Redis time per call (${usec?.[1]} calls), ${cli('dbsize')} keys`,
    );
  }
  console.log(`memory for the last run's keys: ${/used_memory_human:(\S+)/.exec(cli('info', 'memory'))?.[1]}`);
} finally {
  server.kill('SIGKILL');
}
