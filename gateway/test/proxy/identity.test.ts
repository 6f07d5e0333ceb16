import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { type CreatedKey, createKey, rawRequest } from '../support/proxy-client.js';
import { createRoute } from '../support/routes.js';

// Identity fields do not depend on the database or limiter: one backend is enough.
describe('/proxy identity headers', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let custom: TestGateway;
  let k: CreatedKey;
  let customKey: CreatedKey;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'pglite', upstreamUrl: upstream.url });
    custom = await startTestGateway({
      backend: 'pglite',
      upstreamUrl: upstream.url,
      env: {
        IDENTITY_HEADER_KEY_ID: 'X-Caller-Key',
        IDENTITY_HEADER_USER_ID: 'X-Caller-User',
        IDENTITY_HEADER_PLAN: 'X-Caller-Plan',
      },
    });
    k = await createKey(gw);
    customKey = await createKey(custom);
  });
  afterAll(async () => {
    await custom?.stop();
    await gw?.stop();
    await upstream?.close();
  });

  const lastSeen = () => upstream.seen.at(-1)!.headers;

  it('tells the upstream the key id and its owner, and no plan while the key has none', async () => {
    expect((await fetch(`${gw.url}/proxy/who`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const headers = lastSeen();
    expect(headers['x-gateway-key-id']).toBe(k.id);
    expect(headers['x-gateway-user-id']).toBe(k.userId);
    expect(headers).not.toHaveProperty('x-gateway-plan');
  });

  it('drops identity fields a client sends, in any letter case, and sends its own', async () => {
    const res = await rawRequest(gw.url, {
      path: '/proxy/forged',
      headers: {
        'x-api-key': k.key,
        'X-Gateway-Key-Id': 'someone-else',
        'x-GATEWAY-user-id': 'admin',
        'X-Gateway-Plan': 'enterprise',
      },
    });
    expect(res.status).toBe(200);
    const headers = lastSeen();
    expect(headers['x-gateway-key-id']).toBe(k.id);
    expect(headers['x-gateway-user-id']).toBe(k.userId);
    expect(headers).not.toHaveProperty('x-gateway-plan');
    expect(JSON.stringify(headers)).not.toMatch(/someone-else|enterprise|"admin"/);
  });

  it('sends them on configured routes too', async () => {
    await createRoute(gw, { name: 'who', prefix: '/who', targets: [`${upstream.url}/routed`] });
    expect((await fetch(`${gw.url}/proxy/who/x`, { headers: { 'x-api-key': k.key } })).status).toBe(200);
    expect(upstream.seen.at(-1)!.url).toBe('/routed/x');
    expect(lastSeen()['x-gateway-key-id']).toBe(k.id);
  });

  it('uses the names IDENTITY_HEADER_* configure, dropping client fields of those names', async () => {
    const res = await rawRequest(custom.url, {
      path: '/proxy/custom',
      headers: { 'x-api-key': customKey.key, 'x-caller-key': 'forged', 'X-Caller-Plan': 'forged' },
    });
    expect(res.status).toBe(200);
    const headers = lastSeen();
    expect(headers['x-caller-key']).toBe(customKey.id);
    expect(headers['x-caller-user']).toBe(customKey.userId);
    expect(headers).not.toHaveProperty('x-caller-plan');
    expect(headers).not.toHaveProperty('x-gateway-key-id');
  });
});
