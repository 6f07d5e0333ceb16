import { networkInterfaces } from 'node:os';
import type { Config } from '../config.js';

type Interfaces = ReturnType<typeof networkInterfaces>;

/**
 * Names a browser on this machine reaches the dashboard under. `0.0.0.0` and `[::]` are what Next
 * prints as its "Network" address when it listens on every interface (`npm start` does): a browser
 * connects them to this machine, so a newcomer who clicks that line lands on the same dashboard.
 */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]'];

/**
 * The origins CORS and the cookie CSRF check accept: `DASHBOARD_ORIGIN` exactly in production. In
 * development (issue 16) the same dashboard is also opened as `http://127.0.0.1:3000`, `[::1]` or the
 * network address Next prints (`0.0.0.0` under `npm start`, else a LAN address), so every listed origin's scheme and port are accepted on the loopback
 * names and on this machine's own addresses too: only the dashboard can listen on that port here.
 */
export function allowedDashboardOrigins(
  config: Pick<Config, 'DASHBOARD_ORIGIN' | 'NODE_ENV'>,
  interfaces: Interfaces = networkInterfaces(),
): ReadonlySet<string> {
  const allowed = new Set(config.DASHBOARD_ORIGIN);
  if (config.NODE_ENV === 'production') return allowed;
  const ownAddresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => !entry.internal && !(entry.family === 'IPv6' && entry.scopeid))
    .map((entry) => (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address));
  for (const origin of config.DASHBOARD_ORIGIN) {
    const { protocol, port } = new URL(origin);
    for (const host of [...LOOPBACK_HOSTS, ...ownAddresses]) {
      allowed.add(new URL(`${protocol}//${host}${port ? `:${port}` : ''}`).origin);
    }
  }
  return allowed;
}

const cache = new WeakMap<object, ReadonlySet<string>>();

/** True when `origin` (a request's `Origin` header) is one of the dashboard's; the set is built once per config. */
export function isDashboardOrigin(config: Pick<Config, 'DASHBOARD_ORIGIN' | 'NODE_ENV'>, origin: unknown): boolean {
  if (typeof origin !== 'string') return false;
  let allowed = cache.get(config);
  if (!allowed) {
    allowed = allowedDashboardOrigins(config);
    cache.set(config, allowed);
  }
  return allowed.has(origin);
}

/** Where a sign-in link sends the browser: back to the dashboard origin that asked, else the first listed one. */
export function dashboardOriginFor(config: Pick<Config, 'DASHBOARD_ORIGIN' | 'NODE_ENV'>, origin: unknown): string {
  return isDashboardOrigin(config, origin) ? (origin as string) : config.DASHBOARD_ORIGIN[0]!;
}
