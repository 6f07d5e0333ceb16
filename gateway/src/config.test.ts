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

  it('requires the admin token and session secret in production', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_TOKEN[\s\S]*SESSION_SECRET/);
    const secret = 'x'.repeat(40);
    expect(parseConfig({ NODE_ENV: 'production', ADMIN_API_TOKEN: secret, SESSION_SECRET: secret }).NODE_ENV).toBe(
      'production',
    );
  });
});
