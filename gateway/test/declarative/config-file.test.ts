import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ApplyConfigResponse, Plan, Route } from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { resolveSecrets } from '../../src/secrets.js';
import { buildServices } from '../../src/services.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problem.js';
import { createKey, rawRequest } from '../support/proxy-client.js';
import { startUpstream } from '../support/upstream.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/cli/config.js', import.meta.url));

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

const proxyGet = (gw: TestGateway, path: string, key: string) =>
  rawRequest(gw.url, { path, headers: { 'x-api-key': key } });

const FILE = (upstream: string) => `# kept in the operator's repository
plans:
  - name: pro
    timeZone: Europe/Berlin
    windows:
      - { unit: minute, limit: 600 }
      - { unit: month, limit: 1000000, scope: owner }
routes:
  - name: orders
    prefix: /orders
    targets: [${upstream}/v2]
    cost: 2
  - name: billing
    prefix: /billing
    targets: [${upstream}/billing]
    stripPrefix: false
`;

describe('the declarative configuration file', () => {
  let upstream: Upstream;
  let gw: TestGateway;
  let dir: string;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url }));
    });
    dir = await mkdtemp(join(tmpdir(), 'gw-config-'));
    await writeFile(join(dir, 'gateway.yaml'), FILE(upstream.url));
    gw = await startTestGateway({
      backend: 'postgres',
      upstreamUrl: upstream.url,
      env: { GATEWAY_CONFIG_FILE: join(dir, 'gateway.yaml') },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const apply = (file: string, dryRun: boolean) =>
    gw.admin('/config/apply', { method: 'POST', body: JSON.stringify({ file, dryRun }) });

  it('is applied at start: its routes serve traffic, its plans limit keys, and both are read-only through the API', async () => {
    const routes = ((await (await gw.admin('/routes')).json()) as { data: Route[] }).data;
    expect(routes.map((r) => [r.name, r.prefix, r.managedByFile])).toEqual([
      ['billing', '/billing', true],
      ['orders', '/orders', true],
    ]);
    const plans = ((await (await gw.admin('/plans')).json()) as { data: Plan[] }).data;
    expect(plans.map((p) => [p.name, p.timeZone, p.managedByFile])).toEqual([['pro', 'Europe/Berlin', true]]);

    const key = await createKey(gw, { planId: plans[0]!.id });
    const orders = await proxyGet(gw, '/proxy/orders/42', key.key);
    expect(orders.status).toBe(200);
    expect(JSON.parse(orders.body.toString())).toEqual({ path: '/v2/42' });
    // The route's cost (2) counts in the plan's minute window.
    expect(orders.headers['x-ratelimit-remaining-minute']).toBe('598');
    const billing = await proxyGet(gw, '/proxy/billing/x', key.key);
    expect(JSON.parse(billing.body.toString())).toEqual({ path: '/billing/billing/x' });

    const orderRoute = routes.find((r) => r.name === 'orders')!;
    await expectProblem(
      await gw.admin(`/routes/${orderRoute.id}`, { method: 'PATCH', body: JSON.stringify({ cost: 1 }) }),
      409,
      'CONFLICT',
    );
    await expectProblem(await gw.admin(`/routes/${orderRoute.id}`, { method: 'DELETE' }), 409, 'CONFLICT');
    await expectProblem(
      await gw.admin(`/plans/${plans[0]!.id}`, { method: 'PATCH', body: JSON.stringify({ timeZone: 'UTC' }) }),
      409,
      'CONFLICT',
    );
    // Applying the same file again changes nothing.
    const again = (await (await apply(FILE(upstream.url), true)).json()) as ApplyConfigResponse;
    expect(again.changes).toEqual([]);
    expect(again.summary).toBe('No changes: the database already matches the file.');
  });

  it('a dry run lists the changes and makes none; applying makes them, audited, on every route table', async () => {
    // Made through the API, never named by the file: left alone. Made through the API and named: taken over.
    await gw.admin('/routes', {
      method: 'POST',
      body: JSON.stringify({ name: 'by-hand', prefix: '/by-hand', targets: [upstream.url] }),
    });
    await gw.admin('/routes', {
      method: 'POST',
      body: JSON.stringify({ name: 'adopted', prefix: '/adopted', targets: [upstream.url] }),
    });
    const next = `${FILE(upstream.url)
      .replace('cost: 2', 'cost: 3')
      .replace(/ {2}- name: billing[\s\S]*$/, '')}  - name: adopted
    prefix: /adopted
    targets: [${upstream.url}]
  - name: search
    prefix: /search
    targets: [${upstream.url}/search]
`;
    const dry = await apply(next, true);
    expect(dry.status).toBe(200);
    const plan = (await dry.json()) as ApplyConfigResponse;
    expect(plan.dryRun).toBe(true);
    expect(plan.summary.split('\n')).toEqual([
      '+ create route search',
      '~ update route adopted (taken over from the API)',
      '~ update route orders (cost: 2 → 3)',
      '- delete route billing',
      '4 changes: 1 to create, 2 to update, 1 to delete.',
    ]);
    const unchanged = ((await (await gw.admin('/routes')).json()) as { data: Route[] }).data;
    expect(unchanged.map((r) => r.name).sort()).toEqual(['adopted', 'billing', 'by-hand', 'orders']);

    const applied = await apply(next, false);
    expect(applied.status).toBe(200);
    const after = ((await (await gw.admin('/routes')).json()) as { data: Route[] }).data;
    expect(after.map((r) => [r.name, r.managedByFile]).sort()).toEqual([
      ['adopted', true],
      ['by-hand', false],
      ['orders', true],
      ['search', true],
    ]);
    // In force on the proxy at once: billing is gone (the default route takes /billing now), search is there.
    const key = await createKey(gw);
    const search = await proxyGet(gw, '/proxy/search/q', key.key);
    expect(JSON.parse(search.body.toString())).toEqual({ path: '/search/q' });
    const billing = await proxyGet(gw, '/proxy/billing/x', key.key);
    expect(JSON.parse(billing.body.toString())).toEqual({ path: '/billing/x' });
    const audit = (await (await gw.admin('/audit?action=route.delete')).json()) as {
      data: Array<{ actor: { kind: string; label: string }; target: { label: string } }>;
    };
    expect(audit.data[0]).toMatchObject({
      actor: { kind: 'system', label: 'configuration file' },
      target: { label: 'billing' },
    });
  });

  it('an invalid file is refused with every problem at its line, and nothing changes', async () => {
    const bad = `routes:
  - name: Orders
    prefix: orders
    targets: [ftp://x]
    timeout: 5
plans:
  - name: pro
    windows: []
`;
    const res = await apply(bad, false);
    const problem = await expectProblem(res, 400, 'VALIDATION_FAILED');
    const lines = (problem.errors ?? []).map((e) => `${e.path} ${e.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^file\.routes\[0\]\.name line 2, column 11: /),
        expect.stringMatching(/^file\.routes\[0\]\.prefix line 3, column 13: /),
        expect.stringMatching(/^file\.routes\[0\]\.targets\[0\] line 4, column 15: /),
        'file.routes[0].timeout line 5, column 5: is not a known field',
        expect.stringMatching(/^file\.plans\[0\]\.windows line 8, column 14: /),
      ]),
    );
    const yamlError = await expectProblem(await apply('routes: [\n', false), 400, 'VALIDATION_FAILED');
    expect(yamlError.errors?.[0]?.message).toMatch(/^line 2, column 1: /);
    const routes = ((await (await gw.admin('/routes')).json()) as { data: Route[] }).data;
    expect(routes.map((r) => r.name).sort()).toEqual(['adopted', 'by-hand', 'orders', 'search']);
  });

  it('the CLI prints the dry-run diff with exit code 2, applies with 0, and names the line of a bad value', async () => {
    const env = { ...process.env, GATEWAY_MANAGEMENT_URL: gw.managementUrl, GATEWAY_TOKEN: gw.adminToken };
    const file = join(dir, 'next.yaml');
    await writeFile(
      file,
      `${FILE(upstream.url)}  - name: search\n    prefix: /search\n    targets: [${upstream.url}/search]\n`,
    );
    const dry = await run(process.execPath, [CLI, 'apply', '--dry-run', file], { env }).catch((e) => e);
    expect(dry.code).toBe(2);
    expect(dry.stdout).toContain('+ create route billing');
    expect(dry.stdout).toContain('- delete route adopted');
    expect(dry.stdout).toContain('dry run: nothing was changed');
    const done = await run(process.execPath, [CLI, 'apply', file], { env });
    expect(done.stdout).toContain('~ update route orders (cost: 3 → 2)');
    const noop = await run(process.execPath, [CLI, 'apply', '--dry-run', file], { env });
    expect(noop.stdout.trim()).toBe('No changes: the database already matches the file.');

    await writeFile(file, 'routes:\n  - name: x\n    prefix: nope\n    targets: [http://a]\n');
    const invalid = await run(process.execPath, [CLI, 'apply', file], { env }).catch((e) => e);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${file}: line 3, column 13: `);
    expect(invalid.stderr).toContain('(routes[0].prefix)');
    const usage = await run(process.execPath, [CLI, 'apply'], { env }).catch((e) => e);
    expect(usage.code).toBe(64);
  });

  it('refuses to start with an invalid file, naming each line', async () => {
    const badFile = join(dir, 'bad.yaml');
    await writeFile(
      badFile,
      'routes:\n  - name: ok\n    prefix: /ok\n    targets: [http://127.0.0.1:9]\n    retries: 9\n',
    );
    const { config } = await resolveSecrets(
      parseConfig({
        NODE_ENV: 'test',
        DATA_DIR: dir,
        ADMIN_API_TOKEN: 'a'.repeat(40),
        SESSION_SECRET: 'b'.repeat(40),
        GATEWAY_CONFIG_FILE: badFile,
      }),
    );
    const logger = createLogger({ level: 'silent' });
    await expect(buildServices({ config, logger, upstreamUrl: upstream.url, inMemoryDatabase: true })).rejects.toThrow(
      `GATEWAY_CONFIG_FILE is not valid:\n  ${badFile}: line 5, column 14: routes[0].retries: `,
    );
  });
});
