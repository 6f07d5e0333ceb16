// A newcomer with REDIS_URL pointing nowhere asks /ready: the log says once, in one line, what does not
// answer and which setting to check — no driver stack trace (issue 16 item 6).
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startBuiltGateway, stopBuiltGateway } from '../support/built-gateway.js';

afterAll(stopBuiltGateway);

describe('readiness with Redis down', () => {
  it('logs one line naming REDIS_URL, without a stack trace, however often /ready is asked', async () => {
    const redisPort = await freePort();
    const gw = await startBuiltGateway({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, LOG_FORMAT: 'json' });
    const { managementPort } = gw;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${managementPort}/ready`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: { redis: string } }).checks.redis).toBe('unreachable');
    }
    await new Promise((r) => setTimeout(r, 300));
    const stdout = gw.stdout();
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; err?: unknown });
    const readiness = lines.filter((l) => l.msg.startsWith('readiness: redis'));
    // Before: "readiness: redis unreachable; serving degraded" with ioredis' error and stack, no setting named.
    expect(readiness.map((l) => l.msg)).toEqual([
      'readiness: redis unreachable (not connected); serving degraded: check that it runs and REDIS_URL points at it',
    ]);
    expect(readiness[0]?.err).toBeUndefined();
    expect(stdout).not.toContain('"stack"');
    expect(stdout).not.toContain('enableOfflineQueue');
  });
});
