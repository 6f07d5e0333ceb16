import { Readable } from 'node:stream';
import pg from 'pg';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startLoad } from '../support/load.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const STREAM_CHUNKS = 12;
const STREAM_EVERY_MS = 100;
const UPLOAD_CHUNKS = 10;
const UPLOAD_EVERY_MS = 100;

describe('graceful shutdown under load', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/stream') {
        // A slow response: one chunk every 100 ms for 1.2 s.
        res.writeHead(200, { 'content-type': 'text/plain' });
        let i = 0;
        const timer = setInterval(() => {
          res.write(`chunk ${i}\n`);
          if (++i === STREAM_CHUNKS) {
            clearInterval(timer);
            res.end();
          }
        }, STREAM_EVERY_MS);
        res.on('close', () => clearInterval(timer));
        return;
      }
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.on('end', () => res.end(String(bytes)));
    });
    // The database outlives the gateway, so its rows can be counted after the stop.
    db = await createTestDatabase();
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url, databaseUrl: db.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await db?.drop();
  });

  it('finishes started responses and uploads, and writes a usage row for every answered request', async () => {
    const key = await createKey(gw, { limitPerMinute: 1_000_000, limitPerDay: 1_000_000_000 });
    const agent = new Agent({ connections: 4 });

    const load = startLoad(gw.url, { key: key.key, concurrency: 8 });
    await eventually(() => expect(load.result.answered).toBeGreaterThan(50));

    // A slow download whose first bytes are already out…
    const download = await request(`${gw.url}/proxy/stream`, { dispatcher: agent, headers: { 'x-api-key': key.key } });
    expect(download.statusCode).toBe(200);
    const downloadText = download.body.text();
    // …and a slow upload that has started.
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent === UPLOAD_CHUNKS) return this.push(null);
        setTimeout(() => {
          sent++;
          this.push(Buffer.alloc(1000, 97));
        }, UPLOAD_EVERY_MS);
      },
    });
    const upload = request(`${gw.url}/proxy/upload`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'x-api-key': key.key, 'content-type': 'application/octet-stream' },
      body,
    });
    await eventually(() => expect(sent).toBeGreaterThan(1));

    const stopping = gw.gateway.stop();
    // New connections are refused at once, while the started work goes on.
    await eventually(async () => {
      await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
    }, 1_000);
    const t0 = performance.now();
    await stopping;
    // Drained, not timed out: keep-alive clients were told to go (Connection: close) as their
    // requests were answered, so nothing was left to cut when SHUTDOWN_TIMEOUT_MS (5 s) came.
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(gw.logs()).not.toContain('shutdown timeout');
    const result = await load.stop();

    expect(await downloadText).toBe(Array.from({ length: STREAM_CHUNKS }, (_, i) => `chunk ${i}\n`).join(''));
    const uploaded = await upload;
    expect(uploaded.statusCode).toBe(200);
    expect(await uploaded.body.text()).toBe(String(UPLOAD_CHUNKS * 1000));
    await agent.close();

    // Every request that got an answer has its row; requests refused at the door got no answer.
    expect(Object.keys(result.statuses)).toEqual(['200']);
    const answered = result.answered + 2; // + the download and the upload
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM usage_logs WHERE api_key_id = $1',
        [key.id],
      );
      expect(rows[0]!.n).toBe(answered);
    } finally {
      await direct.end();
    }
    expect(gw.logs()).toMatch(/"dropped":0,"msg":"stopped"/);
  });
});
