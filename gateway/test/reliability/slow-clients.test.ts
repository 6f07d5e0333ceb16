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
function openRaw(url: string, localAddress?: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect({ port: Number(port), host: hostname, ...(localAddress ? { localAddress } : {}) });
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

/** An upstream that records each request and whether it was aborted. */
async function startRecordingUpstream(requests: { url: string; aborted: boolean }[]) {
  const upstream = await startUpstream((req, res) => {
    const entry = { url: req.url ?? '', aborted: false };
    requests.push(entry);
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
  return { ...upstream, requests };
}
type RecordingUpstream = Awaited<ReturnType<typeof startRecordingUpstream>>;

describe('slow clients', () => {
  let upstream: RecordingUpstream;
  let gw: TestGateway;
  let key: string;
  const upstreamRequests: RecordingUpstream['requests'] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream(upstreamRequests);
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

describe('stalled request bodies and connection caps', () => {
  const BODY_IDLE_TIMEOUT_MS = 1_000; // the smallest the config allows
  const PER_ADDRESS = 20;
  let upstream: RecordingUpstream;
  let gw: TestGateway;
  let key: string;
  const upstreamRequests: RecordingUpstream['requests'] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream(upstreamRequests);
    // REQUEST_TIMEOUT_MS keeps its default (300 s): the body idle timeout alone must end a stall.
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: {
        BODY_IDLE_TIMEOUT_MS: String(BODY_IDLE_TIMEOUT_MS),
        MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
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
    const slow = Array.from({ length: 20 }, () => openRaw(gw.managementUrl, '127.0.0.3'));
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

  it('closes connections over MAX_CONNECTIONS_PER_ADDRESS at once, serves other addresses, and frees slots', async () => {
    // Before: nothing capped connections: 1,100 slow ones from one address used up a 1,024 fd limit
    // and /health and /proxy refused connections for everyone.
    const held = Array.from({ length: PER_ADDRESS }, () => openRaw(gw.url, '127.0.0.2'));
    // An open connection that got in answers a request; order of acceptance is not guaranteed, so
    // wait until all of them are established before opening more.
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once('connect', r))));
    await eventually(async () => {
      const res = await rawRequestFrom('127.0.0.4', `${gw.url}/health`);
      expect(res).toBe(200);
    });
    const extra = Array.from({ length: 5 }, () => openRaw(gw.url, '127.0.0.2'));
    const extraClosed = await Promise.all(extra.map((c) => c.closed));
    expect(Math.max(...extraClosed)).toBeLessThan(1_000);
    for (const c of extra) expect(c.text()).toBe('');
    // Everyone else is still served, on both routes.
    expect(await rawRequestFrom('127.0.0.4', `${gw.url}/health`)).toBe(200);
    expect(await rawRequestFrom('127.0.0.4', `${gw.url}/proxy/x`, key)).toBe(200);
    // The held connections still work, and closing them frees their slots (the count does not leak).
    held[0]!.socket.write('GET /health HTTP/1.1\r\nHost: gw\r\n\r\n');
    await eventually(() => expect(held[0]!.text()).toMatch(/^HTTP\/1\.1 200 /));
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    await eventually(async () => {
      const again = Array.from({ length: PER_ADDRESS }, () => rawRequestFrom('127.0.0.2', `${gw.url}/health`));
      expect(await Promise.all(again)).toEqual(Array(PER_ADDRESS).fill(200));
    });
  });
});

/** GET `url` on a fresh connection from `localAddress`; resolves with the status (0: refused or cut). */
function rawRequestFrom(localAddress: string, url: string, key?: string): Promise<number> {
  const { pathname } = new URL(url);
  const c = openRaw(url, localAddress);
  c.socket.write(
    `GET ${pathname} HTTP/1.1\r\nHost: gw\r\n${key ? `X-API-Key: ${key}\r\n` : ''}Connection: close\r\n\r\n`,
  );
  return c.closed.then(() => Number(/^HTTP\/1\.1 (\d{3})/.exec(c.text())?.[1] ?? 0));
}
