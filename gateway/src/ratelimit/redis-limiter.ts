import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from '../redis-client.js';
import { BatchedSender, type WatchedCommand } from './batched-sender.js';
import { assertKeyId, assertOwner, WindowKeyNames, type WindowKeys } from './redis-keys.js';
import { RATE_LIMIT_SCRIPT } from './redis-script.js';
import type { Clock, LimitPolicy, RateLimitDecision, RateLimiter } from './types.js';
import { assertCost, type Frame, frameOf, settle } from './window-math.js';

const SCRIPT_SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');

export interface RedisRateLimiterOptions {
  /** The caller owns the client (and its commandTimeout / retryStrategy); `close` leaves it open. */
  redis: RedisClient;
  /** Namespace for every key, e.g. `gw:`. Must not contain `{` or `}` (it would steal the hash tag). */
  prefix: string;
  clock?: Clock;
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

/** A RESP bulk string (its length in bytes: a key prefix passed in options may be any text). */
const bulk = (arg: string) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
/** The same for the per-call numbers, whose digits are one byte each. */
const bulkNumber = (digits: string) => `$${digits.length}\r\n${digits}\r\n`;

/**
 * EVALSHA with its encoding mostly precomputed. ioredis' Command flattens its arguments with
 * Array#flat (about 1 µs for ten strings on Node 20) and encodes each argument again on every
 * call; this one is built without arguments and answers `toWritable` with the prefix cached per
 * key and bucket (keys and the policy's fixed arguments) plus the per-request numbers. Its `args`
 * (which ioredis reads only for debug output and error reports) are the cached ones up to the
 * per-request numbers: no array is built per decision.
 */
class EvalshaCommand extends Command implements WatchedCommand {
  deadline = 0;

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

  /** ioredis arms commandTimeout here; the BatchedSender times these commands out itself. */
  override setTimeout(): void {}
}

/** The fixed part of the script's arguments: period, limit and enforced flag per window. */
function policyArgs(policy: LimitPolicy): string[] {
  const args: string[] = [];
  for (const w of policy.windows) args.push(String(w.periodMs), String(w.limit), w.shadow ? '0' : '1');
  return args;
}

/** The script's arguments after its SHA or body, for EVAL after NOSCRIPT. */
function scriptArgs(keys: WindowKeys, fixed: string[], frame: Frame, cost: number): string[] {
  const args = [String(keys.names.length), ...keys.names, ...fixed];
  for (let i = 0; i < keys.policy.windows.length; i++) args.push(String(frame.elapsed[i]), String(frame.ttls[i]));
  args.push(String(cost));
  return args;
}

/** The command up to its per-request numbers, RESP-encoded; cached with the key names. */
function encodePrefix(keys: WindowKeys, fixed: string[]): string {
  const argc = 3 + keys.names.length + fixed.length + 2 * keys.policy.windows.length + 1;
  let wire = `*${argc}\r\n$7\r\nevalsha\r\n${bulk(SCRIPT_SHA)}${bulkNumber(String(keys.names.length))}`;
  for (const name of keys.names) wire += bulk(name);
  for (const arg of fixed) wire += bulkNumber(arg);
  return wire;
}

/** Shared limiter for any number of replicas: one EVALSHA per decision, however many windows. */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, prefix } = options;
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new RangeError('rate limit key prefix must not contain "{" or "}"');
  }
  const clock = options.clock ?? Date.now;
  const sender = new BatchedSender(redis);
  const keyNames = new WindowKeyNames(prefix);
  const fixedArgs = new WeakMap<LimitPolicy, string[]>();
  const fixedOf = (policy: LimitPolicy) => {
    let args = fixedArgs.get(policy);
    if (args === undefined) {
      args = policyArgs(policy);
      fixedArgs.set(policy, args);
    }
    return args;
  };

  function decide(keyId: string, policy: LimitPolicy, ownerId: string | undefined, cost: number) {
    assertKeyId(keyId);
    assertOwner(policy, ownerId);
    assertCost(cost);
    const now = Math.floor(clock());
    const frame: Frame = frameOf(policy, now);
    // Nothing to count (a policy without windows): no round trip, and no MGET without keys.
    if (policy.windows.length === 0) return Promise.resolve(settle(policy, frame, [], true, cost, 'redis'));
    const fixed = fixedOf(policy);
    // Key names and most of the encoding are the same all bucket long: reuse them.
    const keys = keyNames.of(keyId, ownerId, policy, frame);
    if (keys.encoded === '') {
      keys.encoded = encodePrefix(keys, fixed);
      keys.args = [SCRIPT_SHA, String(keys.names.length), ...keys.names, ...fixed];
    }
    let wire = keys.encoded;
    for (let i = 0; i < policy.windows.length; i++) {
      wire += bulkNumber(String(frame.elapsed[i])) + bulkNumber(String(frame.ttls[i]));
    }
    wire += bulkNumber(String(cost));
    const settleReply = (reply: unknown): RateLimitDecision => {
      sender.settled();
      const values = reply as number[];
      return settle(policy, frame, values.slice(1), values[0] === 1, cost, 'redis');
    };
    // EVALSHA; after a Redis restart or SCRIPT FLUSH the script is gone and EVAL runs — and
    // caches — it again. (ioredis' defineCommand does the same, but wraps every call in a script
    // command, an extra promise and closures: ~1 µs and 1.5 KB per decision.)
    return sender.send(new EvalshaCommand(keys.args, wire)).then(settleReply, (err: unknown) => {
      sender.settled();
      if (!isNoScript(err)) throw err;
      const evalCommand = new Command('eval', [RATE_LIMIT_SCRIPT, ...scriptArgs(keys, fixed, frame, cost)]);
      return sender.send(evalCommand).then(settleReply);
    });
  }

  /** The counters of every window (MGET, read-only), settled as a request of cost 0 would be. */
  async function peek(keyId: string, policy: LimitPolicy, ownerId: string | undefined): Promise<RateLimitDecision> {
    assertKeyId(keyId);
    assertOwner(policy, ownerId);
    const frame: Frame = frameOf(policy, Math.floor(clock()));
    if (policy.windows.length === 0) return settle(policy, frame, [], true, 0, 'redis');
    const { names } = keyNames.of(keyId, ownerId, policy, frame);
    const values = await redis.mget(...names);
    const counts = new Array<number>(2 * policy.windows.length).fill(0);
    let k = 0;
    policy.windows.forEach((w, i) => {
      if (w.periodMs > 0) counts[2 * i] = Number(values[k++] ?? 0);
      counts[2 * i + 1] = Number(values[k++] ?? 0);
    });
    return settle(policy, frame, counts, true, 0, 'redis');
  }

  return {
    check(keyId, policy, ownerId, cost = 1) {
      try {
        return decide(keyId, policy, ownerId, cost);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    peek,
    async close() {},
  };
}
