import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { sampleMemory } from '../support/memory.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const ROWS = 200_000;
// The CSV of 200k rows is ~50 MB: a gateway that built it in memory (or read every row at once)
// would grow by at least that much. Page by page it holds a few thousand rows at a time.
const LIVE_BOUND = 24 * 1024 * 1024;

describe('GET /usage/export at volume (postgres)', () => {
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let keyId: string;
  const to = new Date();
  const from = new Date(to.getTime() - 20 * 3_600_000);

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    keyId = (await createKey(gw)).id;
    await gw.gateway.services.db.sql.query(
      `INSERT INTO usage_logs (id, api_key_id, user_id, route, method, path, status_code, latency_ms, "timestamp",
                               request_bytes, response_bytes)
       SELECT gen_random_uuid(), $1, (SELECT user_id FROM api_keys WHERE id = $1), 'default',
              CASE WHEN i % 3 = 0 THEN 'POST' ELSE 'GET' END, '/v1/items/' || (i % 5000) || '/details',
              CASE WHEN i % 10 = 0 THEN 404 ELSE 200 END, (i % 500) / 10.0,
              $2::timestamptz + (i * ($3::float8 / $4)) * interval '1 millisecond', i % 1000, i % 70000
         FROM generate_series(1, $4::int) AS i`,
      [keyId, from, to.getTime() - from.getTime() - 1, ROWS],
    );
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it('streams 200k rows of CSV with flat memory, every row once, and backpressure from a slow reader', async () => {
    const res = await gw.admin(
      `/usage/export?format=csv&keyId=${keyId}&from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    expect(res.status).toBe(200);
    const memory = sampleMemory(500);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let lines = 0;
    let bytes = 0;
    let tail = '';
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      const text = tail + decoder.decode(value, { stream: true });
      const parts = text.split('\r\n');
      tail = parts.pop()!;
      lines += parts.length;
      // A slow reader at first: the gateway must wait for it rather than queue the rest in memory.
      if (++reads < 40) await new Promise((r) => setTimeout(r, 25));
    }
    const growth = memory.stop();
    expect(tail).toBe('');
    expect(lines).toBe(ROWS + 1);
    expect(bytes).toBeGreaterThan(30_000_000);
    expect(growth).toBeLessThan(LIVE_BOUND);
  }, 180_000);
});
