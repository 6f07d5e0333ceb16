// GET /usage/:keyId over 10 M log rows of one key (plus a few million of other keys): the 24 h and
// 7 d windows, ms per call, and how close the answer is to exact SQL over the raw rows.
import pg from 'pg';

const DAY_MS = 86_400_000;
const OTHER_KEYS = 50;

// One INSERT … SELECT generate_series per key set. Statuses: 90 % 200, 3 % 201, 3 % 404, 2 % 429,
// 1 % 301, 1 % 503; latencies log-normal around 20 ms (Box–Muller), like a real API's.
const GENERATE = `
INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
SELECT gen_random_uuid(), k.id, (SELECT user_id FROM api_keys WHERE id = k.id),
       CASE WHEN i % 5 = 0 THEN 'POST' ELSE 'GET' END,
       '/v1/items/' || (i % 1000),
       CASE WHEN i % 100 < 90 THEN 200 WHEN i % 100 < 93 THEN 201 WHEN i % 100 < 96 THEN 404
            WHEN i % 100 < 98 THEN 429 WHEN i % 100 < 99 THEN 301 ELSE 503 END,
       exp(ln(20) + 0.8 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())),
       $2::timestamptz - (i * ($3::float8 / $4::float8)) * interval '1 millisecond'
  FROM generate_series(1, $4::int) AS i
  JOIN unnest($1::uuid[]) WITH ORDINALITY AS k(id, n) ON i % cardinality($1::uuid[]) = k.n - 1`;

async function timed(label, fn) {
  const t0 = performance.now();
  const r = await fn();
  const s = (performance.now() - t0) / 1000;
  console.log(`  ${label}: ${s.toFixed(1)} s`);
  return r;
}

/**
 * @param {{ gateway: Awaited<ReturnType<typeof import('./gateway.mjs').startGateway>>, databaseUrl: string,
 *           rows: number, calls: number }} o
 */
export async function runUsageBench(o) {
  const { gateway } = o;
  const measured = await gateway.createKey('bench-usage');
  const others = [];
  for (let i = 0; i < OTHER_KEYS; i++) others.push((await gateway.createKey(`bench-other-${i}`)).id);
  const otherRows = Math.round(o.rows * 0.3);

  const client = new pg.Client({ connectionString: o.databaseUrl });
  await client.connect();
  const generationStarted = performance.now();
  try {
    const hasRollup =
      (await client.query(`SELECT to_regclass('usage_rollups') IS NOT NULL AS present`)).rows[0].present === true;
    const now = new Date();
    // Bulk load the way one would restore a dump: the secondary index and the foreign key are rebuilt
    // after the rows are in (several times faster than maintaining them row by row). The primary key
    // stays: on the partitioned table it is ("timestamp", id), which the rows arrive in nearly in order.
    // The rollup triggers stay on: they aggregate each INSERT statement like any other batch.
    await client.query(`SET maintenance_work_mem = '256MB'`);
    // Day partitions for the generated week (the gateway makes them ahead, not behind), so the rows
    // land where a week of real traffic would, not in the DEFAULT partition.
    await client.query(`SELECT usage_ensure_partition(p.parent, d::date)
                          FROM (VALUES ('usage_logs'), ('usage_rollups')) AS p(parent),
                               generate_series(now() AT TIME ZONE 'UTC' - interval '8 days', now() AT TIME ZONE 'UTC',
                                               interval '1 day') AS d`);
    await timed('dropping the secondary index and foreign key of usage_logs for the bulk load', () =>
      client.query(`ALTER TABLE usage_logs DROP CONSTRAINT usage_logs_api_key_id_fkey;
                    DROP INDEX usage_logs_api_key_id_timestamp_idx`),
    );
    await timed(`generating ${o.rows.toLocaleString('en')} rows for the measured key over 7 days`, () =>
      client.query(GENERATE, [[measured.id], now, 7 * DAY_MS, o.rows]),
    );
    await timed(`generating ${otherRows.toLocaleString('en')} rows for ${OTHER_KEYS} other keys`, () =>
      client.query(GENERATE, [others, now, 7 * DAY_MS, otherRows]),
    );
    await timed('rebuilding indexes and the foreign key', () =>
      client.query(`CREATE INDEX usage_logs_api_key_id_timestamp_idx ON usage_logs (api_key_id, "timestamp" DESC);
                    ALTER TABLE usage_logs ADD CONSTRAINT usage_logs_api_key_id_fkey FOREIGN KEY (api_key_id)
                      REFERENCES api_keys(id) ON DELETE CASCADE ON UPDATE CASCADE;
                    ANALYZE usage_logs`),
    );
    if (hasRollup) await client.query('ANALYZE usage_rollups');
    const generationS = (performance.now() - generationStarted) / 1000;

    const windows = [];
    for (const [label, span] of [
      ['last 24 h', DAY_MS],
      ['last 7 d', 7 * DAY_MS],
    ]) {
      const to = new Date();
      const from = new Date(to.getTime() - span);
      const path = `/usage/${measured.id}?from=${from.toISOString()}&to=${to.toISOString()}`;
      let body;
      for (let i = 0; i < 2; i++) body = await gateway.admin('GET', path); // warm-up
      const times = [];
      for (let i = 0; i < o.calls; i++) {
        const t0 = performance.now();
        body = await gateway.admin('GET', path);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const exact = await exactStats(client, measured.id, from, to);
      windows.push({
        label,
        rows: exact.requests,
        medianMs: times[times.length >> 1],
        p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))],
        calls: o.calls,
        api: body,
        exact,
      });
      console.log(`  ${label}: median ${times[times.length >> 1].toFixed(1)} ms over ${o.calls} calls`);
    }
    return {
      windows,
      generationS,
      hasRollup,
      description:
        `${o.rows.toLocaleString('en')} usage rows for the measured key spread evenly over 7 days, plus ` +
        `${otherRows.toLocaleString('en')} for ${OTHER_KEYS} other keys, generated with one INSERT … SELECT ` +
        `generate_series per key set (${generationS.toFixed(0)} s including index builds). Each call is a full ` +
        `\`GET /usage/:keyId?from=&to=\` over HTTP (admin bearer), totals + percentiles + series + first page of ` +
        `recent logs; ${o.calls} calls per window after 2 warm-ups.`,
      accuracy: accuracyTable(windows),
    };
  } finally {
    await client.end();
  }
}

/** The same numbers computed the slow, exact way over the raw rows. */
async function exactStats(client, keyId, from, to) {
  const { rows } = await client.query(
    `SELECT count(*)::int AS requests,
            count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::int AS s2,
            count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::int AS s3,
            count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::int AS s4,
            count(*) FILTER (WHERE status_code >= 500)::int AS s5,
            count(*) FILTER (WHERE status_code = 429)::int AS rate_limited,
            avg(latency_ms)::float8 AS avg,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS pct
       FROM usage_logs WHERE api_key_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3`,
    [keyId, from, to],
  );
  return rows[0];
}

function accuracyTable(windows) {
  const rel = (a, b) => (b ? `${(((a - b) / b) * 100).toFixed(2)} %` : '–');
  const lines = [
    '| window | requests (API / exact) | 2xx/3xx/4xx/5xx/429 equal | avg ms (API / exact) | p50 | p95 | p99 (API / exact, error) |',
    '|---|--:|:-:|--:|--:|--:|--:|',
  ];
  for (const w of windows) {
    const a = w.api;
    const e = w.exact;
    const classes =
      a.totals.byStatusClass['2xx'] === e.s2 &&
      a.totals.byStatusClass['3xx'] === e.s3 &&
      a.totals.byStatusClass['4xx'] === e.s4 &&
      a.totals.byStatusClass['5xx'] === e.s5 &&
      a.totals.rateLimited === e.rate_limited;
    const p = (k, i) => `${a.latencyMs[k]} / ${e.pct[i].toFixed(2)} (${rel(a.latencyMs[k], e.pct[i])})`;
    lines.push(
      `| ${w.label} | ${a.totals.requests.toLocaleString('en')} / ${e.requests.toLocaleString('en')} | ${classes ? 'yes' : '**no**'} | ` +
        `${a.latencyMs.avg} / ${e.avg.toFixed(2)} | ${p('p50', 0)} | ${p('p95', 1)} | ${p('p99', 2)} |`,
    );
  }
  return lines.join('\n');
}
