/**
 * When a failed delivery is tried again: quickly at first (a receiver restarting), then further
 * apart, for about a day in all — a receiver that is down overnight still gets every event.
 * Each delay gets up to ±10 % jitter so that endpoints failing together do not retry in lockstep.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, // 5 s
  30_000, // 30 s
  2 * 60_000, // 2 min
  10 * 60_000, // 10 min
  30 * 60_000, // 30 min
  60 * 60_000, // 1 h
  2 * 3_600_000, // 2 h
  4 * 3_600_000, // 4 h
  8 * 3_600_000, // 8 h
  8 * 3_600_000, // 8 h: the last attempt, ~23 h after the first
];

/** Attempts in all: the first one plus one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed, or null when
 * `attempt` was the last. `random` is injectable for tests (uniform in [0, 1)).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.9 + 0.2 * random()));
}
