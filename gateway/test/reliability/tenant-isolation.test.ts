import type { ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { readMetric } from '../support/metrics.js';
import { expectProblem } from '../support/problem.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const IN_FLIGHT = 'gateway_proxy_in_flight_requests';

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

/** A controlled upstream with a gateway (PostgreSQL, Redis) in front of it, configured by `env`. */
async function startSetup(env: Record<string, string>) {
  const upstream = await startControlledUpstream();
  const gw = await startTestGateway({ backend: 'postgres', redis: true, upstreamUrl: upstream.url, env });
  return { upstream, gw };
}

/** A raw connection that sends `head` and then one body byte every `everyMs`, and keeps what comes back. */
function slowUpload(gatewayUrl: string, key: string, everyMs: number) {
  const { hostname, port } = new URL(gatewayUrl);
  const socket: Socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (c: Buffer) => {
    received += c.toString('latin1');
  });
  socket.on('error', () => {});
  socket.write(
    `POST /proxy/upload HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n`,
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write('x');
  }, everyMs);
  return {
    socket,
    received: () => received,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('one key cannot stall the other tenants (KEY_MAX_IN_FLIGHT)', () => {
  const CONNECTIONS = 8;
  const MAX_IN_FLIGHT = 4;
  let upstream: Awaited<ReturnType<typeof startControlledUpstream>>;
  let gw: TestGateway;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    ({ upstream, gw } = await startSetup({
      UPSTREAM_CONNECTIONS: String(CONNECTIONS),
      KEY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
    }));
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    upstream.releaseAll();
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it("answers another key promptly while one key's slow uploads would fill the whole upstream pool", async () => {
    const greedy = await createKey(gw, { limitPerMinute: 10_000 });
    const other = await createKey(gw, { limitPerMinute: 10_000 });
    // Before the cap: 8 of these held all 8 connections, and the other key's request waited for one
    // of the uploads to end (with the default REQUEST_TIMEOUT_MS, up to 300 s).
    const uploads = Array.from({ length: 3 * CONNECTIONS }, () => slowUpload(gw.url, greedy.key, 1_000));
    for (const u of uploads) cleanups.push(u.stop);
    const refused = () => uploads.filter((u) => u.received().startsWith('HTTP/1.1 429 ')).length;
    // Every upload has reached the upstream or been answered, or the pool is full.
    await eventually(
      () => expect(upstream.open === CONNECTIONS || upstream.open + refused() === uploads.length).toBe(true),
      10_000,
    );

    const started = performance.now();
    const res = await fetch(`${gw.url}/proxy/other`, {
      headers: { 'x-api-key': other.key },
      signal: AbortSignal.timeout(8_000),
    });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeLessThan(2_000);

    // The greedy key got exactly its share; the rest were told why, and when to come back.
    expect(upstream.seen.filter((u) => u === '/upload')).toHaveLength(MAX_IN_FLIGHT);
    await eventually(() => expect(refused()).toBe(uploads.length - MAX_IN_FLIGHT));
    const answer = uploads.find((u) => u.received().startsWith('HTTP/1.1 429 '))!.received();
    expect(answer).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(answer).toContain('"code":"TOO_MANY_IN_FLIGHT"');
  });

  it('charges no quota for a request refused for being over the cap', async () => {
    const key = await createKey(gw, { limitPerMinute: MAX_IN_FLIGHT + 1 });
    const hanging = Array.from({ length: MAX_IN_FLIGHT }, () =>
      fetch(`${gw.url}/proxy/hang`, { headers: { 'x-api-key': key.key } }),
    );
    await eventually(() => expect(upstream.open).toBe(MAX_IN_FLIGHT));
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key.key } });
      const problem = await expectProblem(res, 429, 'TOO_MANY_IN_FLIGHT');
      expect(problem.detail).toContain(`${MAX_IN_FLIGHT} requests in progress`);
      expect(res.headers.get('retry-after')).toBe('1');
    }
    upstream.releaseAll();
    for (const res of await Promise.all(hanging)) expect(res.status).toBe(200);
    // MAX_IN_FLIGHT of MAX_IN_FLIGHT + 1 used: the five refusals cost nothing.
    const last = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key.key } });
    expect(last.status).toBe(200);
    expect(last.headers.get('x-ratelimit-remaining-minute')).toBe('0');
  });
});

describe('slots and the upstream pool under faults (UPSTREAM_CONNECTIONS=4, UPSTREAM_TIMEOUT_MS=3000)', () => {
  const QUEUE_TIMEOUT_MS = 1_000;
  let upstream: Awaited<ReturnType<typeof startControlledUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    ({ upstream, gw } = await startSetup({
      UPSTREAM_CONNECTIONS: '4',
      UPSTREAM_TIMEOUT_MS: '3000',
      UPSTREAM_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
      KEY_MAX_IN_FLIGHT: '2',
    }));
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

  it('gives every slot back, whatever ends the request', async () => {
    const key = await createKey(gw, { limitPerMinute: 10_000 });
    const headers = { 'x-api-key': key.key };
    const proxied = (path: string, init: RequestInit = {}) => fetch(`${gw.url}/proxy${path}`, { headers, ...init });

    // The client leaves while the upstream works on the request (recorded as 499).
    const leaving = new AbortController();
    const left = proxied('/hang-1', { signal: leaving.signal }).catch(() => null);
    await eventually(() => expect(upstream.seen).toContain('/hang-1'));
    leaving.abort();
    await left;
    // The client leaves in the middle of the response body.
    const streaming = await proxied('/stream');
    expect(streaming.status).toBe(200);
    await streaming.body!.cancel();
    // The upstream drops the connection (502) or stays silent (504).
    expect((await proxied('/reset')).status).toBe(502);
    expect((await proxied('/hang-silent')).status).toBe(504);
    // Refused by the rate limiter after the slot was taken.
    const limited = await createKey(gw, { limitPerMinute: 1 });
    expect((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': limited.key } })).status).toBe(200);
    expect((await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': limited.key } })).status).toBe(429);
    // Waiting for a connection: timed out (503), or the client leaves first.
    const pool = await fillPool();
    expect((await proxied('/queued')).status).toBe(503);
    const impatient = new AbortController();
    const gone = proxied('/queued-2', { signal: impatient.signal }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    impatient.abort();
    await gone;
    await pool.release();
    // Pipelined requests still waiting for their turn when the client hangs up.
    const { hostname, port } = new URL(gw.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => {});
    const request = (path: string) => `GET /proxy${path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key.key}\r\n\r\n`;
    socket.write(request('/hang-pipelined') + request('/x') + request('/x'));
    await eventually(() => expect(upstream.seen).toContain('/hang-pipelined'));
    socket.destroy();

    await eventually(async () => expect(await readMetric(gw.managementUrl, IN_FLIGHT)).toBe(0));
    // And the key still has both of its slots.
    const controller = new AbortController();
    const two = [1, 2].map(() => proxied('/hang-again', { signal: controller.signal }).catch(() => null));
    await eventually(() => expect(upstream.seen.filter((u) => u === '/hang-again')).toHaveLength(2));
    expect(await readMetric(gw.managementUrl, IN_FLIGHT)).toBe(2);
    await expectProblem(await proxied('/third'), 429, 'TOO_MANY_IN_FLIGHT');
    controller.abort();
    await Promise.all(two);
    await eventually(async () => expect(await readMetric(gw.managementUrl, IN_FLIGHT)).toBe(0));
    expect(upstream.seen).not.toContain('/queued');
    expect(upstream.seen).not.toContain('/queued-2');
  });
});
