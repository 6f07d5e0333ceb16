import {
  keyLimits,
  type LimitPolicy,
  type RateLimitDecision,
  type RateLimits,
  type WindowState,
  windowNamed,
} from '../../src/ratelimit/index.js';

/** The seed's two numbers as a policy (a sliding minute and a UTC day). */
export const policyOf = (limits: RateLimits): LimitPolicy => keyLimits(limits.perMinute, limits.perDay);

/** The key's minute window of a decision (the policy must have one). */
export function minuteOf(decision: RateLimitDecision): WindowState {
  const w = windowNamed(decision, 'minute');
  if (w === undefined) throw new Error('the decision has no minute window');
  return w;
}

/** The key's day window of a decision (the policy must have one). */
export function dayOf(decision: RateLimitDecision): WindowState {
  const w = windowNamed(decision, 'day');
  if (w === undefined) throw new Error('the decision has no day window');
  return w;
}
