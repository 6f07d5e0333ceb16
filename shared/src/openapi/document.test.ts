import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../errors.js';
import { codesWithStatus, createOpenApiDocument } from './document.js';
import { problemStatusesOf } from './operation.js';
import { OPERATIONS } from './operations.js';

const document = createOpenApiDocument();
type Parameter = { in: string; name: string; required?: boolean; schema: Record<string, unknown> };
type PathItem = Record<string, { parameters?: Parameter[]; responses: Record<string, unknown> }>;
const operation = (method: string, path: string) => (document.paths![path] as PathItem)[method]!;

describe('createOpenApiDocument', () => {
  it('has one operation per registry entry, with unique operation ids', () => {
    const count = Object.values(document.paths ?? {}).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(count).toBe(OPERATIONS.length);
    expect(new Set(OPERATIONS.map((op) => op.operationId)).size).toBe(OPERATIONS.length);
    expect(new Set(OPERATIONS.map((op) => `${op.method} ${op.path}`)).size).toBe(OPERATIONS.length);
  });

  it('documents query schemas that `.transform` in the shape a client sends', () => {
    // UsageQuerySchema parses to a resolved window ({ from: Date, bucketSeconds, … }); clients send strings.
    const params = operation('get', '/usage/{keyId}').parameters!;
    expect(params.map((p) => `${p.in} ${p.name}`)).toEqual([
      'path keyId',
      'query from',
      'query to',
      'query bucketSeconds',
      'query limit',
      'query cursor',
    ]);
    expect(params.find((p) => p.name === 'from')!.schema).toMatchObject({ type: 'string', format: 'date-time' });
    expect(params.find((p) => p.name === 'limit')!.required).toBeFalsy();
    expect(params.find((p) => p.name === 'keyId')).toMatchObject({ required: true, schema: { format: 'uuid' } });
  });

  it('narrows each problem status to the codes errors.ts maps to it', () => {
    const schemas = document.components?.schemas as Record<string, { properties: Record<string, unknown> }>;
    for (const status of new Set(Object.values(ERROR_STATUS))) {
      const problem = schemas[`Problem${status}`];
      if (!problem) continue; // a status no management route answers (e.g. 502 is the proxy's)
      expect(problem.properties.code).toMatchObject({ enum: codesWithStatus(status) });
      expect(problem.properties.status).toMatchObject({ const: status });
    }
    expect(codesWithStatus(403)).toContain('ORIGIN_NOT_ALLOWED');
  });

  it('derives the problem statuses of an operation from what it takes', () => {
    const byId = (id: string) => OPERATIONS.find((op) => op.operationId === id)!;
    expect(problemStatusesOf(byId('getHealth'))).toEqual([500]);
    expect(problemStatusesOf(byId('updateKey'))).toEqual([400, 401, 403, 404, 413, 415, 500, 503]);
    expect(problemStatusesOf(byId('deletePlan'))).toEqual([401, 403, 404, 409, 500, 503]);
    expect(problemStatusesOf(byId('startOidcSignIn'))).toEqual([]);
    expect(Object.keys(operation('get', '/ready').responses)).toEqual(['200', '500', '503']);
  });

  it('requires the session cookie or a bearer token unless an operation is public', () => {
    expect(document.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
    const health = document.paths?.['/health']?.get as { security?: unknown[] };
    expect(health.security).toEqual([]);
    const keys = document.paths?.['/keys']?.get as { security?: unknown[] };
    expect(keys.security).toBeUndefined();
  });
});
