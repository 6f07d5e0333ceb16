import type { LimitPolicy, WindowUnit } from './types.js';
import type { Frame } from './window-math.js';

// Only ids (UUIDs) may reach Redis key names: they show up in MONITOR, SCAN and slow logs, so a raw
// API key there would be a leak. A raw key (`ak_…`) can never match this.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Ids already found valid: a request checks its key and owner ids in the resilient wrapper and again
// in the backend, and the regex costs ~0.25 µs a test on this machine; a Set lookup a few ns.
const VALID_IDS_MAX = 10_000;
const validIds = new Set<string>();

function isUuid(id: string): boolean {
  if (validIds.has(id)) return true;
  if (!UUID.test(id)) return false;
  if (validIds.size >= VALID_IDS_MAX) validIds.clear();
  validIds.add(id);
  return true;
}

export function assertKeyId(keyId: string): void {
  if (!isUuid(keyId)) throw new RangeError('rate limit keyId must be an API key id (UUID)');
}

export function assertOwner(policy: LimitPolicy, ownerId: string | undefined): void {
  if (ownerId !== undefined && !isUuid(ownerId)) throw new RangeError('rate limit ownerId must be a user id (UUID)');
  if (ownerId === undefined && policy.hasOwnerWindows) {
    throw new RangeError('a policy with owner windows needs the owner id');
  }
}

const UNIT_TAG: Record<WindowUnit, string> = { second: 's', minute: 'm', hour: 'h', day: 'd', month: 'mo' };

/**
 * `{ownerId}` is the Redis Cluster hash tag: every counter of one owner — its owner windows and the
 * windows of each of its keys — lands in the same slot, which a multi-key Lua script requires. A
 * key checked without an owner (sign-in throttling) uses its own id as the tag.
 *   <prefix>rl:{<owner>}:k:<keyId>:m:<bucket>     a key's minute bucket
 *   <prefix>rl:{<owner>}:o:d:<YYYYMMDD>           the owner's day in the plan's time zone
 */
export function keyBase(prefix: string, keyId: string, ownerId: string | undefined): string {
  return `${prefix}rl:{${ownerId ?? keyId}}:k:${keyId}:`;
}

export function ownerBase(prefix: string, ownerId: string): string {
  return `${prefix}rl:{${ownerId}}:o:`;
}

/** The counter names of one key for one frame, in the script's KEYS order, rebuilt only when a window rolls over. */
export interface WindowKeys {
  policy: LimitPolicy;
  ownerId: string | undefined;
  ids: number[];
  /** Sliding windows: previous and current bucket; calendar windows: the current period. */
  names: string[];
  /** Index in `names` of each window's current counter. */
  current: number[];
  /** Anything a store caches alongside (the Redis limiter: the command's encoding up to its keys… */
  encoded: string;
  /** …and its arguments up to the same point). */
  args: string[];
}

// Bounded: cleared wholesale when full, which costs one rebuild per key (a few string concatenations).
const MAX_ENTRIES = 10_000;

/** Caches the counter names per key: they are the same all bucket long. */
export class WindowKeyNames {
  private readonly byKey = new Map<string, WindowKeys>();

  constructor(private readonly prefix: string) {}

  /** The names for this request; Rebuilt when a window rolls over, the policy changes or the owner does. */
  of(keyId: string, ownerId: string | undefined, policy: LimitPolicy, frame: Frame): WindowKeys {
    const cached = this.byKey.get(keyId);
    if (
      cached !== undefined &&
      cached.policy === policy &&
      cached.ownerId === ownerId &&
      sameIds(cached.ids, frame.ids)
    ) {
      return cached;
    }
    if (this.byKey.size >= MAX_ENTRIES) this.byKey.clear();
    const keyPrefix = keyBase(this.prefix, keyId, ownerId);
    const ownerPrefix = ownerId === undefined ? '' : ownerBase(this.prefix, ownerId);
    const names: string[] = [];
    const current: number[] = [];
    policy.windows.forEach((w, i) => {
      const base = (w.scope === 'key' ? keyPrefix : ownerPrefix) + UNIT_TAG[w.unit];
      const id = frame.ids[i]!;
      if (w.periodMs > 0) names.push(`${base}:${id - 1}`);
      current.push(names.length);
      names.push(`${base}:${id}`);
    });
    const entry: WindowKeys = { policy, ownerId, ids: frame.ids, names, current, encoded: '', args: [] };
    this.byKey.set(keyId, entry);
    return entry;
  }
}

function sameIds(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
