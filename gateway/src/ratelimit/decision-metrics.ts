import type { Metrics } from '../metrics.js';
import type { RateLimitBackend, RateLimitDecision, RateLimiter } from './types.js';

export type RateLimitMetrics = Pick<Metrics, 'rateLimitDecisions' | 'rateLimitFailureMode'>;

type DecisionLabels = { result: 'allowed' | 'denied'; backend: RateLimitBackend };

const BACKENDS: readonly RateLimitBackend[] = ['redis', 'memory', 'local-fallback', 'open', 'closed'];

// Label objects built once: this runs on every proxied request.
const LABELS = Object.fromEntries(
  BACKENDS.map((backend) => [
    backend,
    { allowed: { result: 'allowed', backend }, denied: { result: 'denied', backend } },
  ]),
) as Record<RateLimitBackend, { allowed: DecisionLabels; denied: DecisionLabels }>;

export function recordDecision(metrics: RateLimitMetrics, decision: RateLimitDecision): void {
  const labels = LABELS[decision.backend];
  metrics.rateLimitDecisions.inc(decision.allowed ? labels.allowed : labels.denied);
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
