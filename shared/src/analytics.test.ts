import { describe, expect, it } from 'vitest';
import { UsageAnalyticsQuerySchema, UsageExportQuerySchema, UsageLogsQuerySchema } from './analytics.js';

const issuePaths = (r: { error?: { issues: { path: PropertyKey[] }[] } }) =>
  r.error?.issues.map((i) => i.path.join('.'));

describe('UsageAnalyticsQuerySchema', () => {
  it('resolves the window and defaults top', () => {
    const q = UsageAnalyticsQuerySchema.parse({ groupBy: 'route', method: 'get', status: '4xx' });
    expect(q.top).toBe(10);
    expect(q.method).toBe('GET');
    expect(q.to.getTime() - q.from.getTime()).toBe(86_400_000);
  });

  it('names each bad field', () => {
    const r = UsageAnalyticsQuerySchema.safeParse({
      groupBy: 'colour',
      status: '600',
      pathPrefix: 'v1',
      top: '0',
      keyId: 'x',
      method: 'G E T',
    });
    expect(issuePaths(r)?.sort()).toEqual(['groupBy', 'keyId', 'method', 'pathPrefix', 'status', 'top']);
  });

  it('refuses unknown parameters', () => {
    expect(issuePaths(UsageAnalyticsQuerySchema.safeParse({ colour: 'red' }))).toEqual(['']);
  });
});

describe('UsageLogsQuerySchema', () => {
  it('pages by 50 by default and refuses a bad cursor', () => {
    expect(UsageLogsQuerySchema.parse({}).limit).toBe(50);
    expect(issuePaths(UsageLogsQuerySchema.safeParse({ cursor: 'a b' }))).toEqual(['cursor']);
  });
});

describe('UsageExportQuerySchema', () => {
  it('needs a format and bounds a raw-log export to 31 days', () => {
    expect(issuePaths(UsageExportQuerySchema.safeParse({}))).toEqual(['format']);
    const long = { format: 'csv', from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' };
    expect(issuePaths(UsageExportQuerySchema.safeParse(long))).toEqual(['from']);
    expect(UsageExportQuerySchema.safeParse({ ...long, groupBy: 'key' }).success).toBe(true);
  });
});
