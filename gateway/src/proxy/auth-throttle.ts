import { LRUCache } from 'lru-cache';

/**
 * Slows key guessing: counts rejected API keys per client address in fixed one-minute windows and
 * refuses further attempts from an address over the limit before any lookup. In-process per
 * replica — a guesser spread over many replicas gets `replicas × limit`, still far from useful
 * against 160-bit keys.
 */
export class AuthFailureThrottle {
  private readonly windows = new LRUCache<string, { start: number; count: number }>({ max: 100_000 });

  constructor(
    private readonly limitPerMinute: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  retryAfter(ip: string): number {
    const w = this.windows.get(ip);
    if (!w) return 0;
    const elapsed = this.clock() - w.start;
    if (elapsed >= 60_000) return 0;
    return w.count >= this.limitPerMinute ? Math.ceil((60_000 - elapsed) / 1000) : 0;
  }

  fail(ip: string): void {
    const now = this.clock();
    const w = this.windows.get(ip);
    if (!w || now - w.start >= 60_000) this.windows.set(ip, { start: now, count: 1 });
    else w.count++;
  }
}
