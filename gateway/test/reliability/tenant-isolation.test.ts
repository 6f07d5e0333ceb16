import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { readMetric } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

/**
 * An upstream whose `/hang` requests get no answer until the test releases them, `/upload` answers
 * once the whole body is in, `/reset` drops the connection, `/stream` never finishes its body.
 */
async function startControlledUpstream() {
  const hung = new Set<ServerResponse>();
  const seen: string[] = [];
  let open = 0;
  const upstream = await startUpstream((req, res) => {
    seen.push(req.url ?? '');
    open++;
    res.on('close', () => {
      open--;
      hung.delete(res);
    });
    req.on('error', () => {});
    if (req.url?.startsWith('/hang')) return void hung.add(res);
    if (req.url === '/reset') return void req.socket.destroy();
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      return void hung.add(res);
    }
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  return {
    ...upstream,
    seen,
    /** Requests the upstream is working on right now. */
    get open() {
      return open;
    },
    /** Answers every hung request. */
    releaseAll() {
      for (const res of hung) res.end('released');
      hung.clear();
    },
  };
}

describe('a full upstream pool (UPSTREAM_CONNECTIONS=4, UPSTREAM_TIMEOUT_MS=3000)', () => {
  const QUEUE_TIMEOUT_MS = 1_000;
  let upstream: Awaited<ReturnType<typeof startControlledUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await startControlledUpstream();
    gw = await startTestGateway({
      backend: 'postgres',
      redis: true,
      upstreamUrl: upstream.url,
      env: {
        UPSTREAM_CONNECTIONS: '4',
        UPSTREAM_TIMEOUT_MS: '3000',
        UPSTREAM_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
      },
    });
  });
  afterEach(() => upstream.releaseAll());
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** Fills all 4 upstream connections with hung requests (two keys, two each); resolves once they are in. */
  async function fillPool() {
    const [a, b] = await Promise.all([createKey(gw), createKey(gw)]);
    const controller = new AbortController();
    const hung = [a, a, b, b].map((k) =>
      fetch(`${gw.url}/proxy/hang`, { headers: { 'x-api-key': k.key }, signal: controller.signal }).catch(() => null),
    );
    await eventually(() => expect(upstream.open).toBe(4));
    return {
      release: async () => {
        controller.abort();
        await Promise.all(hung);
      },
    };
  }

  it('answers a request that finds every connection busy with 503 within UPSTREAM_QUEUE_TIMEOUT_MS, and never sends it', async () => {
    const pool = await fillPool();
    const key = await createKey(gw);
    const started = performance.now();
    const res = await fetch(`${gw.url}/proxy/hang-fifth`, {
      headers: { 'x-api-key': key.key },
      signal: AbortSignal.timeout(15_000),
    });
    const elapsed = performance.now() - started;
    // Before: it waited in the pool's queue, unbounded, until a hung request's 504 freed a connection
    // (UPSTREAM_TIMEOUT_MS: 3 s here, 30 s by default), then was sent and hung itself: 504 after ~6 s.
    await expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(elapsed).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(QUEUE_TIMEOUT_MS + 1_500);
    // Connections free up again: the abandoned request must not go out then.
    await pool.release();
    await eventually(() => expect(upstream.open).toBe(0));
    const after = await fetch(`${gw.url}/proxy/after`, { headers: { 'x-api-key': key.key } });
    expect(after.status).toBe(200);
    expect(upstream.seen).not.toContain('/hang-fifth');
    expect(await readMetric(gw.managementUrl, 'gateway_upstream_errors_total', { kind: 'pool_wait' })).toBe(1);
  });
});
