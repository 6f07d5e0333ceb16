import { UsageResponseSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { as, login } from '../support/management.js';
import { expectProblem } from '../support/problem.js';
import { startUpstream } from '../support/upstream.js';

describe.each(['postgres', 'pglite'] as Backend[])('GET /usage/:keyId (%s)', (backend) => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let owner: { token: string; userId: string };
  let other: { token: string; userId: string };
  let keyId: string;
  const now = Date.now();

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url });
    owner = await login(gw, 'owner@example.com');
    other = await login(gw, 'other@example.com');
    const res = await as(gw, owner.token)('/keys', { method: 'POST', body: { name: 'stats' } });
    keyId = ((await res.json()) as { id: string }).id;
    // 100 requests in the last hour: latencies 1..100 ms; every 10th a 500, every 20th a 429, two redirects.
    const rows = Array.from({ length: 100 }, (_, i) => {
      const status = i === 0 || i === 1 ? 302 : i % 20 === 5 ? 429 : i % 10 === 9 ? 500 : 200;
      return [keyId, 'GET', `/items/${i}`, status, i + 1, new Date(now - (i + 1) * 30_000).toISOString()];
    });
    // One row outside the default 24 h window must not count.
    rows.push([keyId, 'GET', '/old', 200, 5000, new Date(now - 3 * 86_400_000).toISOString()]);
    for (const r of rows) {
      await gw.gateway.services.db.sql.query(
        `INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
         VALUES (gen_random_uuid(), $1, (SELECT user_id FROM api_keys WHERE id = $1), $2, $3, $4, $5, $6)`,
        r,
      );
    }
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('sums requests by status class, counts 429s and computes latency percentiles', async () => {
    const res = await as(gw, owner.token)(`/usage/${keyId}`);
    expect(res.status).toBe(200);
    const usage = UsageResponseSchema.parse(await res.json());
    expect(usage.totals.requests).toBe(100);
    expect(usage.totals.byStatusClass).toEqual({ '2xx': 83, '3xx': 2, '4xx': 5, '5xx': 10 });
    expect(usage.totals.rateLimited).toBe(5);
    expect(usage.latencyMs.avg).toBeCloseTo(50.5, 1);
    expect(usage.latencyMs.p50).toBeCloseTo(50.5, 0);
    expect(usage.latencyMs.p95).toBeGreaterThanOrEqual(94);
    expect(usage.latencyMs.p95).toBeLessThanOrEqual(96);
    expect(usage.latencyMs.p99).toBeGreaterThanOrEqual(98);
  });

  it('gives exact percentiles for a handful of requests far apart in latency', async () => {
    const res = await as(gw, owner.token)('/keys', { method: 'POST', body: { name: 'sparse' } });
    const sparseId = ((await res.json()) as { id: string }).id;
    const latencies = [0.56, 0.75, 1.24, 1.45, 1.57, 1.79, 1.95, 21.5];
    for (const [i, latency] of latencies.entries()) {
      await gw.gateway.services.db.sql.query(
        `INSERT INTO usage_logs (id, api_key_id, user_id, method, path, status_code, latency_ms, "timestamp")
         VALUES (gen_random_uuid(), $1, (SELECT user_id FROM api_keys WHERE id = $1), 'GET', '/x', 200, $2, $3)`,
        [sparseId, latency, new Date(now - (i + 1) * 1000).toISOString()],
      );
    }
    const usage = UsageResponseSchema.parse(await (await as(gw, owner.token)(`/usage/${sparseId}`)).json());
    // percentile_cont: p99 sits at rank 6.93 of 0..7, between 1.95 and 21.5.
    expect(usage.latencyMs.p50).toBeCloseTo(1.51, 1);
    expect(usage.latencyMs.p95).toBeCloseTo(1.95 + 0.65 * 19.55, 0);
    expect(usage.latencyMs.p99).toBeCloseTo(1.95 + 0.93 * 19.55, 0);
  });

  it('returns a gap-free series over the window whose points add up to the total', async () => {
    const usage = UsageResponseSchema.parse(await (await as(gw, owner.token)(`/usage/${keyId}`)).json());
    const step = usage.bucketSeconds * 1000;
    for (let i = 1; i < usage.series.length; i++) {
      expect(Date.parse(usage.series[i]!.t) - Date.parse(usage.series[i - 1]!.t)).toBe(step);
    }
    expect(usage.series.reduce((n, p) => n + p.requests, 0)).toBe(100);
    expect(usage.series.reduce((n, p) => n + p.errors, 0)).toBe(15);
  });

  it('pages through recent logs newest first with a cursor, without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = `limit=30${cursor ? `&cursor=${cursor}` : ''}`;
      const usage = UsageResponseSchema.parse(await (await as(gw, owner.token)(`/usage/${keyId}?${query}`)).json());
      seen.push(...usage.recent.map((r) => r.path));
      cursor = usage.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(100);
    expect(new Set(seen).size).toBe(100);
    expect(seen[0]).toBe('/items/0');
    expect(seen.at(-1)).toBe('/items/99');
  });

  it('honours from/to', async () => {
    const from = new Date(now - 10 * 30_000 - 1).toISOString();
    const to = new Date(now).toISOString();
    const usage = UsageResponseSchema.parse(
      await (await as(gw, owner.token)(`/usage/${keyId}?from=${from}&to=${to}`)).json(),
    );
    expect(usage.totals.requests).toBe(10);
    const week = UsageResponseSchema.parse(
      await (await as(gw, owner.token)(`/usage/${keyId}?from=${new Date(now - 7 * 86_400_000).toISOString()}`)).json(),
    );
    expect(week.totals.requests).toBe(101);
  });

  it('answers an empty window with zeros and null percentiles', async () => {
    const from = new Date(now - 20 * 86_400_000).toISOString();
    const to = new Date(now - 19 * 86_400_000).toISOString();
    const usage = UsageResponseSchema.parse(
      await (await as(gw, owner.token)(`/usage/${keyId}?from=${from}&to=${to}`)).json(),
    );
    expect(usage.totals.requests).toBe(0);
    expect(usage.latencyMs).toEqual({ avg: null, p50: null, p95: null, p99: null });
    expect(usage.recent).toEqual([]);
    expect(usage.nextCursor).toBeNull();
  });

  it('answers 404 for a non-uuid key id, as for any key that does not exist', async () => {
    await expectProblem(await as(gw, owner.token)('/usage/abc'), 404, 'NOT_FOUND');
  });

  it.each([
    ['a bad date', '/usage/KEY?from=yesterday'],
    ['from after to', '/usage/KEY?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'],
    ['a zero limit', '/usage/KEY?limit=0'],
    ['a huge limit', '/usage/KEY?limit=100000'],
    ['a non-numeric limit', '/usage/KEY?limit=ten'],
    ['a garbage cursor', '/usage/KEY?cursor=%24%24%24'],
    ['an undecodable cursor', '/usage/KEY?cursor=abc'],
    ['an unknown parameter', '/usage/KEY?foo=1'],
    ['a bucket size not offered', '/usage/KEY?bucketSeconds=7'],
  ])('answers 400 for %s', async (_name, path) => {
    await expectProblem(await as(gw, owner.token)(path.replace('KEY', keyId)), 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['0001–9999', 'from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', 'from'],
    ['401 days up to now', `from=${new Date(now - 401 * 86_400_000).toISOString()}`, 'from'],
    ['a `from` after now without `to`', `from=${new Date(now + 3_600_000).toISOString()}`, 'from'],
    [
      'minute buckets over a week (10,080 points)',
      `from=${new Date(now - 7 * 86_400_000).toISOString()}&bucketSeconds=60`,
      'bucketSeconds',
    ],
  ])('refuses the window %s with a 400 naming `%s`', async (_name, query, field) => {
    const problem = await expectProblem(
      await as(gw, owner.token)(`/usage/${keyId}?${query}`),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual([field]);
  });

  it('answers the largest window and series allowed, and chooses the bucket when none is asked for', async () => {
    // A minute boundary after every row, so the series lines up with it.
    const to = new Date(Math.ceil(now / 60_000) * 60_000);
    const year = new Date(to.getTime() - 400 * 86_400_000).toISOString();
    const auto = UsageResponseSchema.parse(
      await (await as(gw, owner.token)(`/usage/${keyId}?from=${year}&to=${to.toISOString()}`)).json(),
    );
    expect(auto.bucketSeconds).toBe(604_800);
    expect(auto.totals.requests).toBe(101);
    const minutes = new Date(to.getTime() - 1_500 * 60_000).toISOString();
    const fine = UsageResponseSchema.parse(
      await (
        await as(gw, owner.token)(`/usage/${keyId}?from=${minutes}&to=${to.toISOString()}&bucketSeconds=60`)
      ).json(),
    );
    expect(fine.bucketSeconds).toBe(60);
    expect(fine.series).toHaveLength(1_500);
    expect(fine.series.reduce((n, p) => n + p.requests, 0)).toBe(fine.totals.requests);
  });

  it('answers 404 for another user’s key and for a missing key, 401 without credentials', async () => {
    await expectProblem(await as(gw, other.token)(`/usage/${keyId}`), 404, 'NOT_FOUND');
    await expectProblem(await as(gw, owner.token)('/usage/00000000-0000-4000-8000-000000000000'), 404);
    await expectProblem(await fetch(`${gw.managementUrl}/usage/${keyId}`), 401);
    expect((await gw.admin(`/usage/${keyId}`)).status).toBe(200);
  });
});
