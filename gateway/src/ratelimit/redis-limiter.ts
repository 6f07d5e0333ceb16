import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';
import { assertKeyId, dayKey, keyBase, minuteKey } from './redis-keys.js';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { Clock, RateLimitDecision, RateLimiter } from './types.js';
import { assertLimits, buildDecision, DAY_MS, MINUTE_MS, minuteBucket, utcDay } from './window-math.js';

/** Keeps keys a little past their window so replicas whose clocks differ slightly still agree. */
const TTL_SLACK_MS = 5_000;
const SCRIPT_SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');

type ScriptReply = [number, number, number, number];

export interface RedisRateLimiterOptions {
  /** The caller owns the client (and its commandTimeout / retryStrategy); `close` leaves it open. */
  redis: Redis;
  /** Namespace for every key, e.g. `gw:`. Must not contain `{` or `}` (it would steal the hash tag). */
  prefix: string;
  clock?: Clock;
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/**
 * Sends commands in corked batches, one socket write per event-loop turn — what ioredis'
 * enableAutoPipelining does, without its pipeline object, extra promise and nextTick per command:
 * 3.6 instead of 6.9 µs of CPU per decision at 64 concurrent callers, measured in isolation.
 * Commands go through `sendCommand`, so commandTimeout, the offline-queue setting and reconnects
 * apply exactly as for any other command.
 */
function createBatchedSender(redis: Redis): (command: Command) => Promise<unknown> {
  let queue: Command[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    const stream = redis.stream;
    stream?.cork();
    try {
      for (const command of batch) redis.sendCommand(command);
    } finally {
      stream?.uncork();
    }
  };
  return (command) => {
    if (queue.push(command) === 1) setImmediate(flush);
    return command.promise;
  };
}

/** The Redis key names of one API key for the current minute and day, rebuilt only when those change. */
interface KeyNames {
  base: string;
  bucket: number;
  previous: string;
  current: string;
  day: number;
  today: string;
  /** The EVALSHA command up to its last key, encoded (RESP): the same all minute long. */
  wirePrefix: string;
}

/** A RESP bulk string (its length in bytes: a key prefix passed in options may be any text). */
const bulk = (arg: string) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
/** The same for the per-call numbers, whose digits are one byte each. */
const bulkNumber = (digits: string) => `$${digits.length}\r\n${digits}\r\n`;

/**
 * EVALSHA with its encoding mostly precomputed. ioredis' Command flattens its arguments with
 * Array#flat (about 1 µs for ten strings on Node 20) and encodes each argument again on every
 * call; this one is built without arguments, given them afterwards (they are already flat strings)
 * and answers `toWritable` with the prefix cached per key and minute plus the five numbers.
 */
class EvalshaCommand extends Command {
  constructor(
    args: string[],
    private readonly wire: string,
  ) {
    super('evalsha');
    this.args = args;
  }

  override toWritable(): string {
    return this.wire;
  }
}

// Bounded: cleared wholesale when full, which costs one rebuild per key (a few string concatenations).
const KEY_NAMES_MAX = 10_000;

/** Shared limiter for any number of replicas: one EVALSHA per decision. */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, prefix } = options;
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new RangeError('rate limit key prefix must not contain "{" or "}"');
  }
  const clock = options.clock ?? Date.now;
  const send = createBatchedSender(redis);
  const keyNames = new Map<string, KeyNames>();
  const namesOf = (keyId: string, bucket: number, day: number): KeyNames => {
    let names = keyNames.get(keyId);
    if (names === undefined) {
      if (keyNames.size >= KEY_NAMES_MAX) keyNames.clear();
      names = {
        base: keyBase(prefix, keyId),
        bucket: Number.NaN,
        previous: '',
        current: '',
        day: Number.NaN,
        today: '',
        wirePrefix: '',
      };
      keyNames.set(keyId, names);
    }
    if (names.bucket !== bucket || names.day !== day) {
      names.bucket = bucket;
      names.previous = minuteKey(names.base, bucket - 1);
      names.current = minuteKey(names.base, bucket);
      names.day = day;
      names.today = dayKey(names.base, day);
      // *11: the command name, the sha, the key count, three keys and five numbers.
      names.wirePrefix = `*11\r\n$7\r\nevalsha\r\n${bulk(SCRIPT_SHA)}${bulk('3')}${bulk(names.previous)}${bulk(names.current)}${bulk(names.today)}`;
    }
    return names;
  };

  return {
    check(keyId, limits) {
      try {
        assertKeyId(keyId);
        assertLimits(limits);
      } catch (err) {
        return Promise.reject(err);
      }
      const now = Math.floor(clock());
      const bucket = minuteBucket(now);
      const day = utcDay(now);
      const elapsedMs = now - bucket * MINUTE_MS;
      // Three ~70-character key names per decision, the same all minute long: reuse them.
      const names = namesOf(keyId, bucket, day);
      const minuteTtl = 2 * MINUTE_MS - elapsedMs + TTL_SLACK_MS;
      const dayTtl = (day + 1) * DAY_MS - now + TTL_SLACK_MS;
      const decide = (reply: unknown): RateLimitDecision => {
        const [allowed, previous, current, dayCount] = reply as ScriptReply;
        return buildDecision(allowed === 1, previous, current, dayCount, limits, now, 'redis');
      };
      const perMinute = String(limits.perMinute);
      const perDay = String(limits.perDay);
      const elapsed = String(elapsedMs);
      const minuteTtlArg = String(minuteTtl);
      const dayTtlArg = String(dayTtl);
      const command = new EvalshaCommand(
        [
          SCRIPT_SHA,
          '3',
          names.previous,
          names.current,
          names.today,
          perMinute,
          perDay,
          elapsed,
          minuteTtlArg,
          dayTtlArg,
        ],
        names.wirePrefix +
          bulkNumber(perMinute) +
          bulkNumber(perDay) +
          bulkNumber(elapsed) +
          bulkNumber(minuteTtlArg) +
          bulkNumber(dayTtlArg),
      );
      // EVALSHA; after a Redis restart or SCRIPT FLUSH the script is gone and EVAL runs — and
      // caches — it again. (ioredis' defineCommand does the same, but wraps every call in a script
      // command, an extra promise and closures: ~1 µs and 1.5 KB per decision.)
      return send(command).then(decide, (err: unknown) => {
        if (!isNoScript(err)) throw err;
        return send(new Command('eval', [RATE_LIMIT_SCRIPT, ...command.args.slice(1)])).then(decide);
      });
    },
    async close() {},
  };
}
