import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey } from '../support/proxy-client.js';
import { createRoute } from '../support/routes.js';
import { startUpstream } from '../support/upstream.js';
import { openDatabase } from '../support/usage-db.js';

interface Row {
  route: string;
  user_id: string;
  method: string;
  path: string;
  status_code: number;
  request_bytes: number;
  response_bytes: number;
  client_ip: string | null;
}

// What each usage record carries besides key, method, path, status and latency (issue 14 item 2):
// the route, the owner, body bytes both ways (what crossed the gateway), the client address if asked.
describe.each([
  ['postgres', false],
  ['pglite', true],
] as const)('usage records: route, owner, bytes, client address (%s, USAGE_LOG_CLIENT_IP=%s)', (backend, logIp) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    // Reads the whole body, then answers with `/size/<n>` bytes (or 204).
    upstream = await startUpstream(async (req, res) => {
      for await (const _ of req);
      const n = Number(req.url?.split('/')[2] ?? 0);
      if (!n) return res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // In pieces, as a streamed answer arrives.
      const piece = Buffer.alloc(Math.ceil(n / 3), 'x');
      let left = n;
      while (left > 0) {
        res.write(piece.subarray(0, Math.min(left, piece.length)));
        left -= piece.length;
      }
      res.end();
    });
    gw = await startTestGateway({
      backend,
      upstreamUrl: upstream.url,
      env: { USAGE_FLUSH_INTERVAL_MS: '50', USAGE_LOG_CLIENT_IP: String(logIp) },
    });
    await createRoute(gw, { name: 'sized', prefix: '/sized', targets: [upstream.url], stripPrefix: false });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  async function rowsOf(keyId: string, n: number): Promise<Row[]> {
    const sql = await openDatabase(gw);
    try {
      return await eventually(async () => {
        const { rows } = await sql.query<Row>(
          `SELECT route, user_id, method, path, status_code, request_bytes::float8 AS request_bytes,
                  response_bytes::float8 AS response_bytes, host(client_ip) AS client_ip
             FROM usage_logs WHERE api_key_id = $1 ORDER BY "timestamp", path`,
          [keyId],
        );
        expect(rows).toHaveLength(n);
        return rows;
      });
    } finally {
      await sql.close();
    }
  }

  it('records the route, the owner and the body bytes both ways, streamed or not', async () => {
    const k = await createKey(gw, { limitPerMinute: 1_000 });
    const call = async (path: string, method: string, body?: Buffer | Readable) => {
      const res = await request(`${gw.url}/proxy${path}`, { method, body, headers: { 'x-api-key': k.key } });
      const got = Buffer.from(await res.body.arrayBuffer());
      return [res.statusCode, got.length];
    };
    expect(await call('/sized/12345', 'POST', Buffer.alloc(70_000, 'a'))).toEqual([200, 12_345]);
    // A chunked upload (no Content-Length) of 3 × 10,000 bytes.
    const chunks = async function* () {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(10_000, 'b');
    };
    expect(await call('/sized/1', 'PUT', Readable.from(chunks()))).toEqual([200, 1]);
    expect(await call('/other', 'GET')).toEqual([204, 0]);
    await new Promise((r) => setTimeout(r, 5));
    const rows = await rowsOf(k.id, 3);
    const ip = logIp ? '127.0.0.1' : null;
    expect(rows.map((r) => [r.route, r.user_id, r.method, r.path, r.request_bytes, r.response_bytes])).toEqual([
      ['sized', k.userId, 'POST', '/sized/12345', 70_000, 12_345],
      ['sized', k.userId, 'PUT', '/sized/1', 30_000, 1],
      ['default', k.userId, 'GET', '/other', 0, 0],
    ]);
    for (const r of rows) expect([r.client_ip === null ? null : r.client_ip.replace(/^::ffff:/, '')]).toEqual([ip]);
  });

  it("records a known key's refusal with the route it asked for and the problem document's size", async () => {
    const k = await createKey(gw);
    await gw.admin(`/keys/${k.id}`, { method: 'PATCH', body: JSON.stringify({ active: false }) });
    // The disabled key reaches the proxy without a cached "active" copy: wait until it is refused.
    const refused = await eventually(async () => {
      const res = await request(`${gw.url}/proxy/sized/5`, {
        method: 'POST',
        body: 'hello',
        headers: { 'x-api-key': k.key },
      });
      const text = await res.body.text();
      expect(res.statusCode).toBe(403);
      return Buffer.byteLength(text);
    });
    const rows = await rowsOf(k.id, 1);
    // The body was never streamed upstream: none of its bytes count.
    expect(rows.map((r) => [r.route, r.status_code, r.request_bytes, r.response_bytes])).toEqual([
      ['sized', 403, 0, refused],
    ]);
  });
});
