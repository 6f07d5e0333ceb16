import { DEFAULT_EJECT_AFTER_FAILURES, DEFAULT_EJECT_COOLDOWN_MS, DEFAULT_ROUTE_NAME } from '@gateway/shared';
import type { Logger } from '../logger.js';
import type { BalancedTargets } from './balancer.js';
import { createUpstream, type Upstream } from './upstream.js';

export const PROXY_PREFIX = '/proxy';

/** A route as the database holds it (the fields the proxy needs). */
export interface RouteDefinition {
  id: string;
  name: string;
  prefix: string;
  targets: string[];
  timeoutMs: number | null;
  retries: number;
  stripPrefix: boolean;
  enabled: boolean;
  cost: number;
  ejectAfterFailures: number;
  ejectCooldownMs: number;
}

/** A route ready for the hot path: matched by prefix, its targets' pools open. */
export interface ProxyRoute extends BalancedTargets {
  /** Null for the implicit default route. */
  readonly id: string | null;
  readonly name: string;
  readonly prefix: string;
  readonly enabled: boolean;
  readonly cost: number;
  /** Extra attempts for idempotent requests without a body whose connection failed. */
  readonly retries: number;
  /** Characters of the URL after `/proxy` that the upstream does not see (the prefix, when stripped). */
  readonly stripLength: number;
  /** Where an upstream path `base + /x` is found by clients: `/proxy` + the stripped prefix. */
  readonly publicPrefix: string;
  readonly targets: readonly Upstream[];
}

export interface RouteTableOptions {
  /** Reads the routes (src/repositories/routes.ts `listRoutes`). */
  load: () => Promise<RouteDefinition[]>;
  /** INTERNAL_API_BASE_URL's pool: the implicit default route's one target (closed by its owner). */
  defaultUpstream: Upstream;
  /** Pool settings of every route target; `timeoutMs` unless the route has its own. */
  upstream: { connections: number; timeoutMs: number; queueTimeoutMs: number };
  logger: Logger;
}

const ROOT = 47; /* / */
const QUERY = 63; /* ? */

/**
 * The routes the proxy matches requests against, longest prefix first. `reload` reads them again
 * (on a `routes` config event from any replica, and periodically as a safety net); a route keeps
 * its targets' pools (and their health) across reloads unless its targets or timeout changed, and
 * pools no route uses any more are closed once their requests have finished.
 */
export class RouteTable {
  private routes: ProxyRoute[];
  private pools = new Map<string, Upstream>();
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly defaultRoute: ProxyRoute;

  constructor(private readonly options: RouteTableOptions) {
    this.defaultRoute = {
      id: null,
      name: DEFAULT_ROUTE_NAME,
      prefix: '/',
      enabled: true,
      cost: 1,
      retries: 0,
      stripLength: 0,
      publicPrefix: PROXY_PREFIX,
      targets: [options.defaultUpstream],
      cursor: 0,
      ejectAfterFailures: DEFAULT_EJECT_AFTER_FAILURES,
      ejectCooldownMs: DEFAULT_EJECT_COOLDOWN_MS,
    };
    this.routes = [this.defaultRoute];
  }

  /**
   * The route for a request URL starting with `/proxy`: the longest prefix that ends at a segment
   * boundary (`/v1` matches `/v1`, `/v1/x` and `/v1?x`, not `/v10`). No allocation; routes are few.
   */
  match(url: string): ProxyRoute | null {
    const at = PROXY_PREFIX.length;
    for (const route of this.routes) {
      const prefix = route.prefix;
      if (prefix.length === 1) return route; // `/`, last in the list: matches everything
      if (!url.startsWith(prefix, at)) continue;
      const next = url.charCodeAt(at + prefix.length);
      if (Number.isNaN(next) || next === ROOT || next === QUERY) return route;
    }
    return null;
  }

  /** The routes in matching order (the implicit default last, unless a route on `/` replaces it). */
  list(): readonly ProxyRoute[] {
    return this.routes;
  }

  /** The first load (failing loudly), then reloads every `reloadIntervalMs`. */
  async start(reloadIntervalMs: number): Promise<void> {
    this.apply(await this.options.load());
    this.timer = setInterval(() => void this.reload(), reloadIntervalMs);
    this.timer.unref();
  }

  /** Reads the routes again; a failed read keeps the current table (and is logged). Never rejects. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    let rows: RouteDefinition[];
    try {
      rows = await this.options.load();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'reloading routes failed; keeping the current ones');
      return;
    }
    // A later reload started meanwhile: its answer is at least as new as this one.
    if (generation === this.generation) this.apply(rows);
  }

  /** Stops reloading and closes every route target's pool (waiting for their requests). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.pool.close().catch(() => {})));
  }

  private apply(rows: RouteDefinition[]): void {
    const pools = new Map<string, Upstream>();
    // The contract requires a target; a row without one (edited by hand) would match and fail every request.
    const routes = rows.filter((row) => row.targets.length > 0).map((row) => this.compile(row, pools));
    routes.sort((a, b) => b.prefix.length - a.prefix.length);
    if (!routes.some((r) => r.prefix === '/')) routes.push(this.defaultRoute);
    const retired = [...this.pools].filter(([id]) => !pools.has(id)).map(([, upstream]) => upstream);
    this.routes = routes;
    this.pools = pools;
    // undici's close() lets dispatched requests finish, then closes the connections.
    for (const upstream of retired) upstream.pool.close().catch(() => {});
  }

  private compile(row: RouteDefinition, pools: Map<string, Upstream>): ProxyRoute {
    const timeoutMs = row.timeoutMs ?? this.options.upstream.timeoutMs;
    const targets = row.targets.map((url) => {
      // A route's target keeps its pool (and passive-health state) while its URL and timeout stay.
      const id = `${row.id} ${timeoutMs} ${url}`;
      const upstream =
        pools.get(id) ?? this.pools.get(id) ?? createUpstream(url, { ...this.options.upstream, timeoutMs });
      pools.set(id, upstream);
      return upstream;
    });
    const stripLength = row.stripPrefix && row.prefix !== '/' ? row.prefix.length : 0;
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      enabled: row.enabled,
      cost: row.cost,
      retries: row.retries,
      stripLength,
      publicPrefix: stripLength > 0 ? PROXY_PREFIX + row.prefix : PROXY_PREFIX,
      targets,
      cursor: 0,
      ejectAfterFailures: row.ejectAfterFailures,
      ejectCooldownMs: row.ejectCooldownMs,
    };
  }
}
