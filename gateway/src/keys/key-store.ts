import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { CounterSlot, Metrics } from '../metrics.js';
import { compileAllowList, compileScopes, type KeyAccessRules } from './authorize.js';

/**
 * What the proxy needs to know about a key; cached in-process, one entry per secret (a rolled key's
 * old secret has its own entry, with `previous` set). Scopes and allow-list are compiled once here.
 */
export interface CachedKey extends KeyAccessRules {
  id: string;
  /** The owner: sent to the upstream as IDENTITY_HEADER_USER_ID; owner-wide windows count all of one user's keys together. */
  userId: string;
  active: boolean;
  expiresAt: number | null;
  /** The key's plan (PlanStore resolves it), or null. */
  planId: string | null;
  /** Without a plan, the key's windows; on one, overrides of the plan's key minute/day (null: the plan's). */
  limitPerMinute: number | null;
  limitPerDay: number | null;
}

/**
 * A lookup refused because unknown keys used up this replica's database budget
 * (UNKNOWN_KEY_LOOKUPS_PER_SECOND): "retry shortly", since the key may well be valid.
 */
export class LookupBudgetExhausted extends Error {
  constructor() {
    super('unknown-key lookup budget exhausted');
    this.name = 'LookupBudgetExhausted';
  }
}

/**
 * Database lookups of keys not in the cache, per second, bursting to one second's worth. Each
 * lookup takes a token first and gives it back when the key exists, so only unknown keys spend the
 * budget — and concurrent guesses cannot overshoot it.
 */
class LookupBudget {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  refund(): void {
    this.tokens = Math.min(this.perSecond, this.tokens + 1);
  }
}

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
  /** Entries of each cache: valid keys and unknown hashes are kept apart. */
  max: number;
  /** Database lookups of unknown keys per second; beyond it, uncached keys are refused unlooked-up. */
  unknownLookupsPerSecond: number;
}

/**
 * API key lookup by hash: an LRU of valid keys (for `ttlMs`) and a separate one of unknown hashes
 * (for `negativeTtlMs`) — a flood of unknown keys must not evict a valid key, which would then fail
 * during a database outage — in front of the database, with concurrent misses for one hash sharing
 * one query and unknown keys bounded by a lookup budget. A hash is either a key's current secret or
 * the one its last roll replaced. Also writes `lastUsedAt` (and a replaced secret's
 * `previousLastUsedAt`) in the background, at most once a minute per secret.
 */
export class KeyStore {
  private readonly cache: LRUCache<string, CachedKey>;
  private readonly unknown: LRUCache<string, true>;
  private readonly budget: LookupBudget;
  private readonly inflight = new Map<string, Promise<CachedKey | null>>();
  private readonly lastUsedWritten = new LRUCache<string, number>({ max: 100_000 });

  private readonly counts: Record<'hit' | 'negative_hit' | 'miss' | 'refused', CounterSlot>;

  constructor(private readonly options: KeyStoreOptions) {
    const { keyCache } = options.metrics;
    this.counts = {
      hit: keyCache.slot({ result: 'hit' }),
      negative_hit: keyCache.slot({ result: 'negative_hit' }),
      miss: keyCache.slot({ result: 'miss' }),
      refused: keyCache.slot({ result: 'refused' }),
    };
    this.cache = new LRUCache<string, CachedKey>({ max: options.max, ttl: Math.max(1, options.ttlMs) });
    this.unknown = new LRUCache<string, true>({ max: options.max, ttl: Math.max(1, options.negativeTtlMs) });
    this.budget = new LookupBudget(options.unknownLookupsPerSecond);
  }

  /**
   * The key with this hash, or null if there is none. Rejects when the database is unreachable, and
   * with LookupBudgetExhausted when unknown keys used up the lookup budget.
   */
  lookup(hash: string): Promise<CachedKey | null> | CachedKey | null {
    const hit = this.cached(hash);
    if (hit !== undefined) return hit;
    if (this.options.negativeTtlMs > 0 && this.unknown.get(hash) !== undefined) {
      this.counts.negative_hit.inc();
      return null;
    }
    let pending = this.inflight.get(hash);
    if (!pending) {
      if (!this.budget.take()) {
        this.counts.refused.inc();
        return Promise.reject(new LookupBudgetExhausted());
      }
      pending = this.load(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    this.counts.miss.inc();
    return pending;
  }

  /**
   * The cached valid key for `hash`, if any (counted as a cache hit) — never the database. The
   * proxy asks this first: a known key skips the shape check and the auth throttle, and then needs
   * no second cache operation (`LRUCache#peek` cost ~1 µs per request in a profile; `get` far less).
   */
  cached(hash: string): CachedKey | undefined {
    const hit = this.options.ttlMs > 0 ? this.cache.get(hash) : undefined;
    if (hit !== undefined) this.counts.hit.inc();
    return hit;
  }

  invalidate(hash: string): void {
    this.cache.delete(hash);
    this.unknown.delete(hash);
  }

  clear(): void {
    this.cache.clear();
    this.unknown.clear();
  }

  /**
   * Records that a key was used; writes at most once a minute per secret, never awaited by
   * requests. A replaced secret's use also sets `previousLastUsedAt` — unless the key was rolled
   * again meanwhile (then that hash is no longer the previous one).
   */
  touch(key: CachedKey, now: number): void {
    const { id, previous } = key;
    const memo = previous === null ? id : previous.hash;
    const last = this.lastUsedWritten.get(memo);
    if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) return;
    this.lastUsedWritten.set(memo, now);
    const at = new Date(now);
    const write =
      previous === null
        ? this.options.prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } })
        : this.options.prisma.apiKey.updateMany({
            where: { id, previousKeyHash: previous.hash },
            data: { lastUsedAt: at, previousLastUsedAt: at },
          });
    write.catch((err: unknown) => {
      this.lastUsedWritten.delete(memo);
      this.options.logger.debug({ err, keyId: id }, 'lastUsedAt update failed');
    });
  }

  private async load(hash: string): Promise<CachedKey | null> {
    // Both columns are unique: PostgreSQL answers this with two index probes (BitmapOr).
    const row = await withTimeout(
      this.options.prisma.apiKey.findFirst({
        where: { OR: [{ keyHash: hash }, { previousKeyHash: hash }] },
        select: {
          id: true,
          userId: true,
          active: true,
          expiresAt: true,
          planId: true,
          limitPerMinute: true,
          limitPerDay: true,
          keyHash: true,
          previousExpiresAt: true,
          scopes: true,
          allowedIps: true,
        },
      }),
      LOOKUP_TIMEOUT_MS,
    );
    if (!row) {
      if (this.options.negativeTtlMs > 0) this.unknown.set(hash, true);
      return null;
    }
    this.budget.refund(); // a key that exists costs the unknown-key budget nothing
    const key: CachedKey = {
      id: row.id,
      userId: row.userId,
      active: row.active,
      expiresAt: row.expiresAt?.getTime() ?? null,
      planId: row.planId,
      limitPerMinute: row.limitPerMinute,
      limitPerDay: row.limitPerDay,
      scopes: compileScopes(row.scopes),
      allowList: compileAllowList(row.allowedIps),
      previous: row.keyHash === hash ? null : { hash, expiresAt: row.previousExpiresAt?.getTime() ?? 0 },
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
