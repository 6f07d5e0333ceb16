import { CreatedApiKeySchema, UsageAnalyticsResponseSchema, type UsageGroupBy } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintainUsageStorage } from '../../src/usage/maintenance.js';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { startUpstream } from '../support/upstream.js';

// GET /usage over days that maintenance has summarised (usage_rollups_summary, migration
// 20261129190000_usage_summary): whole days from the daily grains, the hours around them from the
// hourly grains, hours after summary_to from usage_rollups_dims, partial hours from raw rows — every
// answer compared with a reference computed from the rows this test inserted.

const ADMIN = 'summary-admin@example.com';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MINUTE = 60_000;
const ROUTES = ['default', 'orders', 'billing'];
const METHODS = ['GET', 'POST', 'DELETE'];
const STATUSES = [200, 200, 200, 201, 301, 404, 429, 500, 503];
const GROUPINGS: UsageGroupBy[] = ['key', 'user', 'route', 'status', 'method'];

interface Row {
  id: string;
  keyId: string;
  userId: string;
  route: string;
  method: string;
  status: number;
  latency: number;
  requestBytes: number;
  responseBytes: number;
  at: number;
}

function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Filters = Partial<Record<'keyId' | 'userId' | 'route' | 'status' | 'method', string>>;

function matches(r: Row, f: Filters): boolean {
  if (f.keyId && r.keyId !== f.keyId) return false;
  if (f.userId && r.userId !== f.userId) return false;
  if (f.route && r.route !== f.route) return false;
  if (f.method && r.method !== f.method) return false;
  if (f.status) {
    const n = Number(f.status[0]);
    if (
      f.status.endsWith('xx')
        ? n === 5
          ? r.status < 500
          : Math.floor(r.status / 100) !== n
        : r.status !== Number(f.status)
    )
      return false;
  }
  return true;
}

const groupValue = (r: Row, by: UsageGroupBy) =>
  ({ key: r.keyId, user: r.userId, route: r.route, path: '', status: String(r.status), method: r.method })[by];

function totalsOf(rows: Row[]) {
  const count = (f: (r: Row) => boolean) => rows.filter(f).length;
  return {
    requests: rows.length,
    byStatusClass: {
      '2xx': count((r) => r.status >= 200 && r.status < 300),
      '3xx': count((r) => r.status >= 300 && r.status < 400),
      '4xx': count((r) => r.status >= 400 && r.status < 500),
      '5xx': count((r) => r.status >= 500),
    },
    rateLimited: count((r) => r.status === 429),
    requestBytes: rows.reduce((n, r) => n + r.requestBytes, 0),
    responseBytes: rows.reduce((n, r) => n + r.responseBytes, 0),
  };
}

function groupsOf(rows: Row[], by: UsageGroupBy) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(groupValue(r, by), [...(groups.get(groupValue(r, by)) ?? []), r]);
  return [...groups.entries()]
    .map(([value, rs]) => ({ value, rows: rs, requests: rs.length }))
    .sort((a, b) => b.requests - a.requests || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The exact quantile (nearest rank below) the histogram estimate must lie within a bucket of. */
function exactP(rows: Row[], q: number) {
  const sorted = rows.map((r) => r.latency).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)]!;
}

describe.each(['postgres', 'pglite'] as Backend[])('usage analytics over summarised days (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let admin: { token: string; userId: string };
  let alice: { token: string; userId: string };
  const keys: { id: string; userId: string }[] = [];
  const rows: Row[] = [];
  // The clock maintenance runs with: 25 minutes into an hour, two and a half days after `start`.
  const now = Math.floor(Date.now() / HOUR) * HOUR + 25 * MINUTE;
  const today = Math.floor(now / DAY) * DAY;
  const start = today - 2 * DAY - 5 * HOUR;

  async function insert(rs: Row[]) {
    await gw.gateway.services.db.sql.query(
      `INSERT INTO usage_logs (id, api_key_id, user_id, route, method, path, status_code, latency_ms, "timestamp",
                               request_bytes, response_bytes)
       SELECT u.id, u.k, u.o, u.r, u.m, '/x', u.s, u.l, u.t, u.qb, u.sb
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::smallint[], $7::real[],
                     $8::timestamptz[], $9::int8[], $10::int8[]) AS u(id, k, o, r, m, s, l, t, qb, sb)`,
      [
        rs.map((r) => r.id),
        rs.map((r) => r.keyId),
        rs.map((r) => r.userId),
        rs.map((r) => r.route),
        rs.map((r) => r.method),
        rs.map((r) => r.status),
        rs.map((r) => r.latency),
        rs.map((r) => new Date(r.at).toISOString()),
        rs.map((r) => r.requestBytes),
        rs.map((r) => r.responseBytes),
      ],
    );
    rows.push(...rs);
  }

  const rand = prng(1914);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const makeRows = (n: number, from: number, to: number): Row[] =>
    Array.from({ length: n }, () => {
      const key = keys[pick([0, 0, 0, 1, 1, 2, 3])]!;
      return {
        id: crypto.randomUUID(),
        keyId: key.id,
        userId: key.userId,
        route: pick(ROUTES),
        method: pick(METHODS),
        status: pick(STATUSES),
        latency: Math.round(1 + rand() * rand() * 40_000) / 100,
        requestBytes: Math.floor(rand() * 5_000),
        responseBytes: Math.floor(rand() * 50_000),
        at: from + Math.floor(rand() * (to - from)),
      };
    });

  /** Maintenance at `now`, retried while the gateway's own start-up round holds the lock. */
  async function maintain() {
    for (;;) {
      const r = await maintainUsageStorage(gw.gateway.services.db, {
        retentionDays: 30,
        rollupRetentionDays: 400,
        clock: () => now,
      });
      if (r.ran) return r;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { ADMIN_EMAILS: ADMIN } });
    admin = await login(gw, ADMIN);
    alice = await login(gw, 'alice-summary@example.com');
    const bob = await login(gw, 'bob-summary@example.com');
    for (const [userId, name] of [
      [alice.userId, 'a1'],
      [alice.userId, 'a2'],
      [bob.userId, 'b'],
      [admin.userId, 'ops'],
    ] as const) {
      const res = await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId, name }) });
      keys.push({ id: CreatedApiKeySchema.parse(await res.json()).id, userId });
    }
    // Rows from `start` to a few minutes before `now` (two whole UTC days in between).
    await insert(makeRows(1_500, start, now - 5 * MINUTE));
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const tokenOf = (who: 'admin' | 'alice') => (who === 'admin' ? admin : alice).token;
  const visible = (who: 'admin' | 'alice', from: number, to: number, f: Filters = {}) =>
    rows.filter((r) => (who === 'admin' || r.userId === alice.userId) && r.at >= from && r.at < to && matches(r, f));
  async function analytics(who: 'admin' | 'alice', from: number, to: number, query = '') {
    const res = await as(
      gw,
      tokenOf(who),
    )(`/usage?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${query}`);
    expect(res.status).toBe(200);
    return UsageAnalyticsResponseSchema.parse(await res.json());
  }

  /** Every grouping and a set of filters over [from, to), as admin and as alice, against the rows. */
  async function expectExact(from: number, to: number, query = '') {
    for (const who of ['admin', 'alice'] as const) {
      const all = visible(who, from, to);
      for (const by of GROUPINGS) {
        const u = await analytics(who, from, to, `&groupBy=${by}&top=2${query}`);
        expect(u.totals).toEqual(totalsOf(all));
        const ref = groupsOf(all, by);
        expect(
          u.groups.map((g) => [g.value, g.requests, g.errors, g.rateLimited, g.requestBytes, g.responseBytes]),
        ).toEqual(
          ref.slice(0, 2).map((g) => {
            const t = totalsOf(g.rows);
            return [
              g.value,
              t.requests,
              t.byStatusClass['4xx'] + t.byStatusClass['5xx'],
              t.rateLimited,
              t.requestBytes,
              t.responseBytes,
            ];
          }),
        );
        expect(u.other?.requests ?? 0).toBe(ref.slice(2).reduce((n, g) => n + g.requests, 0));
        expect(u.other?.groups ?? 0).toBe(Math.max(0, ref.length - 2));
        // Percentiles from histograms: within one bucket (≤ 14.3 % wide) of the exact value.
        for (const [i, g] of u.groups.entries()) {
          const exact = exactP(ref[i]!.rows, 0.5);
          expect(
            Math.abs(g.latencyMs.p50! - exact) / exact,
            `${who} groupBy=${by} ${g.value} p50 ${g.latencyMs.p50} vs ${exact}`,
          ).toBeLessThan(0.2);
          const avg = ref[i]!.rows.reduce((n, r) => n + r.latency, 0) / ref[i]!.requests;
          expect(g.latencyMs.avg).toBeCloseTo(avg, 1);
        }
        expect(u.series.reduce((n, p) => n + p.requests, 0)).toBe(all.length);
        expect(u.series.reduce((n, p) => n + p.rateLimited, 0)).toBe(totalsOf(all).rateLimited);
        expect(u.activeKeys).toBe(new Set(all.map((r) => r.keyId)).size);
        const byKey = groupsOf(all, 'key');
        expect(u.topKeysByRequests.map((k) => [k.keyId, k.requests])).toEqual(
          byKey.slice(0, 10).map((g) => [g.value, g.requests]),
        );
        const exactP95 = exactP(all, 0.95);
        expect(Math.abs(u.latencyMs.p95! - exactP95) / exactP95).toBeLessThan(0.2);
      }
      const filters: Filters[] = [
        { route: 'orders' },
        { status: '404' },
        { status: '4xx' },
        { status: '5xx' },
        { method: 'POST' },
        { route: 'billing', status: '2xx', method: 'GET' },
        { keyId: keys[0]!.id },
        { userId: alice.userId },
        { keyId: keys[1]!.id, route: 'orders' },
      ];
      for (const f of filters) {
        const qs = Object.entries(f)
          .map(([k, v]) => `&${k}=${encodeURIComponent(v)}`)
          .join('');
        const vis = visible(who, from, to, f);
        const u = await analytics(who, from, to, `${qs}${query}&groupBy=${f.route ? 'status' : 'route'}&top=100`);
        expect({ f, totals: u.totals }).toEqual({ f, totals: totalsOf(vis) });
        expect(u.groups.reduce((n, g) => n + g.requests, 0)).toBe(vis.length);
        expect(u.series.reduce((n, p) => n + p.requests, 0)).toBe(vis.length);
        expect(u.activeKeys).toBe(new Set(vis.map((r) => r.keyId)).size);
      }
    }
  }

  it('summarises completed hours and days up to the last whole hour, and only those', async () => {
    const r = await maintain();
    expect(r.summaryTo.getTime()).toBe(Math.floor(now / HOUR) * HOUR);
    const { rows: counts } = await gw.gateway.services.db.sql.query<{ daily: boolean; grain: number; n: number }>(
      'SELECT daily, grain, count(*)::int AS n FROM usage_rollups_summary GROUP BY 1, 2 ORDER BY 1, 2',
    );
    expect(counts.filter((c) => c.daily).map((c) => c.grain)).toEqual([0, 1, 6, 7]);
    expect(counts.filter((c) => !c.daily).map((c) => c.grain)).toEqual([0, 1, 6]);
    const { rows: days } = await gw.gateway.services.db.sql.query<{ t: Date; n: number }>(
      'SELECT t, sum(requests)::int AS n FROM usage_rollups_summary WHERE daily AND grain = 0 GROUP BY t ORDER BY t',
    );
    // The partial first day and the two whole days; today is not complete.
    expect(days.map((d) => [d.t.getTime(), d.n])).toEqual(
      [today - 3 * DAY, today - 2 * DAY, today - DAY].map((d) => [
        d,
        rows.filter((x) => x.at >= d && x.at < d + DAY).length,
      ]),
    );
    // Idempotent: a second round recomputes nothing.
    expect((await maintain()).summarizedHours).toBe(0);
  });

  it('answers exactly over whole days (daily grains), with a daily series', async () => {
    await expectExact(today - 2 * DAY, today);
    await expectExact(today - 2 * DAY, today, '&bucketSeconds=86400');
  });

  it('answers exactly over a window cut mid-hour at both ends (days, hours, the cube and raw rows)', async () => {
    await expectExact(start + 17 * MINUTE + 123, now - 3 * HOUR - 23 * MINUTE);
    // Up to now: the current hour is read from usage_rollups_dims as a whole when nothing lies after `to`.
    await expectExact(start + 41 * MINUTE, now);
    await expectExact(start + 41 * MINUTE, now, '&bucketSeconds=900');
  });

  it('recomputes a summarised day that rows reached late, at the next maintenance', async () => {
    await insert(makeRows(40, today - DAY + 3 * HOUR, today - DAY + 4 * HOUR));
    const r = await maintain();
    expect(r.summarizedHours).toBe(24);
    await expectExact(today - 2 * DAY, today);
    await expectExact(start + 17 * MINUTE + 123, now - 3 * HOUR - 23 * MINUTE);
  });

  it('refuses (400) a question that would read more than 1 M raw rows, and only that', async () => {
    // Bob's busy day ten days ago, as the trigger's per-key hourly tier counts it (the bound reads it).
    const hour = today - 10 * DAY;
    await gw.gateway.services.db.sql.query(
      `INSERT INTO usage_rollups_hourly (api_key_id, "hour", requests, status_2xx, status_3xx, status_4xx, status_5xx,
                                         rate_limited, latency_sum_ms, latency_min_ms, latency_max_ms, latency_histogram)
       VALUES ($1, $2, 1500000, 1500000, 0, 0, 0, 0, 1500000, 1, 1, NULL)`,
      [keys[2]!.id, new Date(hour)],
    );
    const from = today - 11 * DAY;
    const res = await as(
      gw,
      admin.token,
    )(`/usage?from=${new Date(from).toISOString()}&to=${new Date(now).toISOString()}&groupBy=path`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.detail).toContain('groupBy=path and pathPrefix read every request of the window');
    for (const q of ['&pathPrefix=/x', '&bucketSeconds=900&route=orders']) {
      expect(
        (await as(gw, admin.token)(`/usage?from=${new Date(from).toISOString()}&to=${new Date(now).toISOString()}${q}`))
          .status,
      ).toBe(400);
    }
    // Alice's keys hold few requests; 15-minute buckets without such filters come from the per-minute tier.
    expect((await analytics('alice', from, now, '&groupBy=path')).totals.requests).toBe(
      visible('alice', from, now).length,
    );
    const u = await analytics('admin', from, now, '&bucketSeconds=900');
    expect(u.totals.requests).toBe(visible('admin', from, now).length);
    expect(u.series.reduce((n, p) => n + p.requests, 0)).toBe(u.totals.requests);
    expect(u.series.reduce((n, p) => n + p.errors, 0)).toBe(
      visible('admin', from, now).filter((r) => r.status >= 400).length,
    );
  });
});
