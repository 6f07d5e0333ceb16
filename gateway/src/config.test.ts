import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';

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
    const secrets = { NODE_ENV: 'production', ADMIN_API_TOKEN: 'x'.repeat(40), SESSION_SECRET: 'y'.repeat(40) };
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
});
