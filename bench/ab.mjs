// `node bench/ab.mjs` — A/B of gateway builds or setups in one run, for changes smaller than the
// noise between two `npm run bench` runs on a shared machine.
//
//   node bench/ab.mjs --variant=plain:gateway/dist:plain --variant=on:gateway/dist:features
//   node bench/ab.mjs --variant=before:/tmp/dist-before:features --variant=after:gateway/dist:features
//   options: --rounds=<n> (6) --duration=<s> (5) --warmup=<s> (3) --connections=<n> (64) --path=/small
//            --paths=/small:64,/10mb:16 (several scenarios per round, path:connections, run in this
//            order; replaces --path/--connections) --env=NAME=value (to every gateway; repeatable) --no-pin
//            --delay=<ms> (each connection pauses this long between requests: light load, as npm run bench's)
//            --profile (every gateway under --cpu-prof; prints the functions whose time per request
//            differs most from the first variant's — the profiler inflates all of it ~1.5×)
//
// A variant is name:dist-dir:setup, setup `plain` (the seed's key: no route, plan or scope) or
// `bare` (dist-dir is then a bare proxy script, e.g. bench/baseline-proxy.mjs, for a profile against it) or
// `features` (issue 13's bench key: route on `/`, plan with key minute + owner day, scope; see
// lib/gateway.mjs) or `features+NAME=value,…` (that setup with extra environment for that gateway).
// Extra environment is split at commas that start a new NAME=, so MALLOC_CONF=a:1,b:2 stays whole.
// Each variant is its own gateway process (own database and Redis prefix) pinned to the same core;
// only one is under load at a time, in an order that rotates each round. CPU per request is the
// process's utime+stime per round ÷ requests; the summary gives the median and the range of rounds.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, createRedisPrefix, ensureBuild, freePort, ROOT } from './lib/environment.mjs';
import { startGateway } from './lib/gateway.mjs';
import { cleanup, cpuMicros, rssBytes, startProcess, waitForHttp, wasInterrupted } from './lib/processes.mjs';
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
    delay: { type: 'string', default: '0' },
    paths: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    'no-pin': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  const src = readFileSync(new URL(import.meta.url), 'utf8');
  console.log(src.slice(0, src.indexOf('\nimport ')).replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const envPairs = (list) => Object.fromEntries(list.filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const MB = 2 ** 20;

/** V8's heap (total, not used: what the process holds) from the gateway's /metrics, in MB. */
async function v8Heap(managementUrl) {
  try {
    const text = await (await fetch(`${managementUrl}/metrics`)).text();
    return Number(/^nodejs_heap_size_total_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN) / MB;
  } catch {
    return Number.NaN;
  }
}

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
    if (!['plain', 'features', 'bare'].includes(setup))
      throw new Error(`setup must be plain, features or bare: ${spec}`);
    const vDir = join(workDir, name);
    mkdirSync(vDir, { recursive: true });
    const env = { ...envPairs(opts.env), ...envPairs(extra.split(/,(?=[A-Za-z_][A-Za-z0-9_]*=)/)) };
    const profileDir = join(vDir, 'profile');
    const spawnedAt = Date.now();
    if (setup === 'bare') {
      // A bare proxy script (bench/baseline-*.mjs) in place of a gateway: no key, no /proxy prefix.
      const port = await freePort();
      const proc = startProcess(
        name,
        process.execPath,
        [
          ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
          resolve(ROOT, dir),
          String(port),
          upstreamUrl,
        ],
        { cpus: pinned ? SUT_CPU : undefined, logFile: join(vDir, 'bare.log'), env },
      );
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/small`, { proc });
      variants.push({
        name,
        gateway: { proc, url },
        prefix: '',
        key: { key: '' },
        rounds: [],
        requests: 0,
        measured: 0,
        spawnedAt,
        profileDir,
      });
      console.log(`${name}: ${dir} (bare proxy), pid ${proc.pid}`);
      continue;
    }
    const gateway = await startGateway({
      databaseUrl: (await createDatabase()).url,
      redisPrefix: createRedisPrefix(),
      upstreamUrl,
      cpus: pinned ? SUT_CPU : undefined,
      workDir: vDir,
      profileDir: opts.profile ? profileDir : undefined,
      entry: join(resolve(ROOT, dir), 'index.js'),
      env,
    });
    const key = await gateway.createBenchKey({ plain: setup === 'plain' });
    await waitForHttp(`${gateway.url}/proxy/small`, { headers: { 'x-api-key': key.key }, proc: gateway.proc });
    variants.push({
      name,
      gateway,
      prefix: '/proxy',
      key,
      rounds: [],
      requests: 0,
      measured: 0,
      spawnedAt,
      profileDir,
    });
    console.log(`${name}: ${dir} (${setupSpec}), pid ${gateway.proc.pid}`);
  }

  const scenarios = (opts.paths ?? `${opts.path}:${opts.connections}`).split(',').map((p) => {
    const [path, conns] = p.split(':');
    return { path, connections: Number(conns ?? opts.connections) };
  });
  const cpus = pinned ? LOAD_CPU : undefined;
  for (const v of variants) {
    v.byPath = new Map(scenarios.map((s) => [s.path, []]));
    for (const s of scenarios) {
      const url = `${v.gateway.url}${v.prefix}${s.path}`;
      const r = await runWrk({
        url,
        connections: s.connections,
        durationS: Number(opts.warmup),
        cpus,
        apiKey: v.key.key,
        delayMs: Number(opts.delay),
      });
      v.requests += r.requests;
    }
  }
  // The profiles are compared from here on: start-up (module loading, Prisma's WebAssembly) and the
  // warm-ups are left out, and the time is divided by the measured requests only.
  const measuredFrom = Date.now();
  const rounds = Number(opts.rounds);
  for (let round = 0; round < rounds; round++) {
    for (const s of scenarios) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const v of order) {
        const url = `${v.gateway.url}${v.prefix}${s.path}`;
        const pid = v.gateway.proc.pid;
        const cpu0 = cpuMicros(pid);
        let rssMax = rssBytes(pid);
        const sampler = setInterval(() => {
          rssMax = Math.max(rssMax, rssBytes(pid));
        }, 200);
        const r = await runWrk({
          url,
          connections: s.connections,
          durationS: Number(opts.duration),
          cpus,
          apiKey: v.key.key,
          delayMs: Number(opts.delay),
        });
        clearInterval(sampler);
        const rssEnd = rssBytes(pid);
        const heap = v.gateway.managementUrl ? await v8Heap(v.gateway.managementUrl) : null;
        const cpuPerReq = (cpuMicros(pid) - cpu0) / Math.max(1, r.requests);
        const row = { cpuPerReq, rps: r.rps, mbps: r.mbps, p50: r.p50Us / 1000, p99: r.p99Us / 1000, errors: r.errors };
        Object.assign(row, { rssMax: Math.max(rssMax, rssEnd) / MB, rssEnd: rssEnd / MB, heap: heap ?? NaN });
        v.byPath.get(s.path).push(row);
        if (s === scenarios[0]) v.rounds.push(row);
        v.requests += r.requests;
        v.measured += r.requests;
        console.log(
          `  round ${round + 1}/${rounds} ${s.path.padEnd(7)} ${v.name.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s ` +
            `${r.mbps.toFixed(1).padStart(7)} MB/s  ${cpuPerReq.toFixed(1).padStart(7)} µs CPU/req  ` +
            `p50 ${row.p50.toFixed(2)} p99 ${row.p99.toFixed(2)} ms  RSS max ${row.rssMax.toFixed(0)} end ${row.rssEnd.toFixed(0)} MB (V8 heap ${row.heap.toFixed(0)})` +
            `${r.errors ? `  ERRORS ${r.errors}` : ''}`,
        );
      }
    }
  }
  // RSS once the load has stopped: what the process keeps (allocator caches, V8 heap) when idle.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const v of variants) v.rssIdle = rssBytes(v.gateway.proc.pid) / MB;

  const range = (xs, d = 1) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
  for (const s of scenarios) {
    console.log(`\n${s.path}, ${s.connections} connections, medians (range) over ${rounds} rounds:`);
    console.log(
      '| variant | CPU µs/req | req/s | MB/s | p50 ms | p99 ms | RSS peak MB | RSS at end of run MB | V8 heap at end MB |',
    );
    console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const v of variants) {
      const rs = v.byPath.get(s.path);
      const col = (k, d) =>
        range(
          rs.map((r) => r[k]),
          d,
        );
      console.log(
        `| ${v.name} | ${col('cpuPerReq')} | ${col('rps', 0)} | ${col('mbps')} | ${col('p50', 2)} | ${col('p99', 2)} | ` +
          `${Math.max(...rs.map((r) => r.rssMax)).toFixed(0)} | ${col('rssEnd', 0)} | ${col('heap', 0)} |`,
      );
    }
    const [first, ...rest] = variants;
    for (const v of rest) {
      const d = v.byPath.get(s.path).map((r, i) => r.cpuPerReq - first.byPath.get(s.path)[i].cpuPerReq);
      const q = v.byPath.get(s.path).map((r, i) => r.rps / first.byPath.get(s.path)[i].rps);
      console.log(
        `${v.name} − ${first.name}: ${median(d).toFixed(1)} µs/req (rounds ${d.map((x) => x.toFixed(1)).join(', ')}); ` +
          `req/s ratio ${median(q).toFixed(3)} (rounds ${q.map((x) => x.toFixed(2)).join(', ')})`,
      );
    }
  }
  console.log(
    `\nRSS 5 s after the last run: ${variants.map((v) => `${v.name} ${v.rssIdle.toFixed(0)} MB`).join(', ')}`,
  );
  for (const v of variants) await v.gateway.proc.stop(30_000);
  if (opts.profile) compareProfiles(variants, measuredFrom);
}

/** Per-request self and inclusive time by function, each variant against the first. */
function compareProfiles(variants, measuredFrom) {
  const times = variants.map((v) => {
    const file = readdirSync(v.profileDir).find((f) => f.endsWith('.cpuprofile'));
    // The profile starts with the process (within a few ms of spawnedAt).
    const t = functionTimes(join(v.profileDir, file), (measuredFrom - v.spawnedAt) * 1000);
    const per = (m) => new Map([...m].map(([k, us]) => [k, us / v.measured]));
    console.log(`profile of ${v.name}: ${join(v.profileDir, file)}`);
    return { self: per(t.self), inclusive: per(t.inclusive), origin: per(t.byOrigin) };
  });
  const [first, ...rest] = times;
  rest.forEach((t, i) => {
    for (const kind of ['origin', 'self', 'inclusive']) {
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
