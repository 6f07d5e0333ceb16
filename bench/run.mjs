// `npm run bench` — the gateway's performance, measured against a bare Node proxy in the same run.
//
//   npm run bench                      throughput + latency, then usage stats over 10 M rows
//   npm run bench -- --skip-usage      throughput + latency only (~3 min)
//   npm run bench -- --usage-only      usage stats only (~2 min)
//   npm run bench -- --profile         also write a CPU profile of the gateway and summarise it
//   options: --duration=<s per run> (5) --rounds=<n> (3) --warmup=<s> (2) --no-pin
//            --scenarios=small,4k,10mb,light,c8 (all) --no-results (do not touch RESULTS.md)
//            --gateway-flags="<node flags>" (default: those of gateway/package.json's start script)
//            --results-suffix=<name> (write RESULTS.md sections "throughput-<name>" … instead)
//            --baseline=stream|dispatch (stream: bench/baseline-proxy.mjs, Pool.stream — the default;
//            dispatch: bench/baseline-dispatch.mjs, an undici dispatch handler as the gateway uses)
//            --usage-rows=<rows for the measured key> (10000000) --usage-calls=<n> (15)
//            --plain (the gateway's key without route, plan and scope: the seed's setup, for an A/B)
//   npm run bench -- --analytics      only the usage analytics scenario (bench/analytics.mjs): a month of
//            usage, grouped stats, per-key stats, the request log, dropping a day, ingest before/after
//            issue 14 item 2; --analytics-rows=<rows> (50000000) --analytics-calls=<n> (5)
//
// Everything runs on 127.0.0.1: an upstream, the bare proxy, the built gateway with a fresh
// PostgreSQL database and its own Redis key prefix. All of it is removed at the end, also on Ctrl-C.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkpointDatabase,
  createDatabase,
  createRedisPrefix,
  describeMachine,
  ensureBuild,
  freePort,
  ROOT,
} from './lib/environment.mjs';
import { startGateway, startScriptNodeFlags } from './lib/gateway.mjs';
import { cleanup, startProcess, waitForHttp, wasInterrupted } from './lib/processes.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { latencyTable, throughputTable, updateResults, usageTable, verdicts, verdictTable } from './lib/report.mjs';
import { RESULTS_TEMPLATE } from './lib/results-template.mjs';
import { LOAD_CPU, runThroughput, SCENARIOS, SUT_CPU } from './lib/throughput.mjs';
import { runUsageBench } from './lib/usage-bench.mjs';
import { ensureWrk, wrkVersion } from './lib/wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    profile: { type: 'boolean', default: false },
    'usage-only': { type: 'boolean', default: false },
    'skip-usage': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    'usage-rows': { type: 'string', default: '10000000' },
    'usage-calls': { type: 'string', default: '15' },
    'no-results': { type: 'boolean', default: false },
    scenarios: { type: 'string', default: SCENARIOS.map((s) => s.id).join(',') },
    'gateway-flags': { type: 'string' },
    'results-suffix': { type: 'string', default: '' },
    baseline: { type: 'string', default: 'stream' },
    plain: { type: 'boolean', default: false },
    analytics: { type: 'boolean', default: false },
    'analytics-rows': { type: 'string', default: '50000000' },
    'analytics-calls': { type: 'string', default: '5' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(
    'npm run bench [-- --skip-usage | --usage-only] [--profile] [--duration=5] [--rounds=3] [--warmup=2] [--no-pin] [--usage-rows=10000000] [--usage-calls=15] [--scenarios=small,4k,10mb,light,c8] [--gateway-flags="<node flags>"] [--no-results] [--results-suffix=<name>] [--baseline=stream|dispatch] [--plain]',
  );
  process.exit(0);
}
if (opts.analytics) {
  const { main: analytics } = await import('./analytics.mjs');
  const section = await analytics({ rows: Number(opts['analytics-rows']), calls: Number(opts['analytics-calls']) });
  if (!opts['no-results']) {
    updateResults(join(ROOT, 'bench', 'RESULTS.md'), RESULTS_TEMPLATE, { analytics: section });
    console.log('written to bench/RESULTS.md');
  }
  process.exit(0);
}
const BASELINES = { stream: 'baseline-proxy.mjs', dispatch: 'baseline-dispatch.mjs' };
if (!Object.hasOwn(BASELINES, opts.baseline)) {
  console.error(`--baseline must be one of ${Object.keys(BASELINES).join(', ')}`);
  process.exit(2);
}
const runThroughputPart = !opts['usage-only'];
const runUsagePart = !opts['skip-usage'];
const pinned = !opts['no-pin'];
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

async function main() {
  const started = Date.now();
  if (runThroughputPart) ensureWrk();
  ensureBuild();
  const workDir = join(ROOT, 'bench', '.work', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(workDir, { recursive: true });
  const profileDir = opts.profile ? join(workDir, 'profile') : undefined;
  const machine = await describeMachine();
  console.log(
    `machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}`,
  );
  console.log(`logs in ${workDir}`);

  const db = await createDatabase();
  const redisPrefix = createRedisPrefix();
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
  const gatewayFlags =
    opts['gateway-flags'] !== undefined ? opts['gateway-flags'].split(/\s+/).filter(Boolean) : startScriptNodeFlags();
  console.log(`gateway: node ${[...gatewayFlags, 'gateway/dist/index.js'].join(' ')}`);
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisPrefix,
    upstreamUrl,
    cpus: pinned ? SUT_CPU : undefined,
    workDir,
    profileDir,
    nodeArgs: gatewayFlags,
  });

  let throughput;
  let usageCheck;
  if (runThroughputPart) {
    const baselinePort = await freePort();
    const baseline = startProcess(
      'baseline',
      process.execPath,
      [join(ROOT, 'bench', BASELINES[opts.baseline]), String(baselinePort), upstreamUrl],
      { cpus: pinned ? SUT_CPU : undefined, logFile: join(workDir, 'baseline.log') },
    );
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    await waitForHttp(`${baselineUrl}/small`, { proc: baseline });
    const key = await gateway.createBenchKey({ plain: opts.plain });
    console.log(
      opts.plain
        ? 'gateway key: the seed setup (no route, no plan, no scope)'
        : 'gateway key: route on / + plan (key minute, owner day) + scope check; --plain for the seed setup',
    );
    await waitForHttp(`${gateway.url}/proxy/small`, { headers: { 'x-api-key': key.key }, proc: gateway.proc });

    await checkpointDatabase();
    console.log(
      `\nthroughput: ${opts.rounds} rounds × ${opts.duration} s per scenario and target (wrk, 2 threads)` +
        (pinned ? `; proxy on CPU ${SUT_CPU}, wrk + upstream on CPU ${LOAD_CPU}` : '; unpinned'),
    );
    throughput = await runThroughput({
      targets: {
        direct: { name: 'direct', url: upstreamUrl, proc: upstream },
        baseline: { name: 'baseline', url: baselineUrl, proc: baseline },
        gateway: { name: 'gateway', url: `${gateway.url}/proxy`, proc: gateway.proc, apiKey: key.key },
      },
      upstreamPid: upstream.pid,
      rounds: Number(opts.rounds),
      durationS: Number(opts.duration),
      warmupS: Number(opts.warmup),
      pinned,
      scenarios: SCENARIOS.filter((s) => opts.scenarios.split(',').includes(s.id)),
    });
    await baseline.stop();
    usageCheck = await checkUsageLogged(gateway, db.url, key.id, throughput.runs);
  }

  let usage;
  if (runUsagePart) {
    console.log('\nusage stats over 10 M rows:');
    usage = await runUsageBench({
      gateway,
      databaseUrl: db.url,
      rows: Number(opts['usage-rows']),
      calls: Number(opts['usage-calls']),
    });
  }

  await gateway.proc.stop(30_000);
  let profileSummary;
  if (profileDir) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profileSummary = summarizeProfile(join(profileDir, file));
      writeFileSync(join(workDir, 'profile-summary.txt'), `${profileSummary}\n`);
      console.log(`\n${profileSummary}\n\nprofile: ${join(profileDir, file)} (open in Chrome DevTools → Performance)`);
    }
  }

  const list = verdicts({ summary: throughput?.summary, usage });
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const header =
    `Measured ${when} UTC with \`${command}\` on ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ` +
    `Linux ${machine.kernel}; Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}` +
    (runThroughputPart ? `, ${wrkVersion()}` : '') +
    `. Gateway started as \`node ${[...gatewayFlags, 'gateway/dist/index.js'].join(' ')}\`` +
    (runThroughputPart ? `; baseline \`bench/${BASELINES[opts.baseline]}\`.` : '.');
  const sections = {};
  if (throughput) {
    const s = throughput.summary;
    sections.throughput = [
      header,
      '',
      `${opts.rounds} alternating rounds × ${opts.duration} s per scenario and target, wrk with 2 threads` +
        (pinned
          ? `; the process under test pinned to CPU ${SUT_CPU}, wrk and the upstream to CPU ${LOAD_CPU}.`
          : ', unpinned.') +
        ' Medians over rounds; CPU per request is the process’s utime+stime over all rounds ÷ requests (for `direct`, the upstream’s own).',
      '',
      throughputTable(s),
      '',
      latencyTable(s),
      '',
      usageCheck ? `Usage logging was on: ${usageCheck}` : '',
      profileSummary ? '\n(--profile was on: the gateway ran under --cpu-prof, which costs it some throughput.)' : '',
    ].join('\n');
  }
  if (usage) {
    sections.usage = [header, '', usage.description, '', usageTable(usage), '', usage.accuracy].join('\n');
  }
  sections.targets = [header, '', verdictTable(list)].join('\n');

  console.log('');
  if (throughput) console.log(`${throughputTable(throughput.summary)}\n\n${latencyTable(throughput.summary)}\n`);
  if (usageCheck) console.log(`usage logging: ${usageCheck}\n`);
  if (usage) console.log(`${usageTable(usage)}\n\n${usage.accuracy}\n`);
  console.log(verdictTable(list));
  if (!opts['no-results']) {
    // --results-suffix=x writes sections "throughput-x" etc., e.g. for a run with other node flags.
    const suffix = opts['results-suffix'] ? `-${opts['results-suffix']}` : '';
    const named = Object.fromEntries(Object.entries(sections).map(([name, body]) => [name + suffix, body]));
    updateResults(join(ROOT, 'bench', 'RESULTS.md'), RESULTS_TEMPLATE, named);
    console.log('\nwritten to bench/RESULTS.md');
  }
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** After the gateway flushed, the usage log must hold (at least) every request wrk counted. */
async function checkUsageLogged(gateway, databaseUrl, keyId, runs) {
  const sent = runs.filter((r) => r.target === 'gateway').reduce((s, r) => s + r.requests, 0);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let logged = 0;
    for (let i = 0; i < 50; i++) {
      logged = Number(
        (await client.query('SELECT count(*) FROM usage_logs WHERE api_key_id = $1', [keyId])).rows[0].count,
      );
      if (logged >= sent) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const metrics = await (await fetch(`${gateway.managementUrl}/metrics`)).text();
    const dropped = Number(/^gateway_usage_records_dropped_total (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
    return `${logged.toLocaleString('en')} usage rows written for ${sent.toLocaleString('en')} measured gateway requests (plus warm-ups and requests in flight when wrk stopped), ${dropped} dropped.`;
  } finally {
    await client.end();
  }
}

main()
  .catch((err) => {
    if (wasInterrupted()) return;
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
