import { connect, type Socket } from 'node:net';
import { ProblemSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const HEADERS_TIMEOUT_MS = 1_000; // the smallest the config allows
const REQUEST_TIMEOUT_MS = 2_000;

/** A raw client connection that records everything the gateway sends and when it hangs up. */
function openRaw(url: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  socket.on('error', () => {});
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - opened)));
  return { socket, closed, text: () => Buffer.concat(received).toString('latin1') };
}

/** Writes `parts` one by one, `everyMs` apart, for as long as the socket is open. */
function trickle(socket: Socket, parts: () => string, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(parts());
  }, everyMs);
  return () => clearInterval(timer);
}

describe('slow clients', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let key: string;
  const upstreamRequests: { url: string; aborted: boolean }[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const entry = { url: req.url ?? '', aborted: false };
      upstreamRequests.push(entry);
      req.on('aborted', () => {
        entry.aborted = true;
      });
      req.on('error', () => {});
      if (req.url === '/early-answer') {
        // Answers (and streams) before the request body is in: full-duplex, as some APIs do.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('tick\n'), 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    });
    key = (await createKey(gw, { limitPerMinute: 10_000 })).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  it.each(['/health', '/proxy/x'])(
    'closes a slowloris connection (%s) whose headers do not arrive within HEADERS_TIMEOUT_MS',
    async (path) => {
      const c = openRaw(gw.url);
      c.socket.write(`GET ${path} HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\n`);
      let n = 0;
      const stop = trickle(c.socket, () => `X-Slow-${n++}: a\r\n`, 150);
      const after = await c.closed;
      stop();
      // Node checks header deadlines on an interval; server.ts sets it to ≤ 1 s (default: 30 s).
      expect(after).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
      expect(after).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000);
      expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
    },
  );

  it('closes a connection that opens and sends nothing', async () => {
    const c = openRaw(gw.url);
    const after = await c.closed;
    expect(after).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000);
  });

  it('bounds a slow upload by REQUEST_TIMEOUT_MS and aborts the upstream request', async () => {
    const before = upstreamRequests.length;
    const c = openRaw(gw.url);
    c.socket.write(
      `POST /proxy/upload HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`,
    );
    const stop = trickle(c.socket, () => 'x'.repeat(10), 100);
    const after = await c.closed;
    stop();
    expect(after).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(after).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
    // The request reached the upstream (bodies stream) and was aborted there, not left hanging.
    expect(upstreamRequests.length).toBe(before + 1);
    await eventually(() => expect(upstreamRequests.at(-1)!.aborted).toBe(true));
  });

  it('never writes a second status line into a response that has already started', async () => {
    const c = openRaw(gw.url);
    c.socket.write(
      `POST /proxy/early-answer HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Length: 100000\r\n\r\n`,
    );
    const stop = trickle(c.socket, () => 'x', 100);
    const after = await c.closed;
    stop();
    expect(after).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
    const text = c.text();
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('tick');
    // A "408" written now would land inside the body of the 200: the client must just be cut off.
    expect(text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });

  it('keeps serving everyone else meanwhile', async () => {
    const slow = Array.from({ length: 20 }, () => openRaw(gw.url));
    for (const c of slow) c.socket.write('GET /health HTTP/1.1\r\n');
    const res = await fetch(`${gw.url}/proxy/x`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    await Promise.all(slow.map((c) => c.closed));
  });
});

describe('stalled request bodies', () => {
  const BODY_IDLE_TIMEOUT_MS = 1_000; // the smallest the config allows
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let key: string;
  const upstreamRequests: { url: string; aborted: boolean }[] = [];

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      const entry = { url: req.url ?? '', aborted: false };
      upstreamRequests.push(entry);
      req.on('aborted', () => {
        entry.aborted = true;
      });
      req.on('error', () => {});
      if (req.url === '/early-answer') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('started\n');
        return;
      }
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    // REQUEST_TIMEOUT_MS keeps its default (300 s): the body idle timeout alone must end a stall.
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: {
        BODY_IDLE_TIMEOUT_MS: String(BODY_IDLE_TIMEOUT_MS),
      },
    });
    key = (await createKey(gw, { limitPerMinute: 10_000 })).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  /** The problem document of a raw answer (the body after the head). */
  const problemIn = (text: string) => ProblemSchema.parse(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)));

  it('answers 408 problem+json to a proxied upload that stalls, and aborts the upstream request', async () => {
    const before = upstreamRequests.length;
    const c = openRaw(gw.url);
    c.socket.write(`POST /proxy/upload HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Length: 1000000\r\n\r\nx`);
    // Before: the stalled upload held its socket and an upstream connection for REQUEST_TIMEOUT_MS (300 s).
    const after = await c.closed;
    expect(after).toBeGreaterThanOrEqual(BODY_IDLE_TIMEOUT_MS - 50);
    expect(after).toBeLessThan(BODY_IDLE_TIMEOUT_MS + 3_000);
    expect(c.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect(c.text()).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(problemIn(c.text()).code).toBe('REQUEST_TIMEOUT');
    expect(upstreamRequests.length).toBe(before + 1);
    await eventually(() => expect(upstreamRequests.at(-1)!.aborted).toBe(true));
  });

  it('cuts a stalled upload whose proxied answer has already started', async () => {
    const c = openRaw(gw.url);
    c.socket.write(
      `POST /proxy/early-answer HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Length: 1000000\r\n\r\nx`,
    );
    const after = await c.closed;
    expect(after).toBeLessThan(BODY_IDLE_TIMEOUT_MS + 3_000);
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.text().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    await eventually(() => expect(upstreamRequests.at(-1)!.aborted).toBe(true));
  });

  it('answers 408 to 20 management bodies sending one byte and then nothing', async () => {
    // Before: 20 slow `POST /users` bodies stayed open for minutes (REQUEST_TIMEOUT_MS).
    const slow = Array.from({ length: 20 }, () => openRaw(gw.managementUrl));
    for (const c of slow) {
      c.socket.write(
        'POST /users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
    }
    const after = await Promise.all(slow.map((c) => c.closed));
    expect(Math.max(...after)).toBeLessThan(BODY_IDLE_TIMEOUT_MS + 3_000);
    for (const c of slow) expect(problemIn(c.text()).status).toBe(408);
  });

  it('does not time out a body that keeps arriving, however slowly', async () => {
    const c = openRaw(gw.url);
    const body = 'x'.repeat(12);
    c.socket.write(
      `POST /proxy/trickle HTTP/1.1\r\nHost: gw\r\nX-API-Key: ${key}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    let sent = 0;
    const stop = trickle(c.socket, () => body[sent++] ?? '', BODY_IDLE_TIMEOUT_MS / 4);
    await c.closed;
    stop();
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 /);
  });

});

