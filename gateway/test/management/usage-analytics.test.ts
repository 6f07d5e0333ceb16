import {
  CreatedApiKeySchema,
  OverviewResponseSchema,
  USAGE_GROUP_BY,
  UsageAnalyticsResponseSchema,
  type UsageGroupBy,
  type UsageLogRecord,
  UsageLogsResponseSchema,
} from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

const ADMIN = 'analytics-admin@example.com';
const HOUR = 3_600_000;
const ROUTES = ['default', 'orders', 'billing'];
const METHODS = ['GET', 'POST', 'DELETE'];
const STATUSES = [200, 200, 200, 201, 301, 404, 429, 500, 503];
const PATHS = ['/v1/orders', '/v1/orders/7', '/v1/billing/x', '/v2/items', '/health'];

interface Row {
  id: string;
  keyId: string;
  userId: string;
  route: string;
  method: string;
  path: string;
  status: number;
  latency: number;
  requestBytes: number;
  responseBytes: number;
  at: number;
}

/** A small deterministic PRNG (mulberry32): the same rows every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Filters = Partial<Record<'keyId' | 'userId' | 'route' | 'status' | 'method' | 'pathPrefix', string>>;

function matches(r: Row, f: Filters): boolean {
  if (f.keyId && r.keyId !== f.keyId) return false;
  if (f.userId && r.userId !== f.userId) return false;
  if (f.route && r.route !== f.route) return false;
  if (f.method && r.method !== f.method.toUpperCase()) return false;
  if (f.pathPrefix && !r.path.startsWith(f.pathPrefix)) return false;
  if (f.status) {
    const cls = f.status.endsWith('xx');
    const n = Number(f.status[0]);
    if (cls ? (n === 5 ? r.status < 500 : Math.floor(r.status / 100) !== n) : r.status !== Number(f.status)) {
      return false;
    }
  }
  return true;
}

const groupValue = (r: Row, by: UsageGroupBy) =>
  ({ key: r.keyId, user: r.userId, route: r.route, path: r.path, status: String(r.status), method: r.method })[by];

/** What `GET /usage` must say, computed from the rows the test inserted. */
function reference(rows: Row[]) {
  const sum = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  return {
    requests: rows.length,
    errors: rows.filter((r) => r.status >= 400).length,
    rateLimited: rows.filter((r) => r.status === 429).length,
    requestBytes: sum((r) => r.requestBytes),
    responseBytes: sum((r) => r.responseBytes),
    byStatusClass: {
      '2xx': rows.filter((r) => r.status >= 200 && r.status < 300).length,
      '3xx': rows.filter((r) => r.status >= 300 && r.status < 400).length,
      '4xx': rows.filter((r) => r.status >= 400 && r.status < 500).length,
      '5xx': rows.filter((r) => r.status >= 500).length,
    },
    avg: rows.length ? Math.round((sum((r) => r.latency) / rows.length) * 100) / 100 : null,
  };
}

function referenceGroups(rows: Row[], by: UsageGroupBy) {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const v = groupValue(r, by);
    groups.set(v, [...(groups.get(v) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([value, rs]) => ({ value, ...reference(rs) }))
    .sort((a, b) => b.requests - a.requests || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

const newestFirst = (a: Row, b: Row) => b.at - a.at || (a.id < b.id ? 1 : -1);

describe.each(['postgres', 'pglite'] as Backend[])(
  'usage analytics: GET /usage, /usage/logs, /usage/export (%s)',
  (backend) => {
    let gw: TestGateway;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let admin: { token: string; userId: string };
    let alice: { token: string; userId: string };
    let bob: { token: string; userId: string };
    const keys: { id: string; userId: string; name: string }[] = [];
    const rows: Row[] = [];
    const now = Date.now();
    // A fixed window: every row lies inside, except the few placed just outside its two ends.
    const from = new Date(Math.floor(now / HOUR) * HOUR - 20 * HOUR);
    const to = new Date(Math.floor(now / HOUR) * HOUR + HOUR);
    const window = `from=${from.toISOString()}&to=${to.toISOString()}`;

    beforeAll(async () => {
      upstream = await startUpstream((_req, res) => res.end('ok'));
      gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { ADMIN_EMAILS: ADMIN } });
      admin = await login(gw, ADMIN);
      alice = await login(gw, 'alice-analytics@example.com');
      bob = await login(gw, 'bob-analytics@example.com');
      const mk = async (userId: string, name: string) => {
        const res = await gw.admin('/keys', { method: 'POST', body: JSON.stringify({ userId, name }) });
        const key = CreatedApiKeySchema.parse(await res.json());
        keys.push({ id: key.id, userId, name });
      };
      await mk(alice.userId, 'alice, "main"');
      await mk(alice.userId, '=cmd|calc');
      await mk(bob.userId, 'bob');
      await mk(admin.userId, 'ops');
      const rand = prng(14);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      // Key weights differ so that top-N has a clear order.
      const weighted = [0, 0, 0, 0, 1, 1, 2, 2, 2, 3];
      for (let i = 0; i < 600; i++) {
        const key = keys[pick(weighted)]!;
        rows.push({
          id: crypto.randomUUID(),
          keyId: key.id,
          userId: key.userId,
          route: pick(ROUTES),
          method: pick(METHODS),
          path: pick(PATHS),
          status: pick(STATUSES),
          latency: Math.round(rand() * 20_000) / 100,
          requestBytes: Math.floor(rand() * 5_000),
          responseBytes: Math.floor(rand() * 50_000),
          at: from.getTime() + Math.floor(rand() * (to.getTime() - from.getTime())),
        });
      }
      const outside = [from.getTime() - 1, to.getTime(), to.getTime() + HOUR];
      const extra = outside.map((at, i) => ({ ...rows[i]!, id: crypto.randomUUID(), at }));
      await insert([...rows, ...extra]);
    });
    afterAll(async () => {
      await gw?.stop();
      await upstream?.close();
    });

    async function insert(rs: Row[]) {
      await gw.gateway.services.db.sql.query(
        `INSERT INTO usage_logs (id, api_key_id, user_id, route, method, path, status_code, latency_ms, "timestamp",
                               request_bytes, response_bytes)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::smallint[],
                            $8::real[], $9::timestamptz[], $10::int8[], $11::int8[])`,
        [
          rs.map((r) => r.id),
          rs.map((r) => r.keyId),
          rs.map((r) => r.userId),
          rs.map((r) => r.route),
          rs.map((r) => r.method),
          rs.map((r) => r.path),
          rs.map((r) => r.status),
          rs.map((r) => r.latency),
          rs.map((r) => new Date(r.at).toISOString()),
          rs.map((r) => r.requestBytes),
          rs.map((r) => r.responseBytes),
        ],
      );
    }

    const visible = (who: 'admin' | 'alice', f: Filters = {}) =>
      rows.filter((r) => (who === 'admin' || r.userId === alice.userId) && matches(r, f));
    const tokenOf = (who: 'admin' | 'alice' | 'bob') => ({ admin, alice, bob })[who].token;
    const get = (who: 'admin' | 'alice' | 'bob', path: string) => as(gw, tokenOf(who))(path);
    const qs = (f: Filters) =>
      Object.entries(f)
        .map(([k, v]) => `&${k}=${encodeURIComponent(v)}`)
        .join('');

    async function analytics(who: 'admin' | 'alice' | 'bob', query: string) {
      const res = await get(who, `/usage?${window}${query}`);
      expect(res.status).toBe(200);
      return UsageAnalyticsResponseSchema.parse(await res.json());
    }

    describe('GET /usage', () => {
      for (const who of ['admin', 'alice'] as const) {
        for (const by of USAGE_GROUP_BY) {
          it(`groupBy=${by} as ${who}: top 2 and "other" add up to the totals the rows say`, async () => {
            const u = await analytics(who, `&groupBy=${by}&top=2`);
            const ref = referenceGroups(visible(who), by);
            const total = reference(visible(who));
            expect(u.groupBy).toBe(by);
            expect(
              u.groups.map((g) => [g.value, g.requests, g.errors, g.rateLimited, g.requestBytes, g.responseBytes]),
            ).toEqual(
              ref
                .slice(0, 2)
                .map((g) => [g.value, g.requests, g.errors, g.rateLimited, g.requestBytes, g.responseBytes]),
            );
            for (const [i, g] of u.groups.entries()) expect(g.latencyMs.avg).toBeCloseTo(ref[i]!.avg!, 1);
            const rest = ref.slice(2);
            expect(u.other).toEqual(
              rest.length === 0
                ? null
                : {
                    groups: rest.length,
                    requests: rest.reduce((n, g) => n + g.requests, 0),
                    errors: rest.reduce((n, g) => n + g.errors, 0),
                    rateLimited: rest.reduce((n, g) => n + g.rateLimited, 0),
                    requestBytes: rest.reduce((n, g) => n + g.requestBytes, 0),
                    responseBytes: rest.reduce((n, g) => n + g.responseBytes, 0),
                  },
            );
            const sum = (f: (g: { requests: number; requestBytes: number }) => number) =>
              u.groups.reduce((n, g) => n + f(g), 0) + (u.other ? f(u.other) : 0);
            expect(sum((g) => g.requests)).toBe(u.totals.requests);
            expect(sum((g) => g.requestBytes)).toBe(u.totals.requestBytes);
            expect(u.totals.requests).toBe(total.requests);
            if (by === 'key') expect(u.groups[0]!.label).toContain('(');
            if (by === 'user') expect(u.groups[0]!.label).toMatch(/@example\.com$/);
          });
        }
      }

      const filters: Filters[] = [
        { route: 'orders' },
        { status: '404' },
        { status: '4xx' },
        { status: '5xx' },
        { method: 'post' },
        { pathPrefix: '/v1/orders' },
        { route: 'billing', status: '2xx', method: 'GET' },
      ];
      for (const who of ['admin', 'alice'] as const) {
        it(`every filter, alone and combined, as ${who}: totals, series, active keys as the rows say`, async () => {
          const cases: Filters[] = [...filters, { keyId: keys[0]!.id }, { userId: alice.userId }];
          for (const f of cases) {
            const u = await analytics(who, qs(f));
            const vis = visible(who, f);
            const ref = reference(vis);
            expect({ f, totals: u.totals }).toEqual({
              f,
              totals: {
                requests: ref.requests,
                byStatusClass: ref.byStatusClass,
                rateLimited: ref.rateLimited,
                requestBytes: ref.requestBytes,
                responseBytes: ref.responseBytes,
              },
            });
            expect(u.latencyMs.avg ?? 0).toBeCloseTo(ref.avg ?? 0, 1);
            expect(u.series.reduce((n, p) => n + p.requests, 0)).toBe(ref.requests);
            expect(u.series.reduce((n, p) => n + p.errors, 0)).toBe(ref.errors);
            expect(u.series.reduce((n, p) => n + p.rateLimited, 0)).toBe(ref.rateLimited);
            expect(u.activeKeys).toBe(new Set(vis.map((r) => r.keyId)).size);
            expect(u.errorRate).toBeCloseTo(ref.requests ? ref.errors / ref.requests : 0, 3);
          }
        });
      }

      it('counts exactly in a window cut mid-hour (whole hours from the rollup, the edges from raw rows)', async () => {
        const a = new Date(from.getTime() + 17 * 60_000 + 123);
        const b = new Date(to.getTime() - 3 * HOUR - 23 * 60_000);
        for (const who of ['admin', 'alice'] as const) {
          for (const bucketSeconds of [3_600, 900]) {
            const res = await get(
              who,
              `/usage?from=${a.toISOString()}&to=${b.toISOString()}&groupBy=route&top=1&bucketSeconds=${bucketSeconds}`,
            );
            const u = UsageAnalyticsResponseSchema.parse(await res.json());
            const inWindow = visible(who).filter((r) => r.at >= a.getTime() && r.at < b.getTime());
            const ref = reference(inWindow);
            expect(u.totals.requests).toBe(ref.requests);
            expect(u.totals.byStatusClass).toEqual(ref.byStatusClass);
            expect(u.totals.responseBytes).toBe(ref.responseBytes);
            expect(u.latencyMs.avg).toBeCloseTo(ref.avg!, 1);
            expect(u.series.reduce((n, p) => n + p.requests, 0)).toBe(ref.requests);
            const groups = referenceGroups(inWindow, 'route');
            expect(u.groups.map((g) => [g.value, g.requests])).toEqual([[groups[0]!.value, groups[0]!.requests]]);
            expect(u.other?.requests).toBe(ref.requests - groups[0]!.requests);
            // Percentiles: from the latency histograms, within a bucket (≤ 14.3 %) of the exact ones.
            const sorted = inWindow.map((r) => r.latency).sort((x, y) => x - y);
            const exactP50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
            expect(Math.abs(u.latencyMs.p50! - exactP50) / exactP50).toBeLessThan(0.2);
          }
        }
      });

      it('keeps the admin overview: top keys by requests and errors, readable by the overview schema', async () => {
        const res = await get('admin', `/usage?${window}`);
        const o = OverviewResponseSchema.parse(await res.clone().json());
        const u = UsageAnalyticsResponseSchema.parse(await res.json());
        expect(o.totals.requests).toBe(rows.length);
        const byKey = referenceGroups(rows, 'key');
        expect(u.topKeysByRequests.map((k) => [k.keyId, k.requests])).toEqual(byKey.map((g) => [g.value, g.requests]));
        expect(u.topKeysByRequests[0]!.email).toMatch(/@example\.com$/);
        expect(u.groupBy).toBeNull();
        expect(u.groups).toEqual([]);
        expect(u.other).toBeNull();
      });

      it("never shows a user another user's data, whatever the grouping or filter", async () => {
        const bobKey = keys.find((k) => k.userId === bob.userId)!.id;
        for (const f of [{ keyId: bobKey }, { userId: bob.userId }, { userId: admin.userId }]) {
          const u = await analytics('alice', `${qs(f)}&groupBy=key`);
          expect(u.totals.requests).toBe(0);
          expect(u.groups).toEqual([]);
          expect(u.topKeysByRequests).toEqual([]);
          expect(u.activeKeys).toBe(0);
        }
        for (const by of USAGE_GROUP_BY) {
          const u = await analytics('alice', `&groupBy=${by}&top=100`);
          expect(u.groups.reduce((n, g) => n + g.requests, 0)).toBe(visible('alice').length);
          if (by === 'user') expect(u.groups.map((g) => g.value)).toEqual([alice.userId]);
          if (by === 'key') {
            expect(u.groups.map((g) => g.value).sort()).toEqual(
              keys
                .filter((k) => k.userId === alice.userId)
                .map((k) => k.id)
                .sort(),
            );
          }
        }
        const u = await analytics('alice', '');
        expect(u.topKeysByRequests.every((k) => k.userId === alice.userId)).toBe(true);
        // Bob sees his own traffic only.
        expect((await analytics('bob', '')).totals.requests).toBe(rows.filter((r) => r.userId === bob.userId).length);
      });

      it('answers bad parameters with problem+json 400s', async () => {
        for (const q of [
          'groupBy=colour',
          'top=0',
          'top=101',
          'status=4x',
          'status=600',
          'method=G%20T',
          'pathPrefix=v1',
          'keyId=not-a-uuid',
          'userId=1',
          'route=',
          'bucketSeconds=7',
          'from=yesterday',
          'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
          'unknown=1',
        ]) {
          await expectProblem(await get('alice', `/usage?${q}`), 400, 'VALIDATION_FAILED');
        }
      });
    });

    describe('GET /usage/logs', () => {
      const toRef = (r: Row) => [
        r.id,
        r.keyId,
        r.userId,
        r.route,
        r.method,
        r.path,
        r.status,
        r.requestBytes,
        r.responseBytes,
      ];
      const toGot = (r: UsageLogRecord) => [
        r.id,
        r.keyId,
        r.userId,
        r.route,
        r.method,
        r.path,
        r.statusCode,
        r.requestBytes,
        r.responseBytes,
      ];

      async function allPages(who: 'admin' | 'alice' | 'bob', query: string, limit: number) {
        const out: UsageLogRecord[] = [];
        let cursor: string | null = null;
        for (let pages = 0; pages < 1_000; pages++) {
          const res = await get(
            who,
            `/usage/logs?${window}&limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
          );
          expect(res.status).toBe(200);
          const page = UsageLogsResponseSchema.parse(await res.json());
          expect(page.data.length).toBeLessThanOrEqual(limit);
          out.push(...page.data);
          cursor = page.nextCursor;
          if (!cursor) break;
        }
        return out;
      }

      it('pages through the whole log newest first, every record once, as the rows say', async () => {
        const got = await allPages('admin', '', 97);
        expect(got.map(toGot)).toEqual([...rows].sort(newestFirst).map(toRef));
        expect(got[0]!.keyName).toBe(keys.find((k) => k.id === got[0]!.keyId)!.name);
        expect(got[0]!.clientIp).toBeNull();
      });

      it('applies every filter, for admins and users alike', async () => {
        for (const who of ['admin', 'alice'] as const) {
          for (const f of [
            { route: 'orders', status: '4xx' },
            { method: 'DELETE', pathPrefix: '/v1' },
            { keyId: keys[1]!.id },
          ]) {
            const got = await allPages(who, qs(f), 50);
            expect(got.map(toGot)).toEqual(visible(who, f).sort(newestFirst).map(toRef));
          }
        }
      });

      it("gives a user nothing of another user's, through any filter", async () => {
        const bobKey = keys.find((k) => k.userId === bob.userId)!.id;
        expect(await allPages('alice', `&keyId=${bobKey}`, 100)).toEqual([]);
        expect(await allPages('alice', `&userId=${bob.userId}`, 100)).toEqual([]);
        const own = await allPages('alice', '', 100);
        expect(own.length).toBe(visible('alice').length);
        expect(own.every((r) => r.userId === alice.userId)).toBe(true);
      });

      it('answers bad parameters with problem+json 400s', async () => {
        for (const q of ['limit=0', 'limit=abc', 'cursor=!!', 'cursor=bm9wZQ', 'status=xx', 'groupBy=key']) {
          await expectProblem(await get('alice', `/usage/logs?${q}`), 400, 'VALIDATION_FAILED');
        }
      });
    });

    describe('GET /usage/export', () => {
      /** RFC 4180 parsing (quoted fields, doubled quotes, CRLF), enough to read the export back. */
      function parseCsv(text: string): string[][] {
        const out: string[][] = [];
        let row: string[] = [];
        let field = '';
        let quoted = false;
        for (let i = 0; i < text.length; i++) {
          const c = text[i]!;
          if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
              field += '"';
              i++;
            } else if (c === '"') quoted = false;
            else field += c;
          } else if (c === '"') quoted = true;
          else if (c === ',') {
            row.push(field);
            field = '';
          } else if (c === '\r' && text[i + 1] === '\n') {
            row.push(field);
            out.push(row);
            row = [];
            field = '';
            i++;
          } else field += c;
        }
        return out;
      }

      it('exports the filtered log as CSV: a header row, quoting, formula-safe text, a file name', async () => {
        const f = { keyId: keys[0]!.id };
        const res = await get('alice', `/usage/export?format=csv&${window}${qs(f)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
        expect(res.headers.get('content-disposition')).toMatch(
          /^attachment; filename="usage-log-\d{8}T\d{4}-\d{8}T\d{4}\.csv"$/,
        );
        const [header, ...lines] = parseCsv(await res.text());
        expect(header).toEqual([
          'id',
          'timestamp',
          'keyId',
          'keyName',
          'userId',
          'route',
          'method',
          'path',
          'statusCode',
          'latencyMs',
          'requestBytes',
          'responseBytes',
          'clientIp',
        ]);
        const ref = visible('alice', f).sort(newestFirst);
        expect(lines.map((l) => [l[0], l[3], l[7], Number(l[8]), Number(l[10])])).toEqual(
          ref.map((r) => [r.id, 'alice, "main"', r.path, r.status, r.requestBytes]),
        );
        const other = await get('alice', `/usage/export?format=csv&${window}&keyId=${keys[1]!.id}`);
        const [, first] = parseCsv(await other.text());
        expect(first![3]).toBe("'=cmd|calc");
      });

      it('exports the log as NDJSON, one record per line, for the same filters as /usage/logs', async () => {
        const f = { route: 'orders', status: '5xx' };
        const res = await get('admin', `/usage/export?format=ndjson&${window}${qs(f)}`);
        expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
        const lines = (await res.text())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as UsageLogRecord);
        expect(lines.map(toGotRow)).toEqual(
          visible('admin', f)
            .sort(newestFirst)
            .map((r) => [r.id, r.status]),
        );
      });
      const toGotRow = (r: UsageLogRecord) => [r.id, r.statusCode];

      it('exports a grouped table whole (no top-N cut), in value order', async () => {
        for (const format of ['csv', 'ndjson'] as const) {
          const res = await get('alice', `/usage/export?format=${format}&${window}&groupBy=path`);
          expect(res.headers.get('content-disposition')).toContain(`usage-by-path-`);
          const text = await res.text();
          const ref = referenceGroups(visible('alice'), 'path').sort((a, b) => (a.value < b.value ? -1 : 1));
          const got =
            format === 'csv'
              ? parseCsv(text)
                  .slice(1)
                  .map((l) => [l[0], Number(l[2]), Number(l[3]), Number(l[9])])
              : text
                  .trim()
                  .split('\n')
                  .map((l) => JSON.parse(l))
                  .map((g) => [g.value, g.requests, g.errors, g.requestBytes]);
          expect(got).toEqual(ref.map((g) => [g.value, g.requests, g.errors, g.requestBytes]));
        }
      });

      it("exports nothing of another user's", async () => {
        const bobKey = keys.find((k) => k.userId === bob.userId)!.id;
        for (const q of [`keyId=${bobKey}`, `userId=${bob.userId}`, `userId=${bob.userId}&groupBy=key`]) {
          const res = await get('alice', `/usage/export?format=ndjson&${window}&${q}`);
          expect(res.status).toBe(200);
          expect(await res.text()).toBe('');
        }
        const res = await get('alice', `/usage/export?format=ndjson&${window}&groupBy=user`);
        expect(
          (await res.text())
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).value),
        ).toEqual([alice.userId]);
      });

      it('answers bad parameters with problem+json 400s, a log window over 31 days included', async () => {
        const long = `from=${new Date(now - 40 * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`;
        for (const q of ['', 'format=xml', 'format=csv&groupBy=colour', `format=csv&${long}`, 'format=csv&limit=5']) {
          await expectProblem(await get('alice', `/usage/export?${q}`), 400, 'VALIDATION_FAILED');
        }
        // A grouped export may cover the longer window.
        expect((await get('alice', `/usage/export?format=csv&${long}&groupBy=route`)).status).toBe(200);
      });
    });

    it('GET /usage/:keyId keeps answering for key ids, after /usage/logs and /usage/export', async () => {
      const res = await get('alice', `/usage/${keys[0]!.id}?${window}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { totals: { requests: number } }).totals.requests).toBe(
        rows.filter((r) => r.keyId === keys[0]!.id).length,
      );
      await expectProblem(await get('alice', `/usage/${keys[2]!.id}`), 404, 'NOT_FOUND');
    });
  },
);
