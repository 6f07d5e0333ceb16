import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

/** What a production deployment sets besides its secrets and sign-in. */
const SERVICES = {
  DATABASE_URL: 'postgres://db:5432/gateway',
  REDIS_URL: 'redis://cache:6379',
  INTERNAL_API_BASE_URL: 'http://api.internal',
};
const PRODUCTION = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://mail:25',
  ADMIN_API_TOKEN: randomBytes(32).toString('hex'),
  SESSION_SECRET: randomBytes(32).toString('hex'),
  ...SERVICES,
};

function issuesOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('runs on defaults alone (embedded mode)', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ PORT: 3001, DATA_DIR: './.data', RATE_LIMIT_FAILURE_MODE: 'local' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.DASHBOARD_ORIGIN).toEqual(['http://localhost:3000']);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3001);
  });

  it('lists every invalid variable at once', () => {
    try {
      parseConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        RATE_LIMIT_FAILURE_MODE: 'sometimes',
        ADMIN_API_TOKEN: 'short',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).issues.map((i) => i.split(' ')[0]);
      expect(names).toEqual(
        expect.arrayContaining(['PORT', 'DATABASE_URL', 'RATE_LIMIT_FAILURE_MODE', 'ADMIN_API_TOKEN']),
      );
    }
  });

  it('reports malformed URLs and every other invalid variable at once, one line each, with a good value', () => {
    const env = {
      DATABASE_URL: 'notaurl',
      REDIS_URL: 'notaurl',
      INTERNAL_API_BASE_URL: 'notaurl',
      SMTP_URL: 'http://mailer:hunter2@mail.example.com',
      PORT: 'abc',
      SESSION_SECRET: 'too-short-secret',
      LOG_LEVEL: 'loud',
    };
    let issues: string[] = [];
    try {
      parseConfig(env);
      expect.unreachable();
    } catch (error) {
      // Before: `new URL('notaurl')` inside a refine threw a TypeError out of zod, listing nothing.
      expect(error).toBeInstanceOf(ConfigError);
      issues = (error as ConfigError).issues;
    }
    expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual(Object.keys(env).sort());
    expect(issues).toContain(
      'DATABASE_URL is not a URL: must be a URL starting with postgres:// or postgresql:// (got "notaurl"); e.g. DATABASE_URL=postgresql://gateway:password@localhost:5432/gateway',
    );
    expect(issues).toContain('PORT must be a whole number from 0 to 65535 (got "abc"); e.g. PORT=3001');
    for (const issue of issues) {
      expect(issue).not.toContain('\n');
      expect(issue).toMatch(/; e\.g\. [A-Z_]+=\S/);
    }
    // Neither a secret nor a URL's password is echoed.
    expect(issues.join('\n')).not.toMatch(/too-short-secret|hunter2/);
  });

  it('requires the admin token, the session secret and a way to sign in (SMTP or OIDC) in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(
      /SMTP_URL[\s\S]*ADMIN_API_TOKEN[\s\S]*SESSION_SECRET/,
    );
    const secrets = {
      ...SERVICES,
      NODE_ENV: 'production',
      ADMIN_API_TOKEN: PRODUCTION.ADMIN_API_TOKEN,
      SESSION_SECRET: PRODUCTION.SESSION_SECRET,
    };
    expect(() => parseConfig(secrets)).toThrow(/SMTP_URL or OIDC_ISSUER is required when NODE_ENV=production/);
    expect(parseConfig({ ...secrets, SMTP_URL: 'smtp://mail:25' }).NODE_ENV).toBe('production');
    expect(parseConfig({ ...secrets, OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'gw' }).NODE_ENV).toBe(
      'production',
    );
  });

  it('keeps the management API off the proxy port and reads list variables', () => {
    expect(() => parseConfig({ PORT: '4000', MANAGEMENT_PORT: '4000' })).toThrow(
      /MANAGEMENT_PORT must differ from PORT/,
    );
    expect(parseConfig({ PORT: '0', MANAGEMENT_PORT: '0' }).MANAGEMENT_PORT).toBe(0);
    const config = parseConfig({ ADMIN_EMAILS: ' a@example.com, b@example.com ,', OIDC_ADMIN_VALUES: 'ops,admins' });
    expect(config.ADMIN_EMAILS).toEqual(['a@example.com', 'b@example.com']);
    expect(config.OIDC_ADMIN_VALUES).toEqual(['ops', 'admins']);
    expect(() => parseConfig({ ADMIN_EMAILS: 'not-an-email' })).toThrow(/ADMIN_EMAILS/);
    expect(
      parseConfig({ DASHBOARD_ORIGIN: 'https://dash.example.com/, http://localhost:3000' }).DASHBOARD_ORIGIN,
    ).toEqual(['https://dash.example.com', 'http://localhost:3000']);
    expect(() => parseConfig({ OIDC_ISSUER: 'https://id.example.com' })).toThrow(/OIDC_CLIENT_ID is required/);
  });

  it('bounds the key-guessing settings', () => {
    expect(parseConfig({})).toMatchObject({
      AUTH_FAILURE_PREFIX_V4: 24,
      AUTH_FAILURE_PREFIX_V6: 64,
      UNKNOWN_KEY_LOOKUPS_PER_SECOND: 100,
    });
    expect(() => parseConfig({ AUTH_FAILURE_PREFIX_V4: '33' })).toThrow(/AUTH_FAILURE_PREFIX_V4/);
    expect(() => parseConfig({ AUTH_FAILURE_PREFIX_V6: '129' })).toThrow(/AUTH_FAILURE_PREFIX_V6/);
    expect(() => parseConfig({ UNKNOWN_KEY_LOOKUPS_PER_SECOND: '0' })).toThrow(/UNKNOWN_KEY_LOOKUPS_PER_SECOND/);
  });

  it('bounds the circuit breaker settings', () => {
    expect(parseConfig({})).toMatchObject({
      RATE_LIMIT_PROBE_BACKOFF_MS: 1_000,
      RATE_LIMIT_PROBE_BACKOFF_MAX_MS: 30_000,
    });
    expect(() => parseConfig({ RATE_LIMIT_PROBE_BACKOFF_MS: '0' })).toThrow(/RATE_LIMIT_PROBE_BACKOFF_MS/);
    expect(() => parseConfig({ RATE_LIMIT_PROBE_BACKOFF_MS: '5000', RATE_LIMIT_PROBE_BACKOFF_MAX_MS: '2000' })).toThrow(
      /RATE_LIMIT_PROBE_BACKOFF_MAX_MS must be at least RATE_LIMIT_PROBE_BACKOFF_MS/,
    );
  });

  it('parses TRUST_PROXY and names it when it is wrong', () => {
    expect(parseConfig({}).TRUST_PROXY).toEqual(['loopback']);
    expect(parseConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(parseConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ TRUST_PROXY: ' loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.1' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.1',
    ]);
    for (const bad of ['yes please', '10.0.0.0/33', 'loopbak', '256.1.1.1', '1000', ',', '-1']) {
      expect(() => parseConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY must be true, false, a hop count/);
    }
  });

  it('reads PUBLIC_URL as an origin with an optional path', () => {
    expect(parseConfig({}).PUBLIC_URL).toBeUndefined();
    expect(parseConfig({ PUBLIC_URL: 'https://api.example.com/' }).PUBLIC_URL).toBe('https://api.example.com');
    expect(parseConfig({ PUBLIC_URL: 'https://example.com:8443/gw/' }).PUBLIC_URL).toBe('https://example.com:8443/gw');
    for (const bad of ['api.example.com', 'ftp://api.example.com', 'https://a.example?x=1', 'https://u:p@a.example']) {
      expect(() => parseConfig({ PUBLIC_URL: bad }), bad).toThrow(/PUBLIC_URL/);
    }
  });

  it('refuses low-entropy secrets in production, suggesting openssl rand -hex 32', () => {
    for (const weak of [
      'a'.repeat(32),
      'ab'.repeat(20),
      '0123456789abcdef'.repeat(2),
      'change-me-change-me-change-me-change-me',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
    ]) {
      for (const name of ['ADMIN_API_TOKEN', 'SESSION_SECRET']) {
        const issues = issuesOf({ ...PRODUCTION, [name]: weak });
        expect(issues, `${name}=${weak}`).toHaveLength(1);
        expect(issues[0]).toMatch(new RegExp(`^${name} .*openssl rand -hex 32`));
      }
    }
    // The same values are accepted in development (length still counts there).
    expect(parseConfig({ ADMIN_API_TOKEN: 'a'.repeat(32) }).ADMIN_API_TOKEN).toBe('a'.repeat(32));
  });

  it('accepts every kind of secret the project generates or ships', () => {
    const generated = [
      () => randomBytes(32).toString('hex'), // openssl rand -hex 32, the README's advice
      () => randomBytes(16).toString('hex'), // the shortest accepted: 32 hex characters
      () => randomBytes(36).toString('base64url'), // checks/ production build
      () => `adm_${randomBytes(24).toString('hex')}`, // test support
      () => `adm_${randomBytes(24).toString('base64url')}`, // generated in development (secrets.ts)
      () => `bench-admin-${randomBytes(16).toString('hex')}`, // bench/
    ];
    for (const make of generated) {
      for (let i = 0; i < 200; i++) {
        const value = make();
        expect(issuesOf({ ...PRODUCTION, ADMIN_API_TOKEN: value, SESSION_SECRET: value }), value).toEqual([]);
      }
    }
    // docker-compose.yml's development defaults (it runs with NODE_ENV=production).
    const compose = {
      ADMIN_API_TOKEN: 'dev-admin-token-change-me-0123456789abcdef',
      SESSION_SECRET: 'dev-session-secret-change-me-0123456789abcdef',
    };
    expect(issuesOf({ ...PRODUCTION, ...compose })).toEqual([]);
  });

  it('refuses to fall back to embedded defaults in production, naming each missing variable', () => {
    const { DATABASE_URL: _d, REDIS_URL: _r, INTERNAL_API_BASE_URL: _i, ...bare } = PRODUCTION;
    const issues = issuesOf(bare);
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^DATABASE_URL is required when NODE_ENV=production .*PGlite/);
    expect(issues[1]).toMatch(/^REDIS_URL is required when NODE_ENV=production .*in-memory/);
    expect(issues[2]).toMatch(/^INTERNAL_API_BASE_URL is required when NODE_ENV=production .*demo upstream/);
    expect(issues.join('\n')).toMatch(/ALLOW_EMBEDDED_IN_PRODUCTION=true/);
    // One at a time, too: only the missing one is named.
    expect(issuesOf({ ...PRODUCTION, REDIS_URL: '' }).map((i) => i.split(' ')[0])).toEqual(['REDIS_URL']);
    // The explicit opt-in starts it, as does development without any of them.
    expect(parseConfig({ ...bare, ALLOW_EMBEDDED_IN_PRODUCTION: 'true' }).ALLOW_EMBEDDED_IN_PRODUCTION).toBe(true);
    expect(parseConfig({}).ALLOW_EMBEDDED_IN_PRODUCTION).toBe(false);
  });

  it('reads DATABASE_CA_FILE only with a DATABASE_URL', () => {
    expect(parseConfig({ ...SERVICES, DATABASE_CA_FILE: '/etc/ssl/rds.pem' }).DATABASE_CA_FILE).toBe(
      '/etc/ssl/rds.pem',
    );
    expect(issuesOf({ DATABASE_CA_FILE: '/etc/ssl/rds.pem' })).toEqual([
      'DATABASE_CA_FILE needs DATABASE_URL (PostgreSQL) (got "/etc/ssl/rds.pem")',
    ]);
  });

  it('keeps identity header names lower-case and refuses invalid, reserved or repeated ones', () => {
    const config = parseConfig({ IDENTITY_HEADER_KEY_ID: 'X-Caller-Key' });
    expect(config.IDENTITY_HEADER_KEY_ID).toBe('x-caller-key');
    expect(config.IDENTITY_HEADER_USER_ID).toBe('x-gateway-user-id');
    expect(config.IDENTITY_HEADER_PLAN).toBe('x-gateway-plan');
    expect(issuesOf({ IDENTITY_HEADER_KEY_ID: 'X Caller' }).join('\n')).toMatch(/^IDENTITY_HEADER_KEY_ID .*field name/);
    expect(issuesOf({ IDENTITY_HEADER_USER_ID: 'X-Forwarded-For' }).join('\n')).toMatch(/^IDENTITY_HEADER_USER_ID /);
    expect(issuesOf({ IDENTITY_HEADER_PLAN: 'Host' }).join('\n')).toMatch(/^IDENTITY_HEADER_PLAN /);
    expect(issuesOf({ IDENTITY_HEADER_PLAN: 'x-gateway-key-id' }).join('\n')).toMatch(/must name different fields/);
  });

  it('takes REDIS_MODE=cluster only with a REDIS_URL that selects no database', () => {
    expect(parseConfig({}).REDIS_MODE).toBe('standalone');
    expect(parseConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://node-1:7000' }).REDIS_MODE).toBe('cluster');
    expect(parseConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'rediss://u:p@node-1:7000/0' }).REDIS_MODE).toBe('cluster');
    expect(issuesOf({ REDIS_MODE: 'cluster' })).toEqual([
      'REDIS_URL is required when REDIS_MODE=cluster (the URL of any node of the cluster); e.g. REDIS_URL=redis://localhost:6379',
    ]);
    expect(issuesOf({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://node-1:7000/2' })[0]).toMatch(
      /^REDIS_URL must not select a database with REDIS_MODE=cluster/,
    );
    expect(issuesOf({ REDIS_MODE: 'sharded' })[0]).toMatch(/^REDIS_MODE must be one of standalone, cluster/);
  });
});
