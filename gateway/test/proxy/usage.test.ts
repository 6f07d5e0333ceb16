import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/keys/api-key.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';
import { openDatabase, usageCount, usageRows } from '../support/usage-db.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const STATUSES = [200, 201, 404, 500] as const;

/** Runs `jobs` with at most `concurrency` in flight. */
async function pooled<T>(n: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await job(i);
      }
    }),
  );
  return out;
}

describe.each(['postgres', 'pglite'] as const)('/proxy usage logging (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let agent: Agent;

  beforeAll(async () => {
    // /s/<status>/… answers with that status, after a short delay so requests overlap.
    upstream = await startUpstream((req, res) => {
      const status = Number(req.url?.split('/')[2]) || 200;
      setTimeout(() => res.writeHead(status).end(), req.url?.includes('slow') ? 50 : 0);
    });
    // 40 slow requests at once from one key (graceful stop under load): above the default in-flight cap.
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url, env: { KEY_MAX_IN_FLIGHT: '100' } });
    agent = new Agent({ connections: 50 });
  });
  afterAll(async () => {
    await agent?.close();
    await gw?.stop();
    await upstream?.close();
  });

  const send = (key: string, method: string, path: string) =>
    request(`${gw.url}/proxy${path}`, { dispatcher: agent, method, headers: { 'x-api-key': key } }).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode;
      },
    );

  it('writes exactly one row per proxied request, with its fields', async () => {
    const k = await createKey(gw, { limitPerMinute: 10_000 });
    const startedAt = Date.now();
    const expected = await pooled(1_000, 50, async (i) => {
      const [method, status] = [METHODS[i % 4]!, STATUSES[Math.floor(i / 4) % 4]!];
      const path = `/s/${status}/item-${i % 7}`;
      expect(await send(k.key, method, `${path}?page=${i}&api_key=ignored`)).toBe(status);
      return `${method} ${path} ${status}`;
    });
    const endedAt = Date.now();
    const sql = await openDatabase(gw);
    await eventually(async () => expect(await usageCount(sql, k.id)).toBe(1_000), 10_000);
    const rows = await usageRows(sql, k.id);
    // Same multiset of (method, path without query, status) as sent.
    expect(rows.map((r) => `${r.method} ${r.path} ${r.status_code}`).sort()).toEqual(expected.sort());
    for (const r of rows) {
      expect(r.latency_ms).toBeGreaterThan(0);
      expect(r.timestamp.getTime()).toBeGreaterThanOrEqual(startedAt - 5); // stored to the millisecond
      expect(r.timestamp.getTime()).toBeLessThanOrEqual(endedAt + 5);
    }
    await sql.close();
  });

  it('logs the 429s and 403s a known key receives, and nothing for unknown keys', async () => {
    // Sent first: records are written in order, so once the later ones are in, it would be too.
    expect(await send(generateApiKey().key, 'GET', '/s/200/unknown')).toBe(401);
    const k = await createKey(gw, { limitPerMinute: 2 });
    const statuses = await pooled(5, 1, () => send(k.key, 'GET', '/s/200/limited'));
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    await gw.admin(`/keys/${k.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    expect(await send(k.key, 'GET', '/s/200/disabled')).toBe(403);

    const sql = await openDatabase(gw);
    try {
      await eventually(async () => expect(await usageCount(sql, k.id)).toBe(6), 5_000);
      const rows = (await usageRows(sql, k.id)).map((r) => `${r.path} ${r.status_code}`).sort();
      expect(rows).toEqual([
        '/s/200/disabled 403',
        '/s/200/limited 200',
        '/s/200/limited 200',
        '/s/200/limited 429',
        '/s/200/limited 429',
        '/s/200/limited 429',
      ]);
      const unknown = await sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM usage_logs WHERE path = '/s/200/unknown'",
      );
      expect(unknown.rows[0]!.n).toBe(0);
    } finally {
      await sql.close();
    }
  });

  // Last: it stops the gateway.
  it('has every answered request in the database after a graceful stop under load', async () => {
    const k = await createKey(gw, { limitPerMinute: 10_000 });
    const flushedBefore = await flushed(gw);
    let answered = 0;
    let answeredWhileStopping = 0;
    let failed = 0;
    let stopping: Promise<void> | undefined;
    await pooled(400, 40, async (i) => {
      if (i === 150) stopping = gw.gateway.stop(); // while ~40 requests are in flight
      try {
        if ((await send(k.key, 'GET', `/s/200/slow-${i}`)) === 200) {
          answered++;
          if (stopping) answeredWhileStopping++;
        }
      } catch {
        failed++; // refused (or reset on an idle keep-alive socket) once the gateway closes
      }
    });
    await stopping;
    // The stop really happened under load: requests in flight were drained, later ones refused.
    expect(answeredWhileStopping).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(answered + failed).toBe(400);
    expect(gw.gateway.services.usage.dropped).toBe(0);
    expect((await flushed(gw)) - flushedBefore).toBe(answered);
    if (backend === 'postgres') {
      // The gateway's pool is closed: count through a connection of our own.
      const sql = await openDatabase(gw);
      expect(await usageCount(sql, k.id)).toBe(answered);
      await sql.close();
    }
  });
});

/** Usage records the gateway has written so far (its metric survives a stop; in-memory PGlite does not). */
async function flushed(gw: TestGateway): Promise<number> {
  return (await gw.gateway.services.metrics.usageFlushed.get()).values[0]?.value ?? 0;
}
