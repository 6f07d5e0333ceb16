// The variables `npm start` reads itself, checked before anything is built or started. Errors name
// the variable the user set (issue 16: GATEWAY_PORT=abc failed as "PORT Invalid input").

/** name → what it is, in the order ports are reported. GATEWAY_PORT is an alias of PORT. */
const PORTS = {
  proxy: { names: ['PORT', 'GATEWAY_PORT'], fallback: 3001, what: "the gateway's proxy" },
  management: { names: ['MANAGEMENT_PORT'], fallback: 3002, what: "the gateway's management API" },
  dashboard: { names: ['DASHBOARD_PORT'], fallback: 3000, what: 'the dashboard' },
};

/**
 * `{ ports: { proxy, management, dashboard }, names: { proxy, … }, errors }`: each port with the
 * variable it came from (for messages), and one line per problem.
 */
export function readStartConfig(env) {
  const errors = [];
  const ports = {};
  const names = {};
  for (const [key, { names: candidates, fallback, what }] of Object.entries(PORTS)) {
    const set = candidates.filter((n) => env[n] !== undefined && env[n] !== '');
    names[key] = set[0] ?? candidates[0];
    ports[key] = fallback;
    const values = new Set(set.map((n) => env[n].trim()));
    if (values.size > 1) {
      errors.push(
        `${set.map((n) => `${n}=${env[n]}`).join(' and ')} disagree: set only one (${set.slice(1).join(', ')} is an alias of ${set[0]})`,
      );
      continue;
    }
    for (const name of set) {
      const raw = env[name].trim();
      const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (port >= 1 && port <= 65535) ports[key] = port;
      else
        errors.push(
          `${name} must be a port number from 1 to 65535 for ${what} (got "${env[name]}"); e.g. ${name}=${fallback}`,
        );
    }
  }
  const seen = new Map();
  // A port that failed to parse holds its default here: comparing it would report a false clash.
  if (errors.length === 0)
    for (const key of Object.keys(PORTS)) {
      const other = seen.get(ports[key]);
      if (other)
        errors.push(`${names[key]} and ${names[other]} are both ${ports[key]}: each listener needs its own port`);
      else seen.set(ports[key], key);
    }
  return { ports, names, errors };
}

export const PORT_ROLES = Object.fromEntries(Object.entries(PORTS).map(([key, { what }]) => [key, what]));
