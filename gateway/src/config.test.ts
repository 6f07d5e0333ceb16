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
});
