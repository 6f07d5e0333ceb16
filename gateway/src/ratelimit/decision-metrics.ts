import type { CounterSlot, Metrics } from '../metrics.js';
import type { RateLimitBackend, RateLimitDecision, RateLimiter } from './types.js';

export type RateLimitMetrics = Pick<Metrics, 'rateLimitDecisions' | 'rateLimitFailureMode'>;

const BACKENDS: readonly RateLimitBackend[] = ['redis', 'memory', 'local-fallback', 'open', 'closed'];

type DecisionSlots = Record<RateLimitBackend, { allowed: CounterSlot; denied: CounterSlot }>;

// Slots made once per counter: this runs on every proxied request.
const slotsByCounter = new WeakMap<RateLimitMetrics['rateLimitDecisions'], DecisionSlots>();

function slotsOf(counter: RateLimitMetrics['rateLimitDecisions']): DecisionSlots {
  let slots = slotsByCounter.get(counter);
  if (slots === undefined) {
    slots = Object.fromEntries(
      BACKENDS.map((backend) => [
        backend,
        {
          allowed: counter.slot({ result: 'allowed', backend }),
          denied: counter.slot({ result: 'denied', backend }),
        },
      ]),
    ) as DecisionSlots;
    slotsByCounter.set(counter, slots);
  }
  return slots;
}

export function recordDecision(metrics: RateLimitMetrics, decision: RateLimitDecision): void {
  const slots = slotsOf(metrics.rateLimitDecisions)[decision.backend];
  (decision.allowed ? slots.allowed : slots.denied).inc();
}

/** Counts every decision of `limiter` (for the memory-only setup, which has no resilient wrapper). */
export function withDecisionMetrics(limiter: RateLimiter, metrics: RateLimitMetrics): RateLimiter {
  return {
    async check(keyId, limits) {
      const decision = await limiter.check(keyId, limits);
      recordDecision(metrics, decision);
      return decision;
    },
    close: () => limiter.close(),
  };
}
