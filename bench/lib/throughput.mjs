// Throughput and latency: direct upstream vs bare Node proxy vs gateway, in alternating rounds.
import { cpuMicros, cpuMicrosOf, pidsByName, pin, rssBytes } from './processes.mjs';
import { runWrk } from './wrk.mjs';

export const SCENARIOS = [
  { id: 'small', label: 'small JSON (48 B)', path: '/small', connections: 64 },
  { id: '4k', label: '4 KiB JSON', path: '/4k', connections: 64 },
  { id: '10mb', label: '10 MiB streamed', path: '/10mb', connections: 16, streaming: true },
  // Light load: 8 connections, each pausing 2 ms between requests (~3k req/s, a fraction of either
  // proxy's capacity). Closed-loop at 8 connections (c8) saturates the process instead: its tail
  // is GC pauses and batch flushes, shown for comparison.
  {
    id: 'light',
    label: 'small JSON, light load',
    path: '/small',
    connections: 8,
    delayMs: 2,
    targets: ['baseline', 'gateway'],
  },
  { id: 'c8', label: 'small JSON, 8 conn saturated', path: '/small', connections: 8, targets: ['baseline', 'gateway'] },
];
export const TARGETS = ['direct', 'baseline', 'gateway'];

// The process under test gets core 0 to itself; wrk (and the upstream, when it is not the one under
// test) share core 1. PostgreSQL and Redis are system services and float over both.
export const SUT_CPU = '0';
export const LOAD_CPU = '1';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure({ target, scenario, durationS, pinned }) {
  const pid = target.proc.pid;
  const backing = target.name === 'gateway' ? pidsByName(['redis-server', 'postgres']) : [];
  const cpu0 = cpuMicros(pid);
  const backing0 = cpuMicrosOf(backing);
  let rssMax = rssBytes(pid);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssBytes(pid));
  }, 200);
  try {
    const r = await runWrk({
      url: target.url + scenario.path,
      connections: scenario.connections,
      delayMs: scenario.delayMs,
      durationS,
      cpus: pinned ? LOAD_CPU : undefined,
      apiKey: target.apiKey,
    });
    const cpu = cpuMicros(pid) - cpu0;
    const rssEnd = rssBytes(pid);
    rssMax = Math.max(rssMax, rssEnd);
    return {
      ...r,
      cpuUs: cpu,
      cpuUsPerReq: cpu / Math.max(1, r.requests),
      backingUsPerReq: backing.length ? (cpuMicrosOf(backing) - backing0) / Math.max(1, r.requests) : null,
      rssMaxBytes: rssMax,
      rssEndBytes: rssEnd,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Runs every scenario against every target, `rounds` times, rotating the target order each round so
 * no target always runs first or last. The first round starts each pair with a short warm-up.
 * @param {{ targets: Record<string, {name:string,url:string,proc:{pid:number},apiKey?:string}>,
 *           upstreamPid: number, rounds: number, durationS: number, warmupS: number, pinned: boolean,
 *           scenarios?: typeof SCENARIOS, log?: (line: string) => void }} o
 */
export async function runThroughput(o) {
  const scenarios = o.scenarios ?? SCENARIOS;
  const log = o.log ?? console.log;
  const runs = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const scenario of scenarios) {
      const targets = scenario.targets ?? TARGETS;
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const name of order) {
        const target = o.targets[name];
        if (o.pinned) pin(o.upstreamPid, name === 'direct' ? SUT_CPU : LOAD_CPU);
        if (round === 0 && o.warmupS > 0) {
          await runWrk({
            url: target.url + scenario.path,
            connections: scenario.connections,
            delayMs: scenario.delayMs,
            durationS: o.warmupS,
            cpus: o.pinned ? LOAD_CPU : undefined,
            apiKey: target.apiKey,
          });
        }
        const r = await measure({ target, scenario, durationS: o.durationS, pinned: o.pinned });
        runs.push({ round, scenario: scenario.id, target: name, ...r });
        log(
          `  round ${round + 1}/${o.rounds}  ${scenario.id.padEnd(5)} ${name.padEnd(8)} ` +
            `${r.rps.toFixed(0).padStart(7)} req/s  ${r.mbps.toFixed(1).padStart(7)} MB/s  ` +
            `p50 ${(r.p50Us / 1000).toFixed(2)} ms  p99 ${(r.p99Us / 1000).toFixed(2)} ms  ` +
            `${r.cpuUsPerReq.toFixed(0)} µs CPU/req  RSS ${(r.rssMaxBytes / 2 ** 20).toFixed(0)} MB` +
            (r.errors ? `  ERRORS ${r.errors} (status ${r.statusErrors}, timeouts ${r.timeouts})` : ''),
        );
      }
    }
  }
  return { runs, summary: summarize(runs, scenarios) };
}

/** Medians over rounds per scenario and target, CPU per request over all rounds, ratios. */
export function summarize(runs, scenarios = SCENARIOS) {
  const out = {};
  for (const scenario of scenarios) {
    const rows = {};
    for (const target of TARGETS) {
      const rs = runs.filter((r) => r.scenario === scenario.id && r.target === target);
      if (rs.length === 0) continue;
      const requests = rs.reduce((s, r) => s + r.requests, 0);
      const backing = rs.filter((r) => r.backingUsPerReq !== null);
      rows[target] = {
        rps: median(rs.map((r) => r.rps)),
        mbps: median(rs.map((r) => r.mbps)),
        p50Ms: median(rs.map((r) => r.p50Us)) / 1000,
        p99Ms: median(rs.map((r) => r.p99Us)) / 1000,
        cpuUsPerReq: rs.reduce((s, r) => s + r.cpuUs, 0) / Math.max(1, requests),
        backingUsPerReq: backing.length ? median(backing.map((r) => r.backingUsPerReq)) : null,
        rssMaxMB: Math.max(...rs.map((r) => r.rssMaxBytes)) / 2 ** 20,
        // What the process still holds when a run's load stops (highest over rounds).
        rssEndMB: Math.max(...rs.map((r) => r.rssEndBytes)) / 2 ** 20,
        errors: rs.reduce((s, r) => s + r.errors, 0),
        requests,
      };
    }
    const byRound = (target) => runs.filter((r) => r.scenario === scenario.id && r.target === target);
    const gw = byRound('gateway');
    const base = byRound('baseline');
    const pairs = gw.map((g) => [g, base.find((b) => b.round === g.round)]).filter(([, b]) => b);
    const metric = scenario.streaming ? 'mbps' : 'rps';
    out[scenario.id] = {
      scenario,
      rows,
      gatewayVsBaseline: rows.gateway && rows.baseline ? rows.gateway[metric] / rows.baseline[metric] : null,
      gatewayVsDirect: rows.gateway && rows.direct ? rows.gateway[metric] / rows.direct[metric] : null,
      // Per-round gateway/baseline ratios: the spread behind the median.
      roundRatios: pairs.map(([g, b]) => g[metric] / b[metric]),
      addedP50Ms: pairs.length ? median(pairs.map(([g, b]) => (g.p50Us - b.p50Us) / 1000)) : null,
      addedP99Ms: pairs.length ? median(pairs.map(([g, b]) => (g.p99Us - b.p99Us) / 1000)) : null,
    };
  }
  return out;
}
