import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { deferred } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { type CreatedKey, createKey, rawRequest } from '../support/proxy-client.js';
import { createRoute, updateRoute } from '../support/routes.js';
import { startUpstream } from '../support/upstream.js';

type Echo = Awaited<ReturnType<typeof startEchoUpstream>>;

/** A port nothing listens on (for now): connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An echo upstream listening on `port` (one that `closedPort` returned): the target comes back. */
async function listenOn(port: number, echo: (url: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    echo(req.url ?? '');
    res.end('back');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('/proxy with routes (postgres)', () => {
  let a: Echo;
  let b: Echo;
  let fallback: Echo;
  let gw: TestGateway;
  let k: CreatedKey;
  let n = 0;
  const unique = () => `r${n++}`;

  beforeAll(async () => {
    [a, b, fallback] = await Promise.all([startEchoUpstream(), startEchoUpstream(), startEchoUpstream()]);
    gw = await startTestGateway({ backend: 'postgres', upstreamUrl: `${fallback.url}/base` });
    k = await createKey(gw, { limitPerMinute: 10_000 });
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([a?.close(), b?.close(), fallback?.close()]);
  });

  const get = (path: string, init: RequestInit = {}) =>
    fetch(gw.url + path, { ...init, headers: { 'x-api-key': k.key, ...(init.headers as Record<string, string>) } });
  const clear = () => {
    for (const u of [a, b, fallback]) u.seen.length = 0;
  };

  it('forwards to INTERNAL_API_BASE_URL as before when no route is configured', async () => {
    clear();
    for (const path of ['/proxy/x/y?q=1', '/proxy', '/proxy/', '/proxy?q=2']) {
      expect((await get(path)).status).toBe(200);
    }
    expect(fallback.urls()).toEqual(['/base/x/y?q=1', '/base', '/base/', '/base?q=2']);
  });

  it('matches the longest prefix at a segment boundary and strips it', async () => {
    const p = `/svc-${unique()}`;
    await createRoute(gw, { name: `short-${unique()}`, prefix: p, targets: [`${a.url}/a`] });
    await createRoute(gw, { name: `long-${unique()}`, prefix: `${p}/deep`, targets: [b.url] });
    clear();
    // The route is in force as soon as POST /routes has answered: no waiting on this replica.
    for (const path of [`${p}/x?q=1`, p, `${p}?q=2`, `${p}/`, `${p}/deep/y`, `${p}/deep`, `${p}/deeper`, `${p}0/z`]) {
      expect((await get(`/proxy${path}`)).status, path).toBe(200);
    }
    expect(a.urls()).toEqual(['/a/x?q=1', '/a', '/a?q=2', '/a/', '/a/deeper']);
    expect(b.urls()).toEqual(['/y', '/']);
    expect(fallback.urls()).toEqual([`/base${p}0/z`]);
  });

  it('forwards the whole path when stripPrefix is false', async () => {
    const p = `/keep-${unique()}`;
    await createRoute(gw, { name: `keep-${unique()}`, prefix: p, targets: [`${a.url}/v2`], stripPrefix: false });
    clear();
    expect((await get(`/proxy${p}/x?api_key=ignored&q=1`)).status).toBe(200);
    expect(a.urls()).toEqual([`/v2${p}/x?q=1`]);
  });

  it('rewrites an upstream Location back under the route prefix', async () => {
    const redirecting = await startUpstream((req, res) => {
      res.writeHead(302, { location: `http://${req.headers.host}/api/next?x=1` }).end();
    });
    try {
      const p = `/moved-${unique()}`;
      await createRoute(gw, { name: `moved-${unique()}`, prefix: p, targets: [`${redirecting.url}/api`] });
      const res = await get(`/proxy${p}/here`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${gw.url}/proxy${p}/next?x=1`);
    } finally {
      await redirecting.close();
    }
  });

  it('refuses a dot segment after the prefix (no climbing out of the target path)', async () => {
    const p = `/safe-${unique()}`;
    await createRoute(gw, { name: `safe-${unique()}`, prefix: p, targets: [`${a.url}/api`] });
    clear();
    const res = await rawRequest(gw.url, { path: `/proxy${p}/../admin`, headers: { 'x-api-key': k.key } });
    expect(res.status).toBe(400);
    expect(a.seen).toHaveLength(0);
  });

  it('balances several targets round-robin', async () => {
    const p = `/rr-${unique()}`;
    await createRoute(gw, { name: `rr-${unique()}`, prefix: p, targets: [a.url, b.url] });
    clear();
    for (let i = 0; i < 6; i++) expect((await get(`/proxy${p}/${i}`)).status).toBe(200);
    expect([...a.urls(), ...b.urls()].sort()).toEqual(['/0', '/1', '/2', '/3', '/4', '/5']);
    expect(a.urls()).toHaveLength(3);
    expect(b.urls()).toHaveLength(3);
    // Alternating: consecutive requests never land on the same target.
    expect(a.urls().includes('/0')).not.toBe(a.urls().includes('/1'));
  });

  it('takes a failing target out for the cool-down, then tries it again', async () => {
    const port = await closedPort();
    const p = `/health-${unique()}`;
    await createRoute(gw, {
      name: `health-${unique()}`,
      prefix: p,
      targets: [`http://127.0.0.1:${port}`, a.url],
      ejectAfterFailures: 2,
      ejectCooldownMs: 1_500,
    });
    clear();
    // Round-robin: the dead target gets every other request until it failed twice in a row.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`/proxy${p}/${i}`)).status);
    expect(statuses.sort()).toEqual([200, 200, 502, 502]);
    // Out of rotation: everything goes to the healthy target.
    for (let i = 0; i < 6; i++) expect((await get(`/proxy${p}/out-${i}`)).status).toBe(200);
    expect(a.urls().filter((u) => u.startsWith('/out-'))).toHaveLength(6);
    // The target comes back; after the cool-down it gets its share again.
    const seenBack: string[] = [];
    const revived = await listenOn(port, (url) => seenBack.push(url));
    try {
      await new Promise((r) => setTimeout(r, 1_600));
      for (let i = 0; i < 4; i++) expect((await get(`/proxy${p}/back-${i}`)).status).toBe(200);
      expect(seenBack).toHaveLength(2);
    } finally {
      revived.closeAllConnections();
      await new Promise<void>((resolve) => revived.close(() => resolve()));
    }
  });

  it('retries an idempotent request on the next target when connecting fails, never a POST', async () => {
    const port = await closedPort();
    const p = `/retry-${unique()}`;
    await createRoute(gw, {
      name: `retry-${unique()}`,
      prefix: p,
      targets: [`http://127.0.0.1:${port}`, a.url],
      retries: 1,
      ejectAfterFailures: 100, // keep the dead target in rotation: every other first attempt fails
    });
    clear();
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'GET']) {
      expect((await get(`/proxy${p}/${method}`, { method })).status, method).toBe(200);
    }
    const posts: number[] = [];
    for (let i = 0; i < 4; i++) posts.push((await get(`/proxy${p}/post-${i}`, { method: 'POST' })).status);
    expect(posts.sort()).toEqual([200, 200, 502, 502]);
    // A request with a body is streamed, never buffered: it cannot be sent twice, even when idempotent.
    const puts: number[] = [];
    for (let i = 0; i < 4; i++) {
      puts.push((await get(`/proxy${p}/put-${i}`, { method: 'PUT', body: 'payload' })).status);
    }
    expect(puts.sort()).toEqual([200, 200, 502, 502]);
  });

  it('never retries once the upstream has started answering', async () => {
    let attempts = 0;
    const cut = await startUpstream((_req, res) => {
      attempts++;
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const p = `/cut-${unique()}`;
      await createRoute(gw, { name: `cut-${unique()}`, prefix: p, targets: [cut.url, a.url], retries: 3 });
      clear();
      const outcome = await get(`/proxy${p}/x`).then(
        (res) =>
          res.text().then(
            () => 'complete',
            () => 'cut',
          ),
        () => 'cut',
      );
      expect(outcome).toBe('cut');
      expect(attempts).toBe(1);
      expect(a.seen).toHaveLength(0);
    } finally {
      await cut.close();
    }
  });

  it('answers 504 after the route’s own timeout', async () => {
    const slow = await startUpstream((_req, res) => {
      setTimeout(() => res.end('late'), 3_000);
    });
    try {
      const p = `/slow-${unique()}`;
      await createRoute(gw, { name: `slow-${unique()}`, prefix: p, targets: [slow.url], timeoutMs: 300 });
      const started = performance.now();
      await expectProblem(await get(`/proxy${p}/x`), 504, 'GATEWAY_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await slow.close();
    }
  });

  it('answers 404 ROUTE_DISABLED for a disabled route before counting any quota', async () => {
    const key = await createKey(gw, { limitPerMinute: 2 });
    const p = `/off-${unique()}`;
    const route = await createRoute(gw, { name: `off-${unique()}`, prefix: p, targets: [a.url], enabled: false });
    clear();
    for (let i = 0; i < 3; i++) {
      await expectProblem(
        await fetch(`${gw.url}/proxy${p}/x`, { headers: { 'x-api-key': key.key } }),
        404,
        'ROUTE_DISABLED',
      );
    }
    // A disabled route hides its prefix: nothing falls through to the default route either.
    expect(fallback.seen).toHaveLength(0);
    expect(a.seen).toHaveLength(0);
    await updateRoute(gw, route.id, { enabled: true });
    const ok = await fetch(`${gw.url}/proxy${p}/x`, { headers: { 'x-api-key': key.key } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining-minute')).toBe('1');
  });

  it('lets a request in flight finish when its route’s targets change, and sends the next one to the new target', async () => {
    const release = deferred();
    const held = await startUpstream((_req, res) => {
      void release.promise.then(() => res.end('old target'));
    });
    try {
      const p = `/swap-${unique()}`;
      const route = await createRoute(gw, { name: `swap-${unique()}`, prefix: p, targets: [held.url] });
      const inFlight = get(`/proxy${p}/slow`);
      await new Promise((r) => setTimeout(r, 200));
      await updateRoute(gw, route.id, { targets: [a.url] });
      clear();
      expect((await get(`/proxy${p}/fast`)).status).toBe(200);
      expect(a.urls()).toEqual(['/fast']);
      release.resolve();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('old target');
    } finally {
      await held.close();
    }
  });

  it('sends everything to a route on "/" instead of INTERNAL_API_BASE_URL, and 404s while it is disabled', async () => {
    const root = await createRoute(gw, { name: 'default', prefix: '/', targets: [`${b.url}/root`] });
    try {
      clear();
      expect((await get('/proxy/anything?x=1')).status).toBe(200);
      expect(b.urls()).toEqual(['/root/anything?x=1']);
      await updateRoute(gw, root.id, { enabled: false });
      await expectProblem(await get('/proxy/anything'), 404, 'ROUTE_DISABLED');
      expect(fallback.seen).toHaveLength(0);
    } finally {
      expect((await gw.admin(`/routes/${root.id}`, { method: 'DELETE' })).status).toBe(204);
    }
    clear();
    expect((await get('/proxy/again')).status).toBe(200);
    expect(fallback.urls()).toEqual(['/base/again']);
  });
});
