import type { Upstream } from './upstream.js';

/** What the balancer needs of a route: its targets, a round-robin cursor and the passive-health settings. */
export interface BalancedTargets {
  readonly targets: readonly Upstream[];
  /** Index of the target the next request starts looking at. */
  cursor: number;
  /** Connection failures or timeouts in a row that take a target out of rotation… */
  readonly ejectAfterFailures: number;
  /** …for this long (ms); then it is tried again, and one more failure takes it out again. */
  readonly ejectCooldownMs: number;
}

/**
 * The next target in round-robin order that is not out of rotation, skipping `avoid` (the target a
 * retry follows) when there is another. When every target is out, the next one in turn is tried
 * anyway: a route never refuses on its own account, and a target that answers is back at once.
 * Costs no clock read unless some target was ejected.
 */
export function pickTarget(route: BalancedTargets, avoid?: Upstream): Upstream {
  const targets = route.targets;
  const n = targets.length;
  if (n === 1) return targets[0]!;
  let now = 0;
  for (let i = 0; i < n; i++) {
    const target = targets[route.cursor]!;
    route.cursor = route.cursor + 1 === n ? 0 : route.cursor + 1;
    if (target === avoid) continue;
    if (target.ejectedUntil === 0) return target;
    if (now === 0) now = performance.now();
    if (target.ejectedUntil <= now) {
      target.ejectedUntil = 0;
      return target;
    }
  }
  const fallback = targets[route.cursor]!;
  route.cursor = route.cursor + 1 === n ? 0 : route.cursor + 1;
  return fallback;
}

/** The target answered (any status): its failure streak ends. */
export function targetAnswered(target: Upstream): void {
  if (target.failures !== 0) target.failures = 0;
}

/** The target could not be connected to, or did not answer in time. */
export function targetFailed(route: BalancedTargets, target: Upstream): void {
  target.failures++;
  if (target.failures >= route.ejectAfterFailures && target.ejectedUntil === 0) {
    target.ejectedUntil = performance.now() + route.ejectCooldownMs;
  }
}
