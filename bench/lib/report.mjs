// Tables for the console and bench/RESULTS.md, and the verdict on each target of issue 6.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TARGETS } from './throughput.mjs';

const f = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const ratio = (n) => (n === null ? '–' : `${n.toFixed(2)}×`);

export function throughputTable(summary) {
  const lines = [
    '| scenario | target | req/s | MB/s | p50 ms | p99 ms | proxy CPU µs/req | RSS MB | gateway/baseline | gateway/direct |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { scenario, rows, gatewayVsBaseline, gatewayVsDirect } of Object.values(summary)) {
    for (const target of TARGETS) {
      const r = rows[target];
      if (!r) continue;
      const isGw = target === 'gateway';
      lines.push(
        `| ${scenario.label} (${scenario.connections} conn) | ${target} | ${f(r.rps)} | ${f(r.mbps, 1)} | ${f(r.p50Ms, 2)} | ` +
          `${f(r.p99Ms, 2)} | ${target === 'direct' ? `(${f(r.cpuUsPerReq)})` : f(r.cpuUsPerReq)} | ${f(r.rssMaxMB)} | ` +
          `${isGw ? ratio(gatewayVsBaseline) : ''} | ${isGw ? ratio(gatewayVsDirect) : ''} |` +
          (r.errors ? ` **${r.errors} errors**` : ''),
      );
    }
  }
  return lines.join('\n');
}

export function latencyTable(summary) {
  const lines = ['| 8 connections, small JSON | target | p50 ms | p99 ms | req/s |', '|---|---|--:|--:|--:|'];
  for (const id of ['light', 'c8']) {
    const s = summary[id];
    if (!s) continue;
    const label =
      id === 'light' ? `light load (${s.scenario.delayMs} ms pause between requests)` : 'saturated (no pause)';
    for (const t of TARGETS.filter((t) => s.rows[t])) {
      const r = s.rows[t];
      lines.push(`| ${label} | ${t} | ${f(r.p50Ms, 3)} | ${f(r.p99Ms, 3)} | ${f(r.rps)} |`);
    }
    lines.push(
      `| ${label} | **added by the gateway** (median of rounds) | ${f(s.addedP50Ms, 3)} | ${f(s.addedP99Ms, 3)} | |`,
    );
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

export function usageTable(usage) {
  return [
    '| window | rows in window (measured key) | median ms | p95 ms | calls |',
    '|---|--:|--:|--:|--:|',
    ...usage.windows.map(
      (w) => `| ${w.label} | ${w.rows.toLocaleString('en')} | ${f(w.medianMs, 1)} | ${f(w.p95Ms, 1)} | ${w.calls} |`,
    ),
  ].join('\n');
}

/** Each target of issue 6 with the measured value and whether it is met. */
/** Issue 17's targets (the hot path with every feature on), plus streaming and usage-stats ones. */
export function verdicts({ summary, usage }) {
  const out = [];
  const add = (target, value, ok) => out.push({ target, value, ok });
  if (summary) {
    for (const id of ['small', '4k']) {
      const s = summary[id];
      if (s) {
        const rr = s.roundRatios ?? [];
        const spread = rr.length ? ` (rounds ${Math.min(...rr).toFixed(2)}–${Math.max(...rr).toFixed(2)}×)` : '';
        add(
          `gateway ≥ 0.75× baseline req/s (${s.scenario.label}, 64 connections, median of rounds)`,
          `${ratio(s.gatewayVsBaseline)}${spread}`,
          s.gatewayVsBaseline >= 0.75,
        );
      }
    }
    if (summary.light) {
      const p50 = summary.light.addedP50Ms;
      const p99 = summary.light.addedP99Ms;
      add('added p50 latency at light load (8 connections, 2 ms think time) ≤ 0.3 ms', `${f(p50, 3)} ms`, p50 <= 0.3);
      add(
        'added p99 latency at light load (8 connections, 2 ms think time) ≤ 1 ms',
        `${f(p99, 3)} ms${summary.c8 ? ` (saturated 8 connections: ${f(summary.c8.addedP99Ms, 3)} ms)` : ''}`,
        p99 <= 1,
      );
    }
    // Steady load = the 64-connection small and 4 KiB runs; streaming has its own criteria below.
    const steady = ['small', '4k'].filter((id) => summary[id]?.rows.gateway);
    if (steady.length > 0) {
      const rss = Math.max(...steady.map((id) => summary[id].rows.gateway.rssMaxMB));
      add('gateway RSS ≤ 200 MB at steady load', `${f(rss)} MB (peak during the small and 4 KiB runs)`, rss <= 200);
    }
    const stream = summary['10mb'];
    if (stream?.rows.gateway) {
      const after = stream.rows.gateway.rssEndMB;
      add(
        'gateway RSS ≤ 200 MB after the 10 MiB streaming runs',
        `${f(after)} MB when a streaming run ends (highest of the rounds; peak while streaming ${f(stream.rows.gateway.rssMaxMB)} MB)`,
        after <= 200,
      );
      add('10 MiB streaming ≥ 0.8× baseline MB/s', ratio(stream.gatewayVsBaseline), stream.gatewayVsBaseline >= 0.8);
      const small = summary['4k'] ?? summary.small;
      if (small?.rows.gateway) {
        const growth = stream.rows.gateway.rssMaxMB - small.rows.gateway.rssMaxMB;
        const baseGrowth = stream.rows.baseline ? stream.rows.baseline.rssMaxMB - small.rows.baseline.rssMaxMB : null;
        // 16 streams of 10 MiB would be 160 MiB if bodies were buffered; allow socket buffers only.
        add(
          'gateway RSS does not grow with body size',
          `${f(growth)} MB more while streaming ${stream.scenario.connections} × 10 MiB than at 4 KiB (baseline: ${f(baseGrowth)} MB)`,
          growth <= 64,
        );
      }
    }
  }
  if (usage) {
    const [day, week] = usage.windows;
    add('usage stats, 24 h window over 10 M rows ≤ 100 ms', `${f(day.medianMs, 1)} ms`, day.medianMs <= 100);
    add('usage stats, 7 d window over 10 M rows ≤ 300 ms', `${f(week.medianMs, 1)} ms`, week.medianMs <= 300);
  }
  return out;
}

export function verdictTable(list) {
  return [
    '| target | measured | met |',
    '|---|---|:-:|',
    ...list.map((v) => `| ${v.target} | ${v.value} | ${v.ok ? 'yes' : '**no**'} |`),
  ].join('\n');
}

/**
 * Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in RESULTS.md (creating
 * the file from `template` if needed), so a partial run (--usage-only) keeps the other section.
 */
export function updateResults(file, template, sections) {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : template;
  for (const [name, body] of Object.entries(sections)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    const block = `${start}\n${body.trim()}\n${end}`;
    text =
      i === -1 || j === -1 ? `${text.trimEnd()}\n\n${block}\n` : text.slice(0, i) + block + text.slice(j + end.length);
  }
  writeFileSync(file, text);
}
