import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/** One Redis server (REDIS_MODE=standalone) or a Redis Cluster (REDIS_MODE=cluster): every Redis user takes either. */
export type RedisClient = Redis | Cluster;

export type RedisMode = 'standalone' | 'cluster';

// A dead Redis must cost a request milliseconds, not seconds: fail fast and let
// RATE_LIMIT_FAILURE_MODE decide, while ioredis keeps reconnecting in the background.
const COMMAND_TIMEOUT_MS = 500;
const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

/** The per-connection settings a cluster's node connections take from REDIS_URL (no database: clusters have one). */
function nodeOptions(url: URL): RedisOptions {
  return {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  };
}

/**
 * The gateway's Redis client, not yet connected (`connect()` it). In cluster mode REDIS_URL names one
 * node to start from; ioredis learns the others (CLUSTER SLOTS), follows MOVED/ASK, and re-learns the
 * map when a replica takes over a failed primary. Every key one Lua script touches shares a hash tag
 * (see ratelimit/redis-keys.ts), so each decision goes to one node.
 */
export function createRedisClient(url: string, mode: RedisMode): RedisClient {
  if (mode === 'cluster') {
    const seed = new URL(url);
    return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
      redisOptions: nodeOptions(seed),
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: retryStrategy,
      // Counters are written on every decision: read and write on primaries only.
      scaleReads: 'master',
      lazyConnect: true,
    });
  }
  return new Redis(url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy,
    lazyConnect: true,
  });
}

/** Logs losing Redis once and getting it back once (not every reconnect attempt). */
export function logRedisState(redis: RedisClient, logger: Logger): void {
  // A Redis that is down at start is reported once, by buildServices, naming REDIS_URL.
  let state: 'starting' | 'up' | 'down' = 'starting';
  redis.on('error', (err: Error) => {
    if (state === 'up') logger.warn({ err: err.message }, 'redis unreachable; reconnecting');
    state = 'down';
  });
  redis.on('ready', () => {
    if (state === 'down') logger.info('redis connection restored');
    state = 'up';
  });
}

/** The client's command timeout, wherever its kind keeps it. */
export function commandTimeoutOf(redis: Pick<RedisClient, 'options'>): number | undefined {
  const options = redis.options as { commandTimeout?: number; redisOptions?: { commandTimeout?: number } };
  return options.redisOptions ? options.redisOptions.commandTimeout : options.commandTimeout;
}

/** A second connection for SUBSCRIBE (a subscribed connection can send nothing else). */
export function duplicateForSubscribing(redis: RedisClient): RedisClient {
  // A cluster's subscriber re-subscribes on its own when its node goes (ClusterSubscriber); a
  // single Redis's is re-subscribed by the caller on every `ready`.
  return redis instanceof Cluster ? redis.duplicate() : redis.duplicate({ autoResubscribe: false });
}
