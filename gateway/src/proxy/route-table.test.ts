import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { pickTarget, targetAnswered, targetFailed } from './balancer.js';
import { type RouteDefinition, RouteTable } from './route-table.js';
import { createUpstream } from './upstream.js';

const settings = { connections: 2, timeoutMs: 1_000, queueTimeoutMs: 1_000 };
const logger = createLogger({ level: 'silent' });

function route(prefix: string, fields: Partial<RouteDefinition> = {}): RouteDefinition {
  return {
    id: `id${prefix}`,
    name: `n${prefix.replaceAll('/', '-')}`,
    prefix,
    targets: ['http://127.0.0.1:9'],
    timeoutMs: null,
    retries: 0,
    stripPrefix: true,
    enabled: true,
    cost: 1,
    ejectAfterFailures: 2,
    ejectCooldownMs: 50,
    ...fields,
  };
}

const tables: RouteTable[] = [];
async function tableOf(rows: () => RouteDefinition[] | Promise<RouteDefinition[]>) {
  const table = new RouteTable({
    load: async () => rows(),
    defaultUpstream: createUpstream('http://127.0.0.1:9/base', settings),
    upstream: settings,
    logger,
  });
  tables.push(table);
  await table.start(60_000);
  return table;
}
afterEach(async () => {
  for (const t of tables.splice(0)) await t.close();
});

describe('RouteTable.match', () => {
  it('picks the longest prefix ending at a segment boundary, else the default route', async () => {
    const table = await tableOf(() => [route('/v1'), route('/v1/admin'), route('/v10')]);
    const name = (url: string) => table.match(url)?.name;
    expect(name('/proxy/v1')).toBe('n-v1');
    expect(name('/proxy/v1/')).toBe('n-v1');
    expect(name('/proxy/v1?x=1')).toBe('n-v1');
    expect(name('/proxy/v1/users')).toBe('n-v1');
    expect(name('/proxy/v1/admin/x')).toBe('n-v1-admin');
    expect(name('/proxy/v1/administrator')).toBe('n-v1');
    expect(name('/proxy/v10/x')).toBe('n-v10');
    expect(name('/proxy/v2')).toBe('default');
    expect(name('/proxy')).toBe('default');
    expect(name('/proxy?x')).toBe('default');
  });

  it('lets a route on "/" replace the default route', async () => {
    const table = await tableOf(() => [route('/', { name: 'default' }), route('/v1')]);
    expect(table.match('/proxy/x')?.id).toBe('id/');
    expect(table.list().map((r) => r.prefix)).toEqual(['/v1', '/']);
  });

  it('keeps a target’s pool across reloads until its URL or timeout changes', async () => {
    let rows = [route('/v1')];
    const table = await tableOf(() => rows);
    const first = table.match('/proxy/v1')!.targets[0];
    await table.reload();
    expect(table.match('/proxy/v1')!.targets[0]).toBe(first);
    rows = [route('/v1', { timeoutMs: 500 })];
    await table.reload();
    expect(table.match('/proxy/v1')!.targets[0]).not.toBe(first);
    expect(first!.pool.closed).toBe(true);
  });

  it('leaves out a route without targets (only a hand-edited row can have none)', async () => {
    const table = await tableOf(() => [route('/v1', { targets: [] })]);
    expect(table.match('/proxy/v1/x')?.name).toBe('default');
  });

  it('keeps the current routes when a reload fails', async () => {
    let fail = false;
    const table = await tableOf(() => {
      if (fail) throw new Error('database down');
      return [route('/v1')];
    });
    fail = true;
    await table.reload();
    expect(table.match('/proxy/v1')?.name).toBe('n-v1');
  });
});

describe('pickTarget', () => {
  const balanced = (n: number) => ({
    targets: Array.from({ length: n }, (_, i) => createUpstream(`http://127.0.0.1:${9000 + i}`, settings)),
    cursor: 0,
    ejectAfterFailures: 2,
    ejectCooldownMs: 50,
  });

  it('goes round-robin, skipping an ejected target until its cool-down ends', async () => {
    const r = balanced(3);
    const [t0, t1, t2] = r.targets;
    expect([pickTarget(r), pickTarget(r), pickTarget(r), pickTarget(r)]).toEqual([t0, t1, t2, t0]);
    targetFailed(r, t1!);
    expect(t1!.ejectedUntil).toBe(0); // one failure of two
    targetFailed(r, t1!);
    expect(t1!.ejectedUntil).toBeGreaterThan(0);
    expect([pickTarget(r), pickTarget(r), pickTarget(r)]).toEqual([t2, t0, t2]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect([pickTarget(r), pickTarget(r)]).toEqual([t0, t1]);
    // Back on probation: one more failure takes it out again, an answer clears its record.
    targetFailed(r, t1!);
    expect(t1!.ejectedUntil).toBeGreaterThan(0);
    targetAnswered(t1!);
    expect(t1!.failures).toBe(0);
    for (const t of r.targets) await t.pool.close();
  });

  it('tries the next target anyway when every target is out, and avoids the one a retry follows', async () => {
    const r = balanced(2);
    const [t0, t1] = r.targets;
    for (const t of r.targets) {
      targetFailed(r, t!);
      targetFailed(r, t!);
    }
    expect([pickTarget(r), pickTarget(r), pickTarget(r)]).toEqual([t0, t1, t0]);
    const fresh = balanced(2);
    expect(pickTarget(fresh, fresh.targets[0])).toBe(fresh.targets[1]);
    for (const t of [...r.targets, ...fresh.targets]) await t.pool.close();
  });
});
