import type { Command } from 'ioredis';
import { commandTimeoutOf, type RedisClient } from '../redis-client.js';

/** A command the sender times out itself (see `BatchedSender`): ioredis' per-command timer is skipped. */
export interface WatchedCommand extends Command {
  /** `performance.now()` after which the command fails with ioredis' "Command timed out". */
  deadline: number;
}

// Settled commands are dropped from the front of the in-flight list; the list is compacted once
// this many have gone, so each command costs a constant share of one copy.
const COMPACT_AFTER = 1024;

/**
 * Sends commands in corked batches, one socket write per event-loop turn — what ioredis'
 * enableAutoPipelining does, without its pipeline object, extra promise and nextTick per command:
 * 3.6 instead of 6.9 µs of CPU per decision at 64 concurrent callers, measured in isolation.
 * Commands go through `sendCommand`, so the offline-queue setting and reconnects apply exactly as
 * for any other command.
 *
 * The client's `commandTimeout` is kept with one timer for every command in flight instead of
 * ioredis' timer (a Timeout and a closure, and a `delete` that turns the command into a slow
 * dictionary object) per command. Replies on one connection come in order, so the oldest command
 * in flight is the next to settle: the timer is armed for its deadline, and when it fires, every
 * command past its deadline fails with ioredis' own error.
 */
export class BatchedSender {
  private queue: Command[] = [];
  private readonly inFlight: WatchedCommand[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number | undefined;

  constructor(private readonly redis: RedisClient) {
    const timeout = commandTimeoutOf(redis);
    this.timeoutMs = typeof timeout === 'number' && timeout > 0 ? timeout : undefined;
  }

  /**
   * Queues `command` for this turn's batch. A `WatchedCommand` (whose `setTimeout` does nothing) is
   * timed out here, any other command by ioredis.
   */
  send(command: Command): Promise<unknown> {
    if (this.queue.push(command) === 1) setImmediate(this.flush);
    return command.promise;
  }

  /** Watched commands sent and not yet dropped as settled or timed out. */
  get pending(): number {
    return this.inFlight.length - this.head;
  }

  /** Drops settled commands from the front of the in-flight list (call after a reply). */
  settled(): void {
    const inFlight = this.inFlight;
    while (this.head < inFlight.length && inFlight[this.head]!.isResolved) this.head++;
    this.compact();
  }

  private readonly flush = (): void => {
    const batch = this.queue;
    this.queue = [];
    const deadline = this.timeoutMs === undefined ? 0 : performance.now() + this.timeoutMs;
    // A cluster client has no one socket: it routes each command to its slot's node. Replies from
    // several nodes may then settle out of order; deadlines still grow in sending order, which is
    // all `expire` relies on (settled commands are skipped wherever they are).
    const stream = 'stream' in this.redis ? this.redis.stream : undefined;
    stream?.cork();
    try {
      for (const command of batch) {
        if (deadline !== 0 && 'deadline' in command) {
          (command as WatchedCommand).deadline = deadline;
          this.inFlight.push(command as WatchedCommand);
        }
        this.redis.sendCommand(command);
      }
    } finally {
      stream?.uncork();
    }
    if (this.timer === undefined && this.head < this.inFlight.length) this.arm(this.timeoutMs!);
  };

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const inFlight = this.inFlight;
    while (this.head < inFlight.length) {
      const command = inFlight[this.head]!;
      if (!command.isResolved) {
        if (command.deadline > now) break;
        command.reject(new Error('Command timed out'));
      }
      this.head++;
    }
    this.compact();
    if (this.head < inFlight.length) this.arm(inFlight[this.head]!.deadline - now);
  };

  private arm(ms: number): void {
    // Unref'd: the Redis connection, not a watchdog, decides whether the process stays up.
    this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private compact(): void {
    if (this.head === this.inFlight.length) {
      this.inFlight.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER) {
      this.inFlight.splice(0, this.head);
      this.head = 0;
    }
  }
}
