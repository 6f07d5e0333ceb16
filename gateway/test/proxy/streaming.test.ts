import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred, eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { sampleMemory } from '../support/memory.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const MiB = 1024 * 1024;
const CHUNK = randomBytes(64 * 1024);
const CHUNKS = 800; // 50 MiB
const TOTAL = CHUNK.length * CHUNKS;
const EXPECTED_SHA = (() => {
  const h = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) h.update(CHUNK);
  return h.digest('hex');
})();
// Client, gateway and upstream share this process, so we bound live memory (heap + Buffers after a
// full GC, see support/memory.ts) rather than RSS: RSS also counts the garbage of the ~150 MiB of
// short-lived chunks the three parties allocate between GCs (measured 12–36 MiB of noise), which says
// nothing about retention. Whole-body buffering anywhere in the process would retain ≥ 50 MiB live;
// streaming with backpressure keeps a few 64 KiB buffers per hop (measured: under 1 MiB), with the
// data in flight in kernel socket buffers, outside the process.
const LIVE_BOUND = 16 * MiB;

/** Resolves when `read()` stops changing for `quietMs`: the stream has stalled on backpressure. */
async function settled(read: () => number, quietMs = 300): Promise<number> {
  let last = -1;
  return eventually(
    async () => {
      const now = read();
      const same = now === last;
      last = now;
      if (!same) throw new Error('still moving');
      return now;
    },
    10_000,
    quietMs,
  );
}

async function writeAll(res: ServerResponse, onWritten: (n: number) => void) {
  for (let i = 0; i < CHUNKS; i++) {
    if (!res.write(CHUNK)) await once(res, 'drain');
    onWritten(CHUNK.length);
  }
  res.end();
}

describe('/proxy streaming', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let key: string;
  let agent: Agent;
  const state = {
    downloadWritten: 0,
    uploadGate: deferred(),
    chunkRead: deferred(),
    closed: new Set<string>(),
    arrived: new Set<string>(),
    trickled: 0,
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '';
    state.arrived.add(path);
    res.on('close', () => state.closed.add(path));
    if (path === '/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      return writeAll(res, (n) => {
        state.downloadWritten += n;
      });
    }
    if (path === '/upload') {
      await state.uploadGate.promise; // do not read the body until the test has looked
      const h = createHash('sha256');
      let bytes = 0;
      for await (const c of req) {
        h.update(c as Buffer);
        bytes += (c as Buffer).length;
      }
      return res.end(JSON.stringify({ bytes, sha: h.digest('hex') }));
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      await state.chunkRead.promise; // the client must see this chunk while we are still open
      return res.end('data: second\n\n');
    }
    if (path === '/drip') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 20);
      return res.on('close', () => clearInterval(timer));
    }
    if (path === '/trickle-up') {
      req.on('data', (c: Buffer) => {
        state.trickled += c.length;
      });
      return;
    }
    // '/hang': never answers.
  }

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => void handle(req, res));
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: upstream.url });
    key = (await createKey(gw)).key;
    agent = new Agent({ connections: 8 });
  });
  afterAll(async () => {
    await agent?.close();
    await gw?.stop();
    await upstream?.close();
  });

  it('streams a 50 MiB download with backpressure and bounded memory', async () => {
    const memory = sampleMemory();
    const res = await request(`${gw.url}/proxy/download`, { dispatcher: agent, headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(200);
    // The client reads nothing yet: the upstream must be held back, not drained into gateway memory.
    const sentWhileStalled = await settled(() => state.downloadWritten);
    const h = createHash('sha256');
    let bytes = 0;
    for await (const c of res.body) {
      h.update(c as Buffer);
      bytes += (c as Buffer).length;
    }
    const growth = memory.stop();
    expect(sentWhileStalled).toBeLessThan(TOTAL / 2);
    expect(bytes).toBe(TOTAL);
    expect(h.digest('hex')).toBe(EXPECTED_SHA);
    expect(growth).toBeLessThan(LIVE_BOUND);
  });

  it('streams a 50 MiB upload with backpressure and bounded memory', async () => {
    let produced = 0;
    async function* body() {
      for (let i = 0; i < CHUNKS; i++) {
        produced += CHUNK.length;
        yield CHUNK;
      }
    }
    const memory = sampleMemory();
    const pending = request(`${gw.url}/proxy/upload`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' },
      body: Readable.from(body()),
    });
    // The upstream is not reading: the client must be held back, not drained into gateway memory.
    const producedWhileStalled = await settled(() => produced);
    state.uploadGate.resolve();
    const res = await pending;
    const echo = (await res.body.json()) as { bytes: number; sha: string };
    const growth = memory.stop();
    expect(producedWhileStalled).toBeLessThan(TOTAL / 2);
    expect(echo).toEqual({ bytes: TOTAL, sha: EXPECTED_SHA });
    expect(growth).toBeLessThan(LIVE_BOUND);
  });

  it('delivers the first chunk of a streamed response before the upstream ends', async () => {
    const res = await request(`${gw.url}/proxy/events`, { dispatcher: agent, headers: { 'x-api-key': key } });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const chunks: string[] = [];
    for await (const c of res.body) {
      chunks.push(c.toString());
      // Had the gateway buffered the body, this loop would never start: the upstream waits for it.
      if (chunks.length === 1) state.chunkRead.resolve();
    }
    expect(chunks[0]).toBe('data: first\n\n');
    expect(chunks.join('')).toBe('data: first\n\ndata: second\n\n');
  }, 5_000);

  it('closes the upstream request when the client goes away before the answer', async () => {
    const controller = new AbortController();
    const pending = request(`${gw.url}/proxy/hang`, {
      dispatcher: agent,
      headers: { 'x-api-key': key },
      signal: controller.signal,
    });
    await eventually(() => expect(state.arrived.has('/hang')).toBe(true));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => expect(state.closed.has('/hang')).toBe(true), 2_000);
  });

  it('closes the upstream request when the client goes away mid-body', async () => {
    const controller = new AbortController();
    const res = await request(`${gw.url}/proxy/drip`, {
      dispatcher: agent,
      headers: { 'x-api-key': key },
      signal: controller.signal,
    });
    const first = await res.body[Symbol.asyncIterator]().next();
    expect(first.value.toString()).toMatch(/^tick/);
    controller.abort();
    await eventually(() => expect(state.closed.has('/drip')).toBe(true), 2_000);
  });

  it('closes the upstream request when the client goes away mid-upload', async () => {
    const controller = new AbortController();
    const body = new PassThrough();
    const pending = request(`${gw.url}/proxy/trickle-up`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'x-api-key': key },
      body,
      signal: controller.signal,
    });
    body.write(CHUNK);
    await eventually(() => expect(state.trickled).toBeGreaterThan(0));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => expect(state.closed.has('/trickle-up')).toBe(true), 2_000);
  });
});
