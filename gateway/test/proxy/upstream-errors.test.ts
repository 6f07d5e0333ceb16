import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { createKey } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

describe('/proxy when the upstream fails', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let downGw: TestGateway;
  let key: string;
  let downKey: string;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url === '/slow') {
        const timer = setTimeout(() => res.end('too late'), 2_000);
        return res.on('close', () => clearTimeout(timer));
      }
      if (req.url === '/cut') {
        // Headers and part of the body, then the connection dies.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        return res.write('partial', () => setTimeout(() => res.destroy(), 20));
      }
      res.end('ok');
    });
    // A port that was just free: nothing listens there, so connecting is refused.
    const gone = await startUpstream(() => {});
    await gone.close();
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { UPSTREAM_TIMEOUT_MS: '300' },
    });
    downGw = await startTestGateway({ backend: 'postgres', upstreamUrl: gone.url });
    key = (await createKey(gw)).key;
    downKey = (await createKey(downGw)).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await downGw?.stop();
    await upstream?.close();
  });

  it('answers 502 problem+json when the upstream refuses connections', async () => {
    const res = await fetch(`${downGw.url}/proxy/x`, { headers: { 'x-api-key': downKey } });
    const body = await expectProblem(res, 502, 'BAD_GATEWAY');
    await eventually(() => expect(downGw.logs()).toContain(body.requestId as string));
    expect(downGw.logs()).toMatch(/"kind":"connect".*upstream request failed/);
  });

  it('answers 504 problem+json when the upstream does not answer within UPSTREAM_TIMEOUT_MS', async () => {
    const started = performance.now();
    const res = await fetch(`${gw.url}/proxy/slow`, { headers: { 'x-api-key': key } });
    await expectProblem(res, 504, 'GATEWAY_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(gw.logs()).toMatch(/"kind":"timeout".*upstream request failed/);
  });

  it('keeps the rate-limit headers on a 502', async () => {
    const res = await fetch(`${downGw.url}/proxy/x`, { headers: { 'x-api-key': downKey } });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-ratelimit-limit-minute')).toMatch(/^\d+$/);
  });

  it('cuts the client off when the upstream dies mid-body', async () => {
    const res = await fetch(`${gw.url}/proxy/cut`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('counts upstream failures by kind in /metrics', async () => {
    const text = await (await fetch(`${gw.managementUrl}/metrics`)).text();
    expect(text).toMatch(/^gateway_upstream_errors_total\{kind="timeout"\} [1-9]/m);
    const down = await (await fetch(`${downGw.managementUrl}/metrics`)).text();
    expect(down).toMatch(/^gateway_upstream_errors_total\{kind="connect"\} [1-9]/m);
  });
});
