import { ListAuditResponseSchema, ListRoutesResponseSchema, RouteSchema } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { createRoute } from '../support/routes.js';
import { startUpstream } from '../support/upstream.js';

describe.each(['postgres', 'pglite'] as Backend[])('management API routes (%s)', (backend) => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gw: TestGateway;
  let n = 0;
  const unique = () => `${backend}-${n++}`;

  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    gw = await startTestGateway({ backend, upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const post = (body: unknown) => gw.admin('/routes', { method: 'POST', body: JSON.stringify(body) });
  const patch = (id: string, body: unknown) =>
    gw.admin(`/routes/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
  const auditOf = async (action: string, targetId: string) =>
    ListAuditResponseSchema.parse(await (await gw.admin(`/audit?action=${action}&targetId=${targetId}`)).json()).data;

  describe('POST /routes', () => {
    it('creates a route with defaults, normalising its prefix and targets', async () => {
      const name = `orders-${unique()}`;
      const res = await post({ name, prefix: `/${name}/`, targets: ['http://127.0.0.1:9/api/', 'https://b.example'] });
      expect(res.status).toBe(201);
      const route = RouteSchema.parse(await res.json());
      expect(route).toMatchObject({
        name,
        prefix: `/${name}`,
        targets: ['http://127.0.0.1:9/api', 'https://b.example'],
        timeoutMs: null,
        retries: 0,
        stripPrefix: true,
        enabled: true,
        cost: 1,
        ejectAfterFailures: 3,
        ejectCooldownMs: 30_000,
      });
      const [entry] = await auditOf('route.create', route.id);
      expect(entry).toMatchObject({
        actor: { kind: 'bootstrap' },
        target: { type: 'route', id: route.id, label: name },
      });
      expect(entry!.changes.prefix).toEqual({ from: null, to: `/${name}` });
      expect(entry!.changes.targets).toEqual({ from: null, to: route.targets });
    });

    it('accepts the root prefix, and the name "default" only there', async () => {
      await expectProblem(
        await post({ name: 'default', prefix: '/v1', targets: ['http://a.example'] }),
        400,
        'VALIDATION_FAILED',
      );
      const res = await post({ name: 'default', prefix: '/', targets: ['http://a.example'], enabled: false });
      expect(res.status).toBe(201);
      const route = RouteSchema.parse(await res.json());
      expect(route.prefix).toBe('/');
      expect((await gw.admin(`/routes/${route.id}`, { method: 'DELETE' })).status).toBe(204);
    });

    it.each([
      ['a prefix without a leading slash', { prefix: 'v1' }, 'prefix'],
      ['an empty segment', { prefix: '/a//b' }, 'prefix'],
      ['a dot-dot segment', { prefix: '/a/../b' }, 'prefix'],
      ['percent-encoding', { prefix: '/%61' }, 'prefix'],
      ['a query in the prefix', { prefix: '/a?b' }, 'prefix'],
      ['no target', { targets: [] }, 'targets'],
      ['an ftp target', { targets: ['ftp://a.example'] }, 'targets.0'],
      ['a relative target', { targets: ['/api'] }, 'targets.0'],
      ['credentials in a target', { targets: ['http://u:p@a.example'] }, 'targets.0'],
      ['a query in a target', { targets: ['http://a.example/?x=1'] }, 'targets.0'],
      ['a fragment in a target', { targets: ['http://a.example/#x'] }, 'targets.0'],
      ['a target twice', { targets: ['http://a.example/', 'http://a.example'] }, 'targets'],
      ['17 targets', { targets: Array.from({ length: 17 }, (_, i) => `http://t${i}.example`) }, 'targets'],
      ['4 retries', { retries: 4 }, 'retries'],
      ['a cost of 0', { cost: 0 }, 'cost'],
      ['a fractional cost', { cost: 1.5 }, 'cost'],
      ['a timeout of 50 ms', { timeoutMs: 50 }, 'timeoutMs'],
      ['no failures before ejection', { ejectAfterFailures: 0 }, 'ejectAfterFailures'],
      ['an upper-case name', { name: 'Orders' }, 'name'],
      ['a name with a slash', { name: 'a/b' }, 'name'],
      ['a string for enabled', { enabled: 'yes' }, 'enabled'],
      ['an unknown field', { weight: 3 }, '(body)'],
    ])('refuses %s with 400 naming the field', async (_what, fields, path) => {
      const u = unique();
      const body = await expectProblem(
        await post({ name: `bad-${u}`, prefix: `/bad-${u}`, targets: ['http://a.example'], ...fields }),
        400,
        'VALIDATION_FAILED',
      );
      expect(body.errors?.map((e) => e.path)).toContain(path);
    });

    it('answers 409 for a name or a prefix already in use (prefixes compared normalised)', async () => {
      const first = await createRoute(gw, {
        name: `dup-${unique()}`,
        prefix: `/dup-${unique()}`,
        targets: ['http://a.example'],
      });
      const sameName = await expectProblem(
        await post({ name: first.name, prefix: `/other-${unique()}`, targets: ['http://a.example'] }),
        409,
        'CONFLICT',
      );
      expect(sameName.errors).toEqual([{ path: 'name', message: 'is already used by another route' }]);
      const samePrefix = await expectProblem(
        await post({ name: `other-${unique()}`, prefix: `${first.prefix}/`, targets: ['http://a.example'] }),
        409,
        'CONFLICT',
      );
      expect(samePrefix.errors).toEqual([{ path: 'prefix', message: 'is already used by another route' }]);
    });
  });

  describe('GET /routes', () => {
    it('lists routes longest prefix first', async () => {
      const u = unique();
      await createRoute(gw, { name: `short-${u}`, prefix: `/list-${u}`, targets: ['http://a.example'] });
      await createRoute(gw, { name: `long-${u}`, prefix: `/list-${u}/deeper`, targets: ['http://a.example'] });
      const { data } = ListRoutesResponseSchema.parse(await (await gw.admin('/routes')).json());
      const names = data.map((r) => r.name).filter((name) => name.endsWith(u));
      expect(names).toEqual([`long-${u}`, `short-${u}`]);
      for (let i = 1; i < data.length; i++)
        expect(data[i - 1]!.prefix.length).toBeGreaterThanOrEqual(data[i]!.prefix.length);
    });

    it('answers 404 for an unknown or malformed id', async () => {
      await expectProblem(await gw.admin('/routes/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
      await expectProblem(await gw.admin('/routes/not-a-uuid'), 404, 'NOT_FOUND');
    });
  });

  describe('PATCH /routes/:id', () => {
    it('changes fields and audits exactly what changed', async () => {
      const route = await createRoute(gw, {
        name: `patch-${unique()}`,
        prefix: `/patch-${unique()}`,
        targets: ['http://a.example'],
      });
      const res = await patch(route.id, {
        retries: 2,
        enabled: false,
        targets: ['http://b.example/x/'],
        timeoutMs: 1_500,
      });
      expect(res.status).toBe(200);
      const updated = RouteSchema.parse(await res.json());
      expect(updated).toMatchObject({ retries: 2, enabled: false, targets: ['http://b.example/x'], timeoutMs: 1_500 });
      const [entry] = await auditOf('route.update', route.id);
      expect(entry!.changes).toEqual({
        retries: { from: 0, to: 2 },
        enabled: { from: true, to: false },
        targets: { from: ['http://a.example'], to: ['http://b.example/x'] },
        timeoutMs: { from: null, to: 1_500 },
      });
      // Back to UPSTREAM_TIMEOUT_MS.
      expect(RouteSchema.parse(await (await patch(route.id, { timeoutMs: null })).json()).timeoutMs).toBeNull();
    });

    it('refuses an empty body, a taken prefix and "default" off the root', async () => {
      const a = await createRoute(gw, {
        name: `pa-${unique()}`,
        prefix: `/pa-${unique()}`,
        targets: ['http://a.example'],
      });
      const b = await createRoute(gw, {
        name: `pb-${unique()}`,
        prefix: `/pb-${unique()}`,
        targets: ['http://a.example'],
      });
      await expectProblem(await patch(a.id, {}), 400, 'VALIDATION_FAILED');
      await expectProblem(await patch(a.id, { prefix: b.prefix }), 409, 'CONFLICT');
      await expectProblem(await patch(a.id, { name: b.name }), 409, 'CONFLICT');
      await expectProblem(await patch(a.id, { name: 'default' }), 400, 'VALIDATION_FAILED');
      await expectProblem(await patch('00000000-0000-4000-8000-000000000000', { retries: 1 }), 404, 'NOT_FOUND');
      // Its own name and prefix again are no conflict.
      expect((await patch(a.id, { name: a.name, prefix: a.prefix })).status).toBe(200);
    });
  });

  describe('DELETE /routes/:id', () => {
    it('deletes the route and audits it', async () => {
      const route = await createRoute(gw, {
        name: `del-${unique()}`,
        prefix: `/del-${unique()}`,
        targets: ['http://a.example'],
      });
      expect((await gw.admin(`/routes/${route.id}`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await gw.admin(`/routes/${route.id}`), 404, 'NOT_FOUND');
      await expectProblem(await gw.admin(`/routes/${route.id}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      const [entry] = await auditOf('route.delete', route.id);
      expect(entry).toMatchObject({ target: { type: 'route', id: route.id, label: route.name } });
    });
  });
});
