import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiKeySchema,
  CreatedApiKeySchema,
  ListKeysResponseSchema,
  PlanSchema,
  RouteSchema,
  UsageAnalyticsResponseSchema,
  UsageLogsResponseSchema,
} from '@gateway/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createUser } from '../support/credentials.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/proxy-client.js';

// The `gateway` bin of @gateway/sdk, built, run as a child process against a real gateway (PostgreSQL,
// Redis), as a script in CI would run it: its output and its exit codes are the contract.
const CLI = fileURLToPath(new URL('../../../sdk/bin/gateway.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../sdk/dist/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a clean environment: only what the test gives, never the developer's login. */
function cli(args: string[], options: { env?: Record<string, string>; input?: string; home: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: options.home,
        XDG_CONFIG_HOME: join(options.home, 'config'),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

const json = (run: Run) => JSON.parse(run.stdout) as unknown;
const proxyStatus = async (gw: TestGateway, key: string) =>
  (await rawRequest(gw.url, { path: '/proxy/hello', headers: { 'x-api-key': key } })).status;

describe('the gateway CLI', () => {
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let home: string;
  let writeToken: string;
  let readToken: string;
  let userId: string;
  /** Runs the CLI signed in (by the saved login of `home`). */
  const gateway = (...args: string[]) => cli(args, { home });

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build -w sdk" first`);
    upstream = await startEchoUpstream();
    gw = await startTestGateway({ backend: 'postgres', redis: true, upstreamUrl: upstream.url });
    writeToken = (await createApiToken(gw, 'write', { name: 'ci' })).token;
    readToken = (await createApiToken(gw, 'read', { name: 'dashboards' })).token;
    userId = await createUser(gw, 'cli-owner@example.com');
    home = await mkdtemp(join(tmpdir(), 'gw-cli-'));
  });
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  describe('login', () => {
    it('refuses a token the gateway refuses, and saves nothing', async () => {
      const run = await gateway('login', '--url', gw.managementUrl, '--token', 'gwt_not-a-real-token');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('UNAUTHORIZED');
      expect(existsSync(join(home, 'config', 'api-gateway', 'config.json'))).toBe(false);
    });

    it('checks the token and saves it with the URL, readable by the user only', async () => {
      const run = await gateway('login', '--url', gw.managementUrl, '--token', writeToken);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Scope:       write');
      expect(run.stdout).not.toContain(writeToken);
      const path = join(home, 'config', 'api-gateway', 'config.json');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: gw.managementUrl, token: writeToken });

      const who = await gateway('whoami', '--json');
      expect(who.code).toBe(0);
      expect(json(who)).toMatchObject({ credential: 'token', scope: 'write', role: 'admin' });
    });

    it('reads the token from stdin with --token -', async () => {
      const other = await mkdtemp(join(tmpdir(), 'gw-cli-stdin-'));
      try {
        const run = await cli(['login', '--url', gw.managementUrl, '--token', '-'], {
          home: other,
          input: `${readToken}\n`,
        });
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Scope:       read');
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    });
  });

  describe('keys', () => {
    let keyId: string;
    let rawKey: string;

    it('create prints the raw key once, and the key works on the proxy', async () => {
      const run = await gateway('keys', 'create', '--user', userId, '--name', 'ci key', '--per-minute', '50', '--json');
      expect(run.code).toBe(0);
      const created = CreatedApiKeySchema.parse(json(run));
      expect(created).toMatchObject({ name: 'ci key', limitPerMinute: 50, userId });
      expect(created.key).toMatch(/^ak_/);
      keyId = created.id;
      rawKey = created.key;
      expect(await proxyStatus(gw, rawKey)).toBe(200);

      const human = await gateway('keys', 'create', '--user', userId, '--name', 'second');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/Raw key, shown only now.*\nak_\w+/);
    });

    it('list shows the key as a table (never its raw value), or JSON with --json', async () => {
      const run = await gateway('keys', 'list', '--user', userId);
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+START\s+STATE/);
      expect(run.stdout).toMatch(new RegExp(`${keyId}\\s+ci key\\s+${rawKey.slice(0, 7)}\\s+active\\s+50`));
      expect(run.stdout).not.toContain(rawKey);

      const listed = ListKeysResponseSchema.omit({ nextCursor: true }).parse(
        json(await gateway('keys', 'list', '--json', '--user', userId)),
      );
      expect(listed.data.map((k) => k.name).sort()).toEqual(['ci key', 'second']);
      expect(JSON.stringify(listed)).not.toContain(rawKey);
    });

    it('update changes the fields given', async () => {
      const run = await gateway('keys', 'update', keyId, '--name', 'renamed', '--per-day', '500', '--json');
      expect(run.code).toBe(0);
      expect(ApiKeySchema.parse(json(run))).toMatchObject({ name: 'renamed', limitPerDay: 500, limitPerMinute: 50 });
    });

    it('disable stops the key on the proxy; enable lets it call again', async () => {
      const off = await gateway('keys', 'disable', keyId);
      expect(off.code).toBe(0);
      expect(off.stdout).toContain('is now disabled');
      expect(
        await eventually(async () => {
          const status = await proxyStatus(gw, rawKey);
          if (status !== 403) throw new Error(`still ${status}`);
          return status;
        }),
      ).toBe(403);
      expect((await gateway('keys', 'enable', keyId)).code).toBe(0);
      expect(await proxyStatus(gw, rawKey)).toBe(200);
    });

    it('roll prints the new raw key once; with --grace 0 the old one stops at once', async () => {
      const run = await gateway('keys', 'roll', keyId, '--grace', '0', '--json');
      expect(run.code).toBe(0);
      const rolled = CreatedApiKeySchema.parse(json(run));
      expect(rolled.key).not.toBe(rawKey);
      expect(await proxyStatus(gw, rawKey)).toBe(401);
      expect(await proxyStatus(gw, rolled.key)).toBe(200);
      rawKey = rolled.key;
    });

    it('usage key shows the requests the key made', async () => {
      const usage = await eventually(async () => {
        const run = await gateway('usage', 'key', keyId, '--from', '1h', '--json');
        expect(run.code).toBe(0);
        const body = json(run) as { totals: { requests: number } };
        if (body.totals.requests < 4) throw new Error(`only ${body.totals.requests} so far`);
        return body;
      });
      // Two 200s before the roll, the 403 while disabled, the 200 after enabling and after the roll
      // (the old secret's 401 after the roll matches no key).
      expect(usage.totals.requests).toBeGreaterThanOrEqual(4);
      const human = await gateway('usage', 'key', keyId);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/Requests:\s+\d+/);
      expect(human.stdout).toMatch(/GET\s+200\s+[\d.]+ ms\s+\/hello/);
    });

    it('usage overview shows the totals, and with --group-by a table of the groups', async () => {
      const run = await gateway('usage', 'overview', '--from', '1h', '--key', keyId, '--group-by', 'status', '--json');
      expect(run.code).toBe(0);
      const analytics = UsageAnalyticsResponseSchema.parse(json(run));
      expect(analytics.groupBy).toBe('status');
      expect(analytics.groups.map((g) => g.value).sort()).toEqual(['200', '403']);
      expect(analytics.totals.requests).toBe(analytics.groups.reduce((n, g) => n + g.requests, 0));

      const human = await gateway('usage', 'overview', '--from', '1h', '--key', keyId, '--group-by', 'status');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^Requests:\s+\d+$/m);
      expect(human.stdout).toMatch(/^STATUS\s+LABEL\s+REQUESTS\s+ERRORS\s+LIMITED\s+P95/m);
      expect(human.stdout).toMatch(/^403\s+-\s+1\s+1\s+0\s/m);
      const keys = await gateway('usage', 'overview', '--from', '1h');
      expect(keys.stdout).toMatch(new RegExp(`^${keyId}\\s+renamed`, 'm'));
      expect((await gateway('usage', 'overview', '--group-by', 'colour')).code).toBe(2);
    });

    it('usage logs lists the requests newest first, filters them and pages with --limit and --cursor', async () => {
      const limited = await gateway('usage', 'logs', '--from', '1h', '--key', keyId, '--status', '4xx', '--json');
      expect(limited.code).toBe(0);
      const refused = UsageLogsResponseSchema.parse(json(limited));
      expect(refused.data.map((r) => r.statusCode)).toEqual([403]);

      const first = UsageLogsResponseSchema.parse(
        json(await gateway('usage', 'logs', '--from', '1h', '--key', keyId, '--limit', '2', '--json')),
      );
      expect(first.data).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const rest = UsageLogsResponseSchema.parse(
        json(await gateway('usage', 'logs', '--from', '1h', '--key', keyId, '--cursor', first.nextCursor!, '--json')),
      );
      expect(rest.data.length).toBeGreaterThanOrEqual(2);
      expect(rest.nextCursor).toBeNull();
      const ids = [...first.data, ...rest.data].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      const times = [...first.data, ...rest.data].map((r) => r.timestamp);
      expect(times).toEqual([...times].sort().reverse());

      const human = await gateway('usage', 'logs', '--from', '1h', '--key', keyId, '--limit', '1');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^TIME\s+METHOD\s+STATUS\s+LATENCY\s+KEY\s+ROUTE\s+PATH$/m);
      expect(human.stdout).toMatch(/GET\s+200\s+[\d.]+ ms\s+renamed\s+default\s+\/hello/);
      expect(human.stdout).toMatch(/^Next page: --cursor \S+$/m);
      const bad = await gateway('usage', 'logs', '--status', '6xx');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('VALIDATION_FAILED');
    });

    it('usage export writes the request log to a file', async () => {
      const file = join(home, 'usage.csv');
      const run = await gateway('usage', 'export', '--format', 'csv', '--key', keyId, '--from', '1h', '--output', file);
      expect(run.code).toBe(0);
      // A header line and one line per request of the key (at least the four above).
      expect((await readFile(file, 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(5);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    });

    it('delete removes the key; reading it then exits 1 with the problem', async () => {
      expect((await gateway('keys', 'delete', keyId)).code).toBe(0);
      const run = await gateway('keys', 'get', keyId);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: No API key with id .* \(NOT_FOUND, HTTP 404\)/);
      expect(run.stdout).toBe('');

      const scripted = await gateway('keys', 'get', keyId, '--json');
      expect(scripted.code).toBe(1);
      expect(JSON.parse(scripted.stderr)).toMatchObject({ error: { kind: 'problem', status: 404, code: 'NOT_FOUND' } });
    });

    it('a field the gateway refuses exits 1 and names the field', async () => {
      const run = await gateway('keys', 'create', '--user', userId, '--data', '{"allowedIps": ["not an address"]}');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('VALIDATION_FAILED');
      expect(run.stderr).toMatch(/allowedIps\.0: /);
    });
  });

  describe('routes and plans', () => {
    it('routes create, list, update and delete', async () => {
      const created = await gateway(
        'routes',
        'create',
        '--name',
        'orders',
        '--prefix',
        '/orders',
        '--target',
        `${upstream.url}/v2`,
        '--target',
        `${upstream.url}/v3`,
        '--no-strip-prefix',
        '--json',
      );
      expect(created.code).toBe(0);
      const route = RouteSchema.parse(json(created));
      expect(route).toMatchObject({
        name: 'orders',
        prefix: '/orders',
        stripPrefix: false,
        targets: [`${upstream.url}/v2`, `${upstream.url}/v3`],
      });

      const list = await gateway('routes', 'list');
      expect(list.stdout).toMatch(
        new RegExp(`${route.id}\\s+orders\\s+/orders\\s+${upstream.url}/v2 ${upstream.url}/v3\\s+yes`),
      );

      const updated = await gateway('routes', 'update', route.id, '--no-enabled', '--cost', '3', '--json');
      expect(RouteSchema.parse(json(updated))).toMatchObject({ enabled: false, cost: 3, stripPrefix: false });

      expect((await gateway('routes', 'delete', route.id)).code).toBe(0);
      expect((await gateway('routes', 'get', route.id)).code).toBe(1);
    });

    it('plans create with windows, list, update and delete', async () => {
      const created = await gateway(
        'plans',
        'create',
        '--name',
        'gold',
        '--window',
        'minute:100',
        '--window',
        'day:10000:owner:shadow',
        '--json',
      );
      expect(created.code).toBe(0);
      const plan = PlanSchema.parse(json(created));
      expect(plan.windows).toEqual([
        { unit: 'minute', limit: 100, scope: 'key', shadow: false },
        { unit: 'day', limit: 10000, scope: 'owner', shadow: true },
      ]);
      const list = await gateway('plans', 'list');
      expect(list.stdout).toMatch(/gold\s+100\/minute, 10000\/day \(owner\) \(shadow\)\s+0/);

      const updated = await gateway('plans', 'update', plan.id, '--description', 'for partners', '--json');
      expect(PlanSchema.parse(json(updated)).description).toBe('for partners');
      expect((await gateway('plans', 'delete', plan.id)).code).toBe(0);
    });

    it('a bad window is a usage error (2) before any request', async () => {
      const run = await gateway('plans', 'create', '--name', 'x', '--window', 'week:5');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unit:limit');
    });
  });

  describe('config apply', () => {
    const file = () => join(home, 'gateway.yaml');

    it('--dry-run shows the changes and changes nothing; --exit-code makes pending changes exit 5', async () => {
      await writeFile(
        file(),
        `plans:\n  - name: pro\n    windows:\n      - { unit: minute, limit: 600 }\nroutes:\n  - name: search\n    prefix: /search\n    targets: [${upstream.url}]\n`,
      );
      const dry = await gateway('config', 'apply', '--dry-run', file());
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('+ create plan pro');
      expect(dry.stdout).toContain('+ create route search');
      expect(dry.stdout).toContain('dry run: nothing was changed');
      expect((await gateway('config', 'apply', '--dry-run', '--exit-code', file())).code).toBe(5);
      expect((await gateway('routes', 'list', '--json')).stdout).not.toContain('search');
    });

    it('applies the file; then a dry run finds nothing to do (exit 0 even with --exit-code)', async () => {
      const run = await gateway('config', 'apply', file(), '--json');
      expect(run.code).toBe(0);
      expect(json(run)).toMatchObject({
        dryRun: false,
        changes: [
          { kind: 'plan', action: 'create', name: 'pro' },
          { kind: 'route', action: 'create', name: 'search' },
        ],
      });
      const again = await gateway('config', 'apply', '--dry-run', '--exit-code', file());
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No changes');
    });

    it('an invalid file exits 1 with one line per problem, with its line and column', async () => {
      await writeFile(file(), 'routes:\n  - name: x\n    prefix: nope\n    targets: [http://a]\n');
      const run = await gateway('config', 'apply', file());
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${file()}: line 3, column 13: must be a path`);
    });

    it('a missing file is a usage error', async () => {
      expect((await gateway('config', 'apply', join(home, 'nope.yaml'))).code).toBe(2);
    });
  });

  describe('exit codes and credentials', () => {
    it('2 for an unknown command, a bad option value or no command', async () => {
      expect((await gateway('keys', 'lst')).code).toBe(2);
      expect((await gateway('keys', 'roll', 'x', '--grace', 'soon')).code).toBe(2);
      expect((await gateway()).code).toBe(2);
      expect((await gateway('--help')).code).toBe(0);
    });

    it('2 when no gateway is configured', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'gw-cli-empty-'));
      try {
        const run = await cli(['keys', 'list'], { home: empty });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('gateway login');
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    it('GATEWAY_URL and GATEWAY_TOKEN work without a saved login', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'gw-cli-env-'));
      try {
        const run = await cli(['whoami', '--json'], {
          home: empty,
          env: { GATEWAY_URL: gw.managementUrl, GATEWAY_TOKEN: readToken },
        });
        expect(run.code).toBe(0);
        expect(json(run)).toMatchObject({ scope: 'read' });
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    it('1 when the token may not do it (a read token creating a key)', async () => {
      const run = await cli(['keys', 'create', '--user', userId], { home, env: { GATEWAY_TOKEN: readToken } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('INSUFFICIENT_SCOPE');
    });

    it('never sends the saved token to another URL', async () => {
      const run = await gateway('--url', upstream.url, 'keys', 'list');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no gateway token');
      expect(upstream.seen.some((r) => r.headers.authorization !== undefined)).toBe(false);
    });

    it('3 when nothing answers at the URL', async () => {
      const run = await cli(['keys', 'list'], {
        home,
        env: { GATEWAY_URL: 'http://127.0.0.1:9', GATEWAY_TOKEN: writeToken },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('Cannot reach the gateway at http://127.0.0.1:9');
    });

    it('4 when something else answers there (not the management API)', async () => {
      const run = await cli(['keys', 'list'], { home, env: { GATEWAY_URL: upstream.url, GATEWAY_TOKEN: 'gwt_x' } });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('unexpected shape');
    });
  });
});
