import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { KeyChangeNotifier } from '../routes/types.js';
import type { KeyStore } from './key-store.js';

/**
 * Spreads "this key changed" to every replica so a disable or delete takes effect everywhere at
 * once: Redis pub/sub when Redis is configured, a direct call when the gateway runs alone.
 * Messages carry the key's SHA-256, never the raw key.
 */
export interface KeyEvents extends KeyChangeNotifier {
  close(): Promise<void>;
}

export function createLocalKeyEvents(store: KeyStore): KeyEvents {
  return {
    keyChanged: async (hash) => store.invalidate(hash),
    close: async () => {},
  };
}

export async function createRedisKeyEvents(opts: {
  store: KeyStore;
  redis: Redis;
  channel: string;
  logger: Logger;
}): Promise<KeyEvents> {
  const { store, redis, channel, logger } = opts;
  // The duplicate inherits lazyConnect and enableOfflineQueue=false from the main client, so a
  // SUBSCRIBE sent before the connection is ready fails outright (it used to, silently: replicas
  // never heard of disabled keys). Subscribe on every `ready` instead — the first connect and each
  // reconnect — rather than relying on ioredis' auto-resubscribe, which forgets a failed SUBSCRIBE.
  const subscriber = redis.duplicate({ autoResubscribe: false });
  subscriber.on('error', () => {}); // reconnects on its own; the main client logs Redis trouble
  subscriber.on('message', (_channel: string, hash: string) => store.invalidate(hash));
  let subscribed: Promise<unknown> = Promise.resolve();
  subscriber.on('ready', () => {
    // After a reconnect we may have missed messages: forget everything cached rather than serve a
    // key that was disabled meanwhile for up to a whole TTL.
    store.clear();
    subscribed = subscriber.subscribe(channel).catch((err: unknown) => {
      logger.warn({ err }, 'key-change subscription failed; will retry when Redis reconnects');
    });
  });
  await subscriber.connect().then(
    () => subscribed,
    // Redis down at start is reported once, naming REDIS_URL (services.ts); no stack trace here.
    (err: Error) => logger.debug({ err: err.message }, 'key-change subscription failed; will retry when Redis is back'),
  );
  return {
    keyChanged: async (hash) => {
      store.invalidate(hash);
      try {
        await redis.publish(channel, hash);
      } catch (err) {
        logger.warn({ err }, 'could not publish key change; other replicas see it within the cache TTL');
      }
    },
    close: async () => {
      subscriber.disconnect();
    },
  };
}
