import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { errors, Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestAbort } from './abort-signal.js';
import { classifyUpstreamError } from './forward.js';

describe('RequestAbort as an undici signal', () => {
  let server: Server;
  let pool: Pool;
  let closedByUs = 0;

  beforeAll(async () => {
    // Never answers: only an abort can end a request.
    server = createServer((req) => {
      req.socket.once('close', () => closedByUs++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await pool.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const sink = () => new Writable({ write: (_chunk, _enc, cb) => cb() });

  it('aborts a pending request, which then counts as the client going away', async () => {
    const signal = new RequestAbort();
    const pending = pool.stream({ path: '/', method: 'GET', signal }, () => sink());
    setTimeout(() => signal.abort(), 50);
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.RequestAbortedError);
    expect(classifyUpstreamError(err).kind).toBe('aborted');
    await expect.poll(() => closedByUs).toBeGreaterThan(0);
  });

  it('refuses to start a request that was aborted already', async () => {
    const signal = new RequestAbort();
    signal.abort();
    await expect(pool.stream({ path: '/', method: 'GET', signal }, () => sink())).rejects.toBeInstanceOf(
      errors.RequestAbortedError,
    );
  });

  it('forgets the listener undici removes when the request completes', () => {
    const signal = new RequestAbort();
    let calls = 0;
    const listener = () => calls++;
    signal.once('abort', listener);
    signal.removeListener('abort', listener);
    signal.abort();
    signal.abort();
    expect(calls).toBe(0);
    expect(signal.aborted).toBe(true);
  });
});
