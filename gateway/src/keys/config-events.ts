import type { Logger } from '../logger.js';
import { duplicateForSubscribing, type RedisClient } from '../redis-client.js';
import type { KeyStore } from './key-store.js';

/**
 * What changed. A key change names the key's SHA-256 (never the raw key); the other topics are
 * whole tables that every replica reloads (routes, plans): small, rarely changed, read on every
 * request from memory.
 */
export type ConfigTopic = 'routes' | 'plans';

/** Callbacks that let a management change reach every gateway replica's caches at once. */
export interface ConfigChangeNotifier {
  keyChanged(keyHash: string): Promise<void>;
  /** Announces that a whole topic changed: every replica's listeners of that topic run. */
  changed(topic: ConfigTopic): Promise<void>;
}

/**
 * Spreads "this changed" to every replica so a disable, a delete or a new route takes effect
 * everywhere at once: Redis pub/sub when Redis is configured, a direct call when the gateway runs
 * alone. The local replica applies a change before it is published, so the answer to the
 * management request that made it already holds.
 */
export interface ConfigEvents extends ConfigChangeNotifier {
  /**
   * Runs `listener` whenever `topic` changes on any replica, and after a reconnect to Redis (when
   * messages may have been missed). Listeners must not throw nor reject. A listener's promise is
   * awaited by `changed` on the replica that made the change (so its answer already holds there),
   * and not awaited for changes heard from other replicas.
   */
  on(topic: ConfigTopic, listener: ConfigListener): void;
  close(): Promise<void>;
}

// Messages on the one channel: `k:<sha256>` for a key, `t:<topic>` for a topic.
const KEY_MESSAGE = 'k:';
const TOPIC_MESSAGE = 't:';
const LEGACY_KEY_MESSAGE = /^[0-9a-f]{64}$/;

export type ConfigListener = () => void | Promise<void>;

class Listeners {
  private readonly byTopic = new Map<ConfigTopic, ConfigListener[]>();

  add(topic: ConfigTopic, listener: ConfigListener): void {
    const list = this.byTopic.get(topic) ?? [];
    list.push(listener);
    this.byTopic.set(topic, list);
  }

  async emit(topic: ConfigTopic): Promise<void> {
    await Promise.all((this.byTopic.get(topic) ?? []).map((listener) => listener()));
  }

  emitAll(): void {
    for (const topic of this.byTopic.keys()) void this.emit(topic);
  }
}

export function createLocalConfigEvents(store: KeyStore): ConfigEvents {
  const listeners = new Listeners();
  return {
    keyChanged: async (hash) => store.invalidate(hash),
    changed: async (topic) => listeners.emit(topic),
    on: (topic, listener) => listeners.add(topic, listener),
    close: async () => {},
  };
}

const isTopic = (value: string): value is ConfigTopic => value === 'routes' || value === 'plans';

export async function createRedisConfigEvents(opts: {
  store: KeyStore;
  redis: RedisClient;
  channel: string;
  logger: Logger;
}): Promise<ConfigEvents> {
  const { store, redis, channel, logger } = opts;
  const listeners = new Listeners();
  // The duplicate inherits lazyConnect and enableOfflineQueue=false from the main client, so a
  // SUBSCRIBE sent before the connection is ready fails outright (it used to, silently: replicas
  // never heard of disabled keys). Subscribe on every `ready` instead — the first connect and each
  // reconnect — rather than relying on ioredis' auto-resubscribe, which forgets a failed SUBSCRIBE.
  const subscriber = duplicateForSubscribing(redis);
  subscriber.on('error', () => {}); // reconnects on its own; the main client logs Redis trouble
  subscriber.on('message', (_channel: string, message: string) => {
    if (message.startsWith(KEY_MESSAGE)) store.invalidate(message.slice(KEY_MESSAGE.length));
    else if (message.startsWith(TOPIC_MESSAGE)) {
      const topic = message.slice(TOPIC_MESSAGE.length);
      if (isTopic(topic)) void listeners.emit(topic);
    } else if (LEGACY_KEY_MESSAGE.test(message)) store.invalidate(message); // from a replica not yet upgraded
  });
  let subscribed: Promise<unknown> = Promise.resolve();
  let connectedOnce = false;
  subscriber.on('ready', () => {
    // After a reconnect we may have missed messages: forget every cached key and reload every
    // topic rather than serve a key that was disabled, or a route that was removed, meanwhile.
    store.clear();
    if (connectedOnce) listeners.emitAll();
    connectedOnce = true;
    subscribed = subscriber.subscribe(channel).catch((err: unknown) => {
      logger.warn({ err }, 'config-change subscription failed; will retry when Redis reconnects');
    });
  });
  await subscriber.connect().then(
    () => subscribed,
    // Redis down at start is reported once, naming REDIS_URL (services.ts); no stack trace here.
    (err: Error) =>
      logger.debug({ err: err.message }, 'config-change subscription failed; will retry when Redis is back'),
  );
  const publish = async (message: string) => {
    try {
      await redis.publish(channel, message);
    } catch (err) {
      logger.warn({ err }, 'could not publish a config change; other replicas see it within the cache TTL');
    }
  };
  return {
    keyChanged: async (hash) => {
      store.invalidate(hash);
      await publish(KEY_MESSAGE + hash);
    },
    changed: async (topic) => {
      await listeners.emit(topic);
      await publish(TOPIC_MESSAGE + topic);
    },
    on: (topic, listener) => listeners.add(topic, listener),
    close: async () => {
      subscriber.disconnect();
    },
  };
}
