import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (the Redis is shared with other runs; each cleans its own). */
export async function deleteKeysUnder(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A key prefix of this test run's own, and a function that deletes every key under it. */
export function createRedisPrefix(): { prefix: string; cleanup: () => Promise<void> } {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  return { prefix, cleanup: () => deleteKeysUnder(prefix) };
}
