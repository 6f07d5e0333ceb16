// `npm run bench -- --analytics [--analytics-rows=50000000] [--analytics-calls=5]` — issue 14's
// analytics targets over a month of usage: grouped stats over 30 days, per-key stats over 24 h, the
// request log, a day partition dropped, and ingest (the recorder's batch INSERT with every rollup
// trigger) against the statement and schema from before issue 14 item 2.
//
// How the month is made (be honest about it in RESULTS.md): rows go straight into the daily
// partitions with one INSERT … SELECT generate_series per day, with the rollup trigger, the primary key,
// the key index and the foreign key off; those are rebuilt afterwards and the rollups computed in bulk
// with the same grouping the trigger uses, and the summary tiers with usage_summary_fill (what
// maintenance runs for every completed hour), per UTC day on two connections. Today's last rows go in through the recorder's own
// statement, trigger on, in batches of 1,000 (that is the ingest measurement).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkpointDatabase, createDatabase, describeMachine, ensureBuild, ROOT } from './lib/environment.mjs';
import { startGateway } from './lib/gateway.mjs';
import { cleanup } from './lib/processes.mjs';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const KEYS = 100;
const USERS = 30;
const ROUTES = ['default', 'orders', 'billing', 'search'];
const INGEST_BATCHES = 40;
const BATCH = 1_000;
// Not gw_bench_…: databases of that name on this shared server were dropped under a running bench.
const DB_PREFIX = 'gw_analytics';

const log = (...a) => console.log(...a);
async function timed(label, fn) {
  const t0 = performance.now();
  const r = await fn();
  const s = (performance.now() - t0) / 1000;
  log(`  ${label}: ${s.toFixed(1)} s`);
  return [r, s];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

// Keys get traffic by a power law (a few busy keys, many quiet ones); key k belongs to user k % USERS.
// Routes, methods, statuses and latencies like a real API's: 90 % 2xx, some 4xx, 429, 5xx; latency
// log-normal around 20 ms; a path among 2,000 per route.
const GENERATE_DAY = `
INSERT INTO usage_logs (id, api_key_id, user_id, route, method, path, status_code, latency_ms, "timestamp",
                        request_bytes, response_bytes)
SELECT gen_random_uuid(), ($1::uuid[])[k], ($2::uuid[])[k], ($3::text[])[1 + (i % 7) % 4],
       CASE WHEN i % 5 = 0 THEN 'POST' WHEN i % 11 = 0 THEN 'DELETE' ELSE 'GET' END,
       '/v1/' || ($3::text[])[1 + (i % 7) % 4] || '/' || (i % 2000),
       CASE WHEN i % 100 < 88 THEN 200 WHEN i % 100 < 92 THEN 201 WHEN i % 100 < 95 THEN 404
            WHEN i % 100 < 97 THEN 429 WHEN i % 100 < 98 THEN 301 WHEN i % 100 < 99 THEN 400 ELSE 503 END,
       exp(ln(20) + 0.8 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())),
       $4::timestamptz + (i * ($5::float8 / $6::float8)) * interval '1 millisecond',
       CASE WHEN i % 5 = 0 THEN 200 + i % 3000 ELSE 0 END, 500 + (i::bigint * 7919) % 20000
  FROM (SELECT i, 1 + floor(${KEYS} * power(random(), 3))::int AS k FROM generate_series(1, $6::int) AS i) AS s`;

// The rollups, computed in bulk with the trigger's bucket function and histogram builder. One grouping
// level (the trigger groups twice, by latency bucket first): at ~8 requests per hour, key, route,
// method and status, grouping by bucket too made nearly one group per row and took twice as long.
const BULK_DIMS = `
INSERT INTO usage_rollups_dims ("hour", api_key_id, user_id, route, method, status_code, requests, latency_sum_ms,
                                latency_min_ms, latency_max_ms, latency_histogram, request_bytes, response_bytes)
SELECT date_trunc('hour', "timestamp", 'UTC'), api_key_id, user_id, route, method, status_code, count(*),
       sum(latency_ms::float8), min(latency_ms), max(latency_ms),
       usage_histogram(array_agg(width_bucket(latency_ms::float8, b.bounds)), array_fill(1, ARRAY[count(*)::int])),
       sum(request_bytes), sum(response_bytes)
  FROM usage_logs, (SELECT usage_latency_bounds() AS bounds) AS b
 WHERE "timestamp" >= $1 AND "timestamp" < $2 GROUP BY 1, 2, 3, 4, 5, 6`;
const tierFromDims = (table, column, trunc) => `
INSERT INTO ${table} (api_key_id, "${column}", requests, status_2xx, status_3xx, status_4xx, status_5xx, rate_limited,
                      latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
SELECT api_key_id, date_trunc('${trunc}', "hour", 'UTC'), sum(requests),
       coalesce(sum(requests) FILTER (WHERE status_code BETWEEN 200 AND 299), 0),
       coalesce(sum(requests) FILTER (WHERE status_code BETWEEN 300 AND 399), 0),
       coalesce(sum(requests) FILTER (WHERE status_code BETWEEN 400 AND 499), 0),
       coalesce(sum(requests) FILTER (WHERE status_code >= 500), 0),
       coalesce(sum(requests) FILTER (WHERE status_code = 429), 0),
       sum(latency_sum_ms), min(latency_min_ms), max(latency_max_ms), usage_histogram_sum(latency_histogram)
  FROM usage_rollups_dims WHERE "hour" >= $1 AND "hour" < $2 GROUP BY 1, 2`;
const BULK_MINUTES = `
INSERT INTO usage_rollups (api_key_id, minute, requests, status_2xx, status_3xx, status_4xx, status_5xx, rate_limited,
                           latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
SELECT api_key_id, minute, sum(n), sum(s2), sum(s3), sum(s4), sum(s5), sum(s429), sum(lsum), min(lmin), max(lmax),
       usage_histogram(array_agg(bucket), array_agg(n))
  FROM (SELECT api_key_id, date_bin('1 minute', "timestamp", TIMESTAMPTZ 'epoch') AS minute,
               usage_latency_bucket(latency_ms) AS bucket, count(*)::integer AS n,
               count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::integer AS s2,
               count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::integer AS s3,
               count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::integer AS s4,
               count(*) FILTER (WHERE status_code >= 500)::integer AS s5,
               count(*) FILTER (WHERE status_code = 429)::integer AS s429,
               sum(latency_ms::float8) AS lsum, min(latency_ms) AS lmin, max(latency_ms) AS lmax
          FROM usage_logs WHERE "timestamp" >= $1 AND "timestamp" < $2 GROUP BY 1, 2, 3) AS b
 GROUP BY 1, 2`;

// The recorder's batch statement now (gateway/src/usage/recorder.ts) and before issue 14 item 2.
const INSERT_NOW = `
INSERT INTO usage_logs (id, api_key_id, user_id, route, method, path, status_code, latency_ms, "timestamp",
                        request_bytes, response_bytes, client_ip)
SELECT u.i, u.k, u.o, u.r, u.m, u.p, u.s, u.l, to_timestamp(u.t / 1000), u.qb, u.sb, u.a
  FROM unnest($1::text::uuid[], $2::text::uuid[], $3::text::uuid[], $4::text::text[], $5::text::text[],
              $6::text::text[], $7::text::smallint[], $8::text::real[], $9::text::float8[], $10::text::int8[],
              $11::text::int8[], $12::text::inet[])
       AS u(i, k, o, r, m, p, s, l, t, qb, sb, a)
 WHERE EXISTS (SELECT 1 FROM api_keys a WHERE a.id = u.k)
ON CONFLICT ("timestamp", id) DO NOTHING`;
const INSERT_BEFORE = `
INSERT INTO usage_logs (id, api_key_id, method, path, status_code, latency_ms, "timestamp")
SELECT u.i, u.k, u.m, u.p, u.s, u.l, to_timestamp(u.t / 1000)
  FROM unnest($1::text::uuid[], $2::text::uuid[], $3::text::text[], $4::text::text[], $5::text::smallint[],
              $6::text::real[], $7::text::float8[])
       AS u(i, k, m, p, s, l, t)
 WHERE EXISTS (SELECT 1 FROM api_keys a WHERE a.id = u.k)
ON CONFLICT ("timestamp", id) DO NOTHING`;

async function createKeys(client, n = KEYS, users = USERS) {
  const userIds = [];
  for (let u = 0; u < users; u++) {
    const { rows } = await client.query(`INSERT INTO users (id, email) VALUES (gen_random_uuid(), $1) RETURNING id`, [
      `analytics-${u}-${Date.now()}@bench.invalid`,
    ]);
    userIds.push(rows[0].id);
  }
  const keys = [];
  for (let k = 0; k < n; k++) {
    const owner = userIds[k % users];
    const { rows } = await client.query(
      `INSERT INTO api_keys (id, user_id, key_hash, start, name, limit_per_minute, limit_per_day)
       VALUES (gen_random_uuid(), $1, md5(random()::text), 'ak_bnch', $2, 1000000, 1000000000) RETURNING id`,
      [owner, `analytics-${k}`],
    );
    keys.push({ id: rows[0].id, userId: owner });
  }
  return keys;
}

/** Batches as the recorder sends them (array literals in text parameters), for either statement. */
function batchParams(keys, n, t0, shape) {
  const lit = (xs, q) => `{${xs.map((x) => (x === null ? 'NULL' : q ? `"${x}"` : x)).join(',')}}`;
  const ids = [];
  const ks = [];
  const os = [];
  const rs = [];
  const ms = [];
  const ps = [];
  const ss = [];
  const ls = [];
  const ts = [];
  const qb = [];
  const sb = [];
  const as = [];
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(keys.length * Math.random() ** 3)];
    ids.push(crypto.randomUUID());
    ks.push(key.id);
    os.push(key.userId);
    rs.push(ROUTES[i % 4]);
    ms.push(i % 5 === 0 ? 'POST' : 'GET');
    ps.push(`/v1/${ROUTES[i % 4]}/${i % 2000}`);
    ss.push(i % 50 === 0 ? 429 : i % 20 === 0 ? 404 : 200);
    ls.push((5 + Math.random() * 40).toFixed(2));
    ts.push(t0 + i);
    qb.push(i % 5 === 0 ? 512 : 0);
    sb.push(1500 + (i % 100));
    as.push(null);
  }
  return shape === 'now'
    ? [
        lit(ids),
        lit(ks),
        lit(os),
        lit(rs, true),
        lit(ms, true),
        lit(ps, true),
        lit(ss),
        lit(ls),
        lit(ts),
        lit(qb),
        lit(sb),
        lit(as),
      ]
    : [lit(ids), lit(ks), lit(ms, true), lit(ps, true), lit(ss), lit(ls), lit(ts)];
}

/** Rows per second through one statement and its trigger, `batches` batches of BATCH rows. */
async function ingest(client, keys, shape, batches, t0) {
  const params = Array.from({ length: batches }, (_, b) => batchParams(keys, BATCH, t0 + b * BATCH, shape));
  const sql = shape === 'now' ? INSERT_NOW : INSERT_BEFORE;
  const start = performance.now();
  for (const p of params) await client.query(sql, p);
  return (batches * BATCH) / ((performance.now() - start) / 1000);
}

/** A fresh database migrated up to (not including) `until`, with the built gateway's runner. */
async function migratedDatabase(until) {
  const db = await createDatabase(DB_PREFIX);
  const { createDatabase: open } = await import(join(ROOT, 'gateway', 'dist', 'db', 'client.js'));
  const { migrate, MIGRATIONS_DIR } = await import(join(ROOT, 'gateway', 'dist', 'db', 'migrate.js'));
  const dir = mkdtempSync(join(tmpdir(), 'gw-migrations-'));
  for (const e of readdirSync(MIGRATIONS_DIR, { withFileTypes: true })) {
    if (e.isDirectory() && until && e.name >= until) continue;
    cpSync(join(MIGRATIONS_DIR, e.name), join(dir, e.name), { recursive: true });
  }
  const handle = await open({ databaseUrl: db.url, dataDir: '.', poolSize: 1 });
  await handle.withConnection((c) => migrate(c, { dir, lock: false }));
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

export async function runAnalyticsBench({ rows, calls, workDir }) {
  ensureBuild();
  mkdirSync(workDir, { recursive: true });
  const machine = await describeMachine();
  log(`machine: ${machine.nproc} CPUs (${machine.cpuModel}), PostgreSQL ${machine.postgres}`);
  const results = { machine, rows, calls };

  // 1. Ingest: the recorder's statement with every tier's trigger, now vs before item 2 (fresh
  // databases, the same batches, alternated so that neither runs on a quieter machine).
  log(`ingest: ${INGEST_BATCHES} batches of 1,000 rows per round, now vs before item 2`);
  const before = await migratedDatabase('20261129150000_usage_dimensions');
  const now = await migratedDatabase(null);
  const keysBefore = await createKeys(before);
  const keysNow = await createKeys(now);
  const ingestRounds = { before: [], now: [] };
  const t0 = Date.now() - HOUR_MS;
  for (let round = 0; round < 3; round++) {
    ingestRounds.before.push(await ingest(before, keysBefore, 'before', INGEST_BATCHES, t0 + round * 1e6));
    ingestRounds.now.push(await ingest(now, keysNow, 'now', INGEST_BATCHES, t0 + round * 1e6));
    log(
      `  round ${round + 1}: before ${ingestRounds.before.at(-1).toFixed(0)} rows/s, now ${ingestRounds.now.at(-1).toFixed(0)} rows/s`,
    );
  }
  await before.end();
  await now.end();
  results.ingest = { before: median(ingestRounds.before), now: median(ingestRounds.now), rounds: ingestRounds };

  // 2. A month of usage.
  const db = await createDatabase(DB_PREFIX);
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisPrefix: `bench-analytics-${Date.now()}:`,
    upstreamUrl: 'http://127.0.0.1:9',
    workDir,
  });
  const client = new pg.Client({ connectionString: db.url });
  // A failed step drops the database (cleanup) while this client idles: log that, do not crash over it.
  client.on('error', (err) => log(`  bench database connection closed: ${err.message}`));
  await client.connect();
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`SET work_mem = '256MB'`);
  const keys = await createKeys(client);
  const end = Math.floor(Date.now() / HOUR_MS) * HOUR_MS; // the generated month ends at the last whole hour
  const start = end - 30 * DAY_MS;
  const days = [];
  for (let d = Math.floor(start / DAY_MS) * DAY_MS; d < end; d += DAY_MS) days.push(d);
  for (const d of days) {
    for (const parent of ['usage_logs', 'usage_rollups']) {
      await client.query('SELECT usage_ensure_partition($1, $2::date)', [parent, isoDay(d)]);
    }
  }
  log(`generating ${rows.toLocaleString('en')} rows over 30 days for ${KEYS} keys of ${USERS} users`);
  await client.query(`ALTER TABLE usage_logs DISABLE TRIGGER usage_logs_rollup;
                      ALTER TABLE usage_logs DROP CONSTRAINT usage_logs_api_key_id_fkey, DROP CONSTRAINT usage_logs_pkey;
                      DROP INDEX usage_logs_api_key_id_timestamp_idx`);
  const genStart = performance.now();
  const perMs = rows / (end - start);
  const keyIds = keys.map((k) => k.id);
  const userIds = keys.map((k) => k.userId);
  for (let d = start; d < end; d += DAY_MS) {
    const span = Math.min(DAY_MS, end - d);
    await timed(`day ${isoDay(d)}`, () =>
      client.query(GENERATE_DAY, [keyIds, userIds, ROUTES, new Date(d), span, Math.round(span * perMs)]),
    );
  }
  await timed('primary key, key index, foreign key', () =>
    client.query(`ALTER TABLE usage_logs ADD CONSTRAINT usage_logs_pkey PRIMARY KEY ("timestamp", id);
                  CREATE INDEX usage_logs_api_key_id_timestamp_idx ON usage_logs (api_key_id, "timestamp" DESC);
                  ALTER TABLE usage_logs ADD CONSTRAINT usage_logs_api_key_id_fkey FOREIGN KEY (api_key_id)
                    REFERENCES api_keys(id) ON DELETE CASCADE ON UPDATE CASCADE;
                  ALTER TABLE usage_logs ENABLE TRIGGER usage_logs_rollup`),
  );
  // Per UTC day (the generated month starts and ends mid-day): each daily row is written once; two
  // connections (the machine's two cores) take days in turn. Then the summary tiers of the day
  // (usage_summary_fill, what maintenance runs for each completed day).
  const workers = await Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`SET work_mem = '256MB'`);
      await c.query('SET jit = off');
      return c;
    }),
  );
  const queue = [...days];
  await timed('rollups and summary of every day (2 connections)', () =>
    Promise.all(
      workers.map(async (c) => {
        for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
          const dayStart = d;
          await timed(`rollups of ${isoDay(d)} (dimensional, hourly, daily, summary)`, async () => {
            const range = [new Date(dayStart), new Date(dayStart + DAY_MS)];
            await c.query(BULK_DIMS, range);
            await c.query(tierFromDims('usage_rollups_hourly', 'hour', 'hour'), range);
            await c.query(tierFromDims('usage_rollups_daily', 'day', 'day'), range);
            await c.query('SELECT usage_summary_fill($1, $2)', [
              new Date(dayStart),
              new Date(Math.min(dayStart + DAY_MS, end)),
            ]);
          });
        }
      }),
    ),
  );
  await Promise.all(workers.map((c) => c.end()));
  // Every whole hour before `end` is in the summary (maintenance's mark; later hours read usage_rollups_dims).
  await client.query('UPDATE usage_tiers SET summary_to = $1 WHERE id = 1', [new Date(end)]);
  // The per-minute tier for the last two days only; older days are read per hour (as after maintenance).
  await timed('per-minute rollups of the last two days', () =>
    client.query(BULK_MINUTES, [new Date(end - 2 * DAY_MS), new Date(end)]),
  );
  await client.query('UPDATE usage_tiers SET minute_from = $1 WHERE id = 1', [new Date(end - 2 * DAY_MS)]);
  // Trigger on: the hour since `end`, as the recorder writes it (also what a live gateway adds meanwhile).
  await timed(`${INGEST_BATCHES} recorder batches with the trigger on`, () =>
    ingest(client, keys, 'now', INGEST_BATCHES, end),
  );
  await timed('ANALYZE', () => client.query('ANALYZE'));
  results.generationS = (performance.now() - genStart) / 1000;
  const counts = (
    await client.query(
      `SELECT (SELECT count(*) FROM usage_logs)::float8 AS logs, (SELECT count(*) FROM usage_rollups_dims)::float8 AS dims,
              (SELECT pg_total_relation_size('usage_rollups_dims'))::float8 AS dims_bytes,
              (SELECT count(*) FROM usage_rollups_summary)::float8 AS summary,
              (SELECT pg_total_relation_size('usage_rollups_summary'))::float8 AS summary_bytes`,
    )
  ).rows[0];
  results.counts = counts;
  log(`  ${counts.logs.toLocaleString('en')} log rows, ${counts.dims.toLocaleString('en')} dimensional rollup rows`);
  await checkpointDatabase();

  // 3. The API, over HTTP as the dashboard asks it (admin bearer).
  const measure = async (label, path, n = calls) => {
    await gateway.admin('GET', path); // warm-up
    const times = [];
    let body;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      body = await gateway.admin('GET', path);
      times.push(performance.now() - t);
    }
    const m = median(times);
    log(
      `  ${label}: median ${m.toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}) over ${n}`,
    );
    return { label, path, medianMs: m, minMs: Math.min(...times), maxMs: Math.max(...times), calls: n, body };
  };
  const to = new Date();
  const month = `from=${new Date(to.getTime() - 30 * DAY_MS).toISOString()}&to=${to.toISOString()}`;
  const dayWindow = `from=${new Date(to.getTime() - DAY_MS).toISOString()}&to=${to.toISOString()}`;
  // The dashboard starts windows charted in hours or days on a whole hour (overviewWindow); a window
  // starting mid-hour also reads the raw requests of that partial hour (~35 k rows at 50 M a month)
  // in every statement. Both are measured.
  const alignedFrom = new Date(Math.floor((to.getTime() - 30 * DAY_MS) / HOUR_MS) * HOUR_MS);
  const monthAligned = `from=${alignedFrom.toISOString()}&to=${to.toISOString()}`;
  const api = [];
  api.push(
    await measure(
      'GET /usage, 30 days from a whole hour (as the dashboard asks), no grouping',
      `/usage?${monthAligned}`,
    ),
  );
  for (const by of ['key', 'user', 'route', 'status', 'method']) {
    api.push(
      await measure(`GET /usage, 30 days from a whole hour, groupBy=${by}`, `/usage?${monthAligned}&groupBy=${by}`),
    );
  }
  api.push(await measure('GET /usage, 30 days from mid-hour (now − 30 d), no grouping', `/usage?${month}`));
  for (const by of ['key', 'user', 'route', 'status', 'method']) {
    api.push(await measure(`GET /usage, 30 days from mid-hour, groupBy=${by}`, `/usage?${month}&groupBy=${by}`));
  }
  api.push(
    await measure('GET /usage, 30 days, groupBy=status, route=orders', `/usage?${month}&groupBy=status&route=orders`),
  );
  const busiest = api[1].body.groups[0].value;
  const quiet = api[1].body.groups.at(-1).value;
  api.push(await measure('GET /usage/:keyId, 24 h, busiest key', `/usage/${busiest}?${dayWindow}`, calls * 2));
  api.push(await measure('GET /usage/:keyId, 24 h, a quiet key', `/usage/${quiet}?${dayWindow}`, calls * 2));
  api.push(await measure('GET /usage/logs, 30 days, first page', `/usage/logs?${month}`));
  api.push(
    await measure(
      'GET /usage/logs, 30 days, status=5xx&route=billing',
      `/usage/logs?${month}&status=5xx&route=billing`,
    ),
  );
  // groupBy=path reads raw rows: an hour of them is answered; a day (more than USAGE_MAX_RAW_SCAN_ROWS at this
  // density) is refused with a 400 saying why, and that refusal is timed too.
  const hourWindow = `from=${new Date(to.getTime() - HOUR_MS).toISOString()}&to=${to.toISOString()}`;
  api.push(await measure('GET /usage, 1 h, groupBy=path (raw rows)', `/usage?${hourWindow}&groupBy=path`, 3));
  {
    const times = [];
    let status = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const res = await fetch(`${gateway.managementUrl}/usage?${dayWindow}&groupBy=path`, {
        headers: { authorization: `Bearer ${gateway.adminToken}` },
      });
      await res.text();
      times.push(performance.now() - t);
      status = res.status;
    }
    const label = `GET /usage, 24 h, groupBy=path (answered ${status}${status === 400 ? ': too many raw rows' : ''})`;
    log(`  ${label}: median ${median(times).toFixed(1)} ms`);
    api.push({
      label,
      path: '',
      medianMs: median(times),
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      calls: 3,
    });
  }
  results.api = api.map(({ body, ...rest }) => rest);
  results.busiestKeyRequests = api[1].body.groups[0].requests;

  // 4. Dropping a day: the oldest day partition of usage_logs, as maintenance drops it.
  const oldest = `usage_logs_p${isoDay(days[0]).replaceAll('-', '')}`;
  const oldestRows = Number((await client.query(`SELECT count(*) AS n FROM ${oldest}`)).rows[0].n);
  const [, dropS] = await timed(`DROP TABLE ${oldest} (${oldestRows.toLocaleString('en')} rows)`, () =>
    client.query(`DROP TABLE ${oldest}`),
  );
  results.drop = { partition: oldest, rows: oldestRows, ms: dropS * 1000 };
  await client.end();
  return results;
}

export function analyticsSection(r, date) {
  const ms = (x) => `${x.toFixed(1)} ms`;
  const lines = [
    `## Usage analytics over a month (issue 14, ${date})`,
    '',
    `Machine: ${r.machine.nproc} CPUs (${r.machine.cpuModel}), PostgreSQL ${r.machine.postgres}, shared with other work. ` +
      `\`npm run bench -- --analytics --analytics-rows=${r.rows}\`.`,
    '',
    `Data: ${r.counts.logs.toLocaleString('en')} usage rows over 30 days (${KEYS} keys of ${USERS} users, power-law traffic per key; ` +
      `4 routes, 3 methods, 7 statuses, 2,000 paths per route), ${r.counts.dims.toLocaleString('en')} rows in the dimensional rollup ` +
      `(${(r.counts.dims_bytes / 1024 / 1024).toFixed(0)} MB), ${r.counts.summary.toLocaleString('en')} in the summary ` +
      `(${(r.counts.summary_bytes / 1024 / 1024).toFixed(0)} MB). Generated in ${r.generationS.toFixed(0)} s: one INSERT … SELECT ` +
      'generate_series per day straight into the daily partitions with the trigger, primary key, key index and foreign key off; ' +
      "then the indexes rebuilt and, per UTC day on two connections, the rollups computed in bulk with the trigger's grouping " +
      "(dimensional, then hourly/daily from it) and the summary with maintenance's own `usage_summary_fill`; per-minute rollups " +
      `for the last 2 days only (older days read per hour, as after maintenance); then ${INGEST_BATCHES} ` +
      'recorder batches of 1,000 rows with the trigger on.',
    '',
    '| request | median | min | max | calls |',
    '|---|--:|--:|--:|--:|',
    ...r.api.map((a) => `| ${a.label} | ${ms(a.medianMs)} | ${ms(a.minMs)} | ${ms(a.maxMs)} | ${a.calls} |`),
    '',
    `Drop a day: \`DROP TABLE ${r.drop.partition}\` (${r.drop.rows.toLocaleString('en')} rows) took ${ms(r.drop.ms)}.`,
    '',
    `Ingest (the recorder's batch INSERT of 1,000 rows, every rollup tier's trigger on, fresh databases, median of 3 rounds ` +
      `of ${INGEST_BATCHES} batches): before item 2 ${r.ingest.before.toFixed(0)} rows/s, now ${r.ingest.now.toFixed(0)} rows/s ` +
      `(rounds: before ${r.ingest.rounds.before.map((x) => x.toFixed(0)).join(', ')}; now ${r.ingest.rounds.now.map((x) => x.toFixed(0)).join(', ')}).`,
  ];
  return lines.join('\n');
}

export async function main(opts) {
  const workDir = join(ROOT, 'bench', '.work', `analytics-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  try {
    const r = await runAnalyticsBench({ rows: opts.rows, calls: opts.calls, workDir });
    const section = analyticsSection(r, new Date().toISOString().slice(0, 10));
    console.log(`\n${section}\n`);
    return section;
  } finally {
    await cleanup();
  }
}
