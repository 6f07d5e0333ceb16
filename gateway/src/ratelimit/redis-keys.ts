import { DAY_MS } from './window-math.js';

// Only the key's id (a UUID) may reach Redis key names: they show up in MONITOR, SCAN and slow
// logs, so a raw API key there would be a leak. A raw key (`ak_…`) can never match this.
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertKeyId(keyId: string): void {
  if (!KEY_ID.test(keyId)) throw new RangeError('rate limit keyId must be an API key id (UUID)');
}

/**
 * `{keyId}` is the Redis Cluster hash tag: every key of one API key lands in the same slot, which
 * a multi-key Lua script requires.
 */
export function keyBase(prefix: string, keyId: string): string {
  return `${prefix}rl:{${keyId}}:`;
}

export function minuteKey(base: string, bucket: number): string {
  return `${base}m:${bucket}`;
}

export function dayKey(base: string, day: number): string {
  return `${base}d:${yyyymmdd(day)}`;
}

let cachedDay = Number.NaN;
let cachedLabel = '';

/** `20300101` for UTC day 21915; memoised because it changes once a day and runs per request. */
export function yyyymmdd(day: number): string {
  if (day !== cachedDay) {
    cachedLabel = new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
    cachedDay = day;
  }
  return cachedLabel;
}
