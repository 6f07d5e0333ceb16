import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { CounterSlot, Metrics } from '../metrics.js';

/** What the proxy needs to know about a key; cached in-process. */
export interface CachedKey {
  id: string;
  active: boolean;
  expiresAt: number | null;
  limitPerMinute: number;
  limitPerDay: number;
}

const NEGATIVE = Symbol('unknown key');
type Entry = CachedKey | typeof NEGATIVE;

const LAST_USED_INTERVAL_MS = 60_000;
// A hung database (connection open, no answer) must not hold requests for uncached keys forever —
// pg has no client-side query timeout by default. A key lookup is one indexed row: if it has not
// answered in this time, fail it and let the proxy answer 503 "retry shortly".
const LOOKUP_TIMEOUT_MS = 3_000;

export interface KeyStoreOptions {
  prisma: PrismaClient;
  logger: Logger;
  metrics: Metrics;
  ttlMs: number;
  negativeTtlMs: number;
  max: number;
}

/**
 * API key lookup by hash: LRU (positive entries for `ttlMs`, unknown hashes for `negativeTtlMs`)
 * in front of the database, with concurrent misses for one hash sharing one query. Also writes
 * `lastUsedAt` in the background, at most once a minute per key.
 */
export class KeyStore {
  private readonly cache: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<CachedKey | null>>();
  private readonly lastUsedWritten = new LRUCache<string, number>({ max: 100_000 });

  private readonly counts: Record<'hit' | 'negative_hit' | 'miss', CounterSlot>;

  constructor(private readonly options: KeyStoreOptions) {
    const { keyCache } = options.metrics;
    this.counts = {
      hit: keyCache.slot({ result: 'hit' }),
      negative_hit: keyCache.slot({ result: 'negative_hit' }),
      miss: keyCache.slot({ result: 'miss' }),
    };
    this.cache = new LRUCache<string, Entry>({ max: options.max, ttl: Math.max(1, options.ttlMs) });
  }

  /** The key with this hash, or null if there is none. Rejects when the database is unreachable. */
  lookup(hash: string): Promise<CachedKey | null> | CachedKey | null {
    const hit = this.options.ttlMs > 0 ? this.cache.get(hash) : undefined;
    if (hit !== undefined) {
      (hit === NEGATIVE ? this.counts.negative_hit : this.counts.hit).inc();
      return hit === NEGATIVE ? null : hit;
    }
    this.counts.miss.inc();
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.load(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  /** The cached valid key for `hash`, if any — no database access, no metrics, no LRU reordering. */
  peek(hash: string): CachedKey | undefined {
    const entry = this.cache.peek(hash);
    return entry === undefined || entry === NEGATIVE ? undefined : entry;
  }

  invalidate(hash: string): void {
    this.cache.delete(hash);
  }

  clear(): void {
    this.cache.clear();
  }

  /** Records that a key was used; writes at most once a minute per key, never awaited by requests. */
  touch(keyId: string, now: number): void {
    const last = this.lastUsedWritten.get(keyId);
    if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) return;
    this.lastUsedWritten.set(keyId, now);
    this.options.prisma.apiKey
      .updateMany({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
      .catch((err: unknown) => {
        this.lastUsedWritten.delete(keyId);
        this.options.logger.debug({ err, keyId }, 'lastUsedAt update failed');
      });
  }

  private async load(hash: string): Promise<CachedKey | null> {
    const row = await withTimeout(
      this.options.prisma.apiKey.findUnique({
        where: { keyHash: hash },
        select: { id: true, active: true, expiresAt: true, limitPerMinute: true, limitPerDay: true },
      }),
      LOOKUP_TIMEOUT_MS,
    );
    if (!row) {
      if (this.options.negativeTtlMs > 0) this.cache.set(hash, NEGATIVE, { ttl: this.options.negativeTtlMs });
      return null;
    }
    const key: CachedKey = {
      id: row.id,
      active: row.active,
      expiresAt: row.expiresAt?.getTime() ?? null,
      limitPerMinute: row.limitPerMinute,
      limitPerDay: row.limitPerDay,
    };
    if (this.options.ttlMs > 0) this.cache.set(hash, key);
    return key;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`api key lookup did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
