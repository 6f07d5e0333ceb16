import type { CounterSlot, Metrics } from '../metrics.js';
import type { RateLimitBackend, RateLimitDecision, RateLimiter } from './types.js';

export type RateLimitMetrics = Pick<Metrics, 'rateLimitDecisions' | 'rateLimitWindows' | 'rateLimitFailureMode'>;

const BACKENDS: readonly RateLimitBackend[] = ['redis', 'memory', 'local-fallback', 'open', 'closed'];

type DecisionSlots = Record<RateLimitBackend, { allowed: CounterSlot; denied: CounterSlot }>;
interface WindowSlots {
  pass: CounterSlot;
  refused: CounterSlot;
  shadow_refused: CounterSlot;
}

// Slots made once per counter (and window name): this runs on every proxied request.
const slotsByCounter = new WeakMap<RateLimitMetrics['rateLimitDecisions'], DecisionSlots>();
const windowSlotsByCounter = new WeakMap<RateLimitMetrics['rateLimitWindows'], Map<string, WindowSlots>>();

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

function windowSlotsOf(counter: RateLimitMetrics['rateLimitWindows'], name: string): WindowSlots {
  let byName = windowSlotsByCounter.get(counter);
  if (byName === undefined) {
    byName = new Map();
    windowSlotsByCounter.set(counter, byName);
  }
  let slots = byName.get(name);
  if (slots === undefined) {
    // Window names come from a closed set (unit × scope): at most ten entries.
    slots = {
      pass: counter.slot({ window: name, result: 'pass' }),
      refused: counter.slot({ window: name, result: 'refused' }),
      shadow_refused: counter.slot({ window: name, result: 'shadow_refused' }),
    };
    byName.set(name, slots);
  }
  return slots;
}

export function recordDecision(metrics: RateLimitMetrics, decision: RateLimitDecision): void {
  const slots = slotsOf(metrics.rateLimitDecisions)[decision.backend];
  (decision.allowed ? slots.allowed : slots.denied).inc();
  if (decision.backend === 'closed' || decision.backend === 'open') return;
  const { refusedBy, shadowRefusals } = decision;
  for (const w of decision.windows) {
    const slots = windowSlotsOf(metrics.rateLimitWindows, w.name);
    if (w === refusedBy) slots.refused.inc();
    else if (shadowRefusals.length > 0 && shadowRefusals.includes(w)) slots.shadow_refused.inc();
    else slots.pass.inc();
  }
}

/** Counts every decision of `limiter` (for the memory-only setup, which has no resilient wrapper). */
export function withDecisionMetrics(limiter: RateLimiter, metrics: RateLimitMetrics): RateLimiter {
  return {
    async check(keyId, policy, ownerId, cost) {
      const decision = await limiter.check(keyId, policy, ownerId, cost);
      recordDecision(metrics, decision);
      return decision;
    },
    peek: (keyId, policy, ownerId) => limiter.peek(keyId, policy, ownerId),
    close: () => limiter.close(),
  };
}
