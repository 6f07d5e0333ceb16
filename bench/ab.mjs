// `node bench/ab.mjs` — A/B of gateway builds or setups in one run, for changes smaller than the
// noise between two `npm run bench` runs on a shared machine.
//
//   node bench/ab.mjs --variant=plain:gateway/dist:plain --variant=on:gateway/dist:features
//   node bench/ab.mjs --variant=before:/tmp/dist-before:features --variant=after:gateway/dist:features
//   options: --rounds=<n> (6) --duration=<s> (5) --warmup=<s> (3) --connections=<n> (64) --path=/small
//            --env=NAME=value (to every gateway; repeatable) --no-pin
//            --profile (every gateway under --cpu-prof; prints the functions whose time per request
//            differs most from the first variant's — the profiler inflates all of it ~1.5×)
//
// A variant is name:dist-dir:setup, setup `plain` (the seed's key: no route, plan or scope) or
// `features` (issue 13's bench key: route on `/`, plan with key minute + owner day, scope; see
// lib/gateway.mjs) or `features+NAME=value,…` (that setup with extra environment for that gateway).
// Each variant is its own gateway process (own database and Redis prefix) pinned to the same core;
// only one is under load at a time, in an order that rotates each round. CPU per request is the
// process's utime+stime per round ÷ requests; the summary gives the median and the range of rounds.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, createRedisPrefix, ensureBuild, freePort, ROOT } from './lib/environment.mjs';
import { startGateway } from './lib/gateway.mjs';
import { cleanup, cpuMicros, startProcess, waitForHttp, wasInterrupted } from './lib/processes.mjs';
import { functionTimes } from './lib/profile.mjs';
import { LOAD_CPU, SUT_CPU } from './lib/throughput.mjs';
import { ensureWrk, runWrk } from './lib/wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    variant: {
      type: 'string',
      multiple: true,
      default: ['plain:gateway/dist:plain', 'features:gateway/dist:features'],
    },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    path: { type: 'string', default: '/small' },
    env: { type: 'string', multiple: true, default: [] },
    'no-pin': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const envPairs = (list) => Object.fromEntries(list.filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));

async function main() {
  ensureWrk();
  ensureBuild();
  const pinned = !opts['no-pin'];
  const workDir = join(ROOT, 'bench', '.work', `ab-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(workDir, { recursive: true });
  const upstreamPort = await freePort();
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const upstream = startProcess(
    'upstream',
    process.execPath,
    [join(ROOT, 'bench', 'upstream.mjs'), String(upstreamPort)],
    {
      cpus: pinned ? LOAD_CPU : undefined,
      logFile: join(workDir, 'upstream.log'),
    },
  );
  await waitForHttp(`${upstreamUrl}/small`, { proc: upstream });

  const variants = [];
  for (const spec of opts.variant) {
    const [name, dir, ...setupParts] = spec.split(':');
    const setupSpec = setupParts.join(':') || 'features'; // extra environment values may hold colons (URLs)
    const [setup, extra = ''] = setupSpec.split('+');
    if (setup !== 'plain' && setup !== 'features') throw new Error(`setup must be plain or features: ${spec}`);
    const vDir = join(workDir, name);
    mkdirSync(vDir, { recursive: true });
    const gateway = await startGateway({
      databaseUrl: (await createDatabase()).url,
      redisPrefix: createRedisPrefix(),
      upstreamUrl,
      cpus: pinned ? SUT_CPU : undefined,
      workDir: vDir,
      profileDir: opts.profile ? join(vDir, 'profile') : undefined,
      entry: join(resolve(ROOT, dir), 'index.js'),
      env: { ...envPairs(opts.env), ...envPairs(extra.split(',')) },
    });
    const key = await gateway.createBenchKey({ plain: setup === 'plain' });
    await waitForHttp(`${gateway.url}/proxy/small`, { headers: { 'x-api-key': key.key }, proc: gateway.proc });
    variants.push({ name, gateway, key, rounds: [], requests: 0, profileDir: join(vDir, 'profile') });
    console.log(`${name}: ${dir} (${setupSpec}), pid ${gateway.proc.pid}`);
  }

  const connections = Number(opts.connections);
  const cpus = pinned ? LOAD_CPU : undefined;
  for (const v of variants) {
    const url = `${v.gateway.url}/proxy${opts.path}`;
    const r = await runWrk({ url, connections, durationS: Number(opts.warmup), cpus, apiKey: v.key.key });
    v.requests += r.requests;
  }
  const rounds = Number(opts.rounds);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      const url = `${v.gateway.url}/proxy${opts.path}`;
      const cpu0 = cpuMicros(v.gateway.proc.pid);
      const r = await runWrk({ url, connections, durationS: Number(opts.duration), cpus, apiKey: v.key.key });
      const cpuPerReq = (cpuMicros(v.gateway.proc.pid) - cpu0) / Math.max(1, r.requests);
      v.rounds.push({ cpuPerReq, rps: r.rps, errors: r.errors });
      v.requests += r.requests;
      console.log(
        `  round ${round + 1}/${rounds} ${v.name.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  ` +
          `${cpuPerReq.toFixed(1).padStart(6)} µs CPU/req${r.errors ? `  ERRORS ${r.errors}` : ''}`,
      );
    }
  }

  console.log('\n| variant | CPU µs/req, median (range) | req/s, median (range) |');
  console.log('|---|--:|--:|');
  for (const v of variants) {
    const c = v.rounds.map((r) => r.cpuPerReq);
    const q = v.rounds.map((r) => r.rps);
    console.log(
      `| ${v.name} | ${median(c).toFixed(1)} (${Math.min(...c).toFixed(1)}–${Math.max(...c).toFixed(1)}) | ` +
        `${median(q).toFixed(0)} (${Math.min(...q).toFixed(0)}–${Math.max(...q).toFixed(0)}) |`,
    );
  }
  // Paired by round: each round ran every variant back to back, so the per-round difference
  // cancels slow drifts of the machine.
  const [first, ...rest] = variants;
  for (const v of rest) {
    const d = v.rounds.map((r, i) => r.cpuPerReq - first.rounds[i].cpuPerReq);
    console.log(
      `${v.name} − ${first.name}: ${median(d).toFixed(1)} µs/req (rounds ${d.map((x) => x.toFixed(1)).join(', ')})`,
    );
  }
  for (const v of variants) await v.gateway.proc.stop(30_000);
  if (opts.profile) compareProfiles(variants);
}

/** Per-request self and inclusive time by function, each variant against the first. */
function compareProfiles(variants) {
  const times = variants.map((v) => {
    const file = readdirSync(v.profileDir).find((f) => f.endsWith('.cpuprofile'));
    const t = functionTimes(join(v.profileDir, file));
    const per = (m) => new Map([...m].map(([k, us]) => [k, us / v.requests]));
    console.log(`profile of ${v.name}: ${join(v.profileDir, file)}`);
    return { self: per(t.self), inclusive: per(t.inclusive) };
  });
  const [first, ...rest] = times;
  rest.forEach((t, i) => {
    for (const kind of ['self', 'inclusive']) {
      const names = new Set([...first[kind].keys(), ...t[kind].keys()]);
      const diffs = [...names]
        .map((n) => [n, (t[kind].get(n) ?? 0) - (first[kind].get(n) ?? 0), t[kind].get(n) ?? 0])
        .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
        .slice(0, 30);
      console.log(`\n${variants[i + 1].name} − ${variants[0].name}, ${kind} µs/req (profiled):`);
      for (const [n, d, v] of diffs)
        console.log(`  ${d >= 0 ? '+' : ''}${d.toFixed(2).padStart(6)}  (${v.toFixed(2)})  ${n}`);
    }
  });
}

main()
  .catch((err) => {
    if (wasInterrupted()) return;
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
