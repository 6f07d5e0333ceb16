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
      'DATABASE_CA_FILE needs DATABASE_URL (PostgreSQL)',
    ]);
  });
});
