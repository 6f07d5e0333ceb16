import { expect } from 'vitest';

/** Asserts an RFC 9457 problem+json answer with this status and code; returns the parsed body. */
export async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, requestId: res.headers.get('x-request-id') });
  expect(body.type).toMatch(/^https:\/\//);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}
