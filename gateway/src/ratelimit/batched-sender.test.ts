import { Command, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisPrefix, TEST_REDIS_URL } from '../../test/support/redis.js';
import { hostPortOf, startTcpProxy } from '../../test/support/tcp-proxy.js';
import { BatchedSender, type WatchedCommand } from './batched-sender.js';

const { prefix, cleanup } = createRedisPrefix();
afterAll(cleanup);

/** A command timed out by the sender, as the limiter's EVALSHA is. */
class Watched extends Command implements WatchedCommand {
  deadline = 0;
  override setTimeout(): void {}
}

describe('BatchedSender', () => {
  it('answers every command and keeps nothing once they are answered', async () => {
    const redis = new Redis(TEST_REDIS_URL, { commandTimeout: 500 });
    try {
      const sender = new BatchedSender(redis);
      const key = `${prefix}sender`;
      const replies = await Promise.all(
        Array.from({ length: 3000 }, () => sender.send(new Watched('incr', [key])).finally(() => sender.settled())),
      );
      expect(new Set(replies).size).toBe(3000);
      expect(Math.max(...(replies as number[]))).toBe(3000);
      expect(sender.pending).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it("fails commands a hung Redis does not answer with ioredis' error, after commandTimeout", async () => {
    const link = await startTcpProxy(hostPortOf(TEST_REDIS_URL, 6379));
    const redis = new Redis(link.url(TEST_REDIS_URL), { commandTimeout: 300, maxRetriesPerRequest: 0 });
    try {
      await new Promise((resolve) => redis.once('ready', resolve));
      const sender = new BatchedSender(redis);
      expect(String(await sender.send(new Watched('ping')))).toBe('PONG');
      link.freeze();
      const started = performance.now();
      const first = sender.send(new Watched('ping')).catch((err: Error) => err);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = sender.send(new Watched('ping')).catch((err: Error) => err);
      const [a, b] = await Promise.all([first, second]);
      const waited = performance.now() - started;
      expect([(a as Error).message, (b as Error).message]).toEqual(['Command timed out', 'Command timed out']);
      // Each after its own deadline: the second was sent 100 ms later.
      expect(waited).toBeGreaterThanOrEqual(390);
      expect(waited).toBeLessThan(1_000);
      expect(sender.pending).toBe(0);
    } finally {
      redis.disconnect();
      await link.close();
    }
  });
});
