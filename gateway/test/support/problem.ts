import { type Problem, ProblemSchema } from '@gateway/shared';
import { expect } from 'vitest';

/** Asserts an RFC 9457 problem+json answer with this status (and code); returns the parsed body. */
export async function expectProblem(res: Response, status: number, code?: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = ProblemSchema.parse(await res.json());
  expect(body.status).toBe(status);
  if (code) expect(body.code).toBe(code);
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(body.type).toMatch(/^https:\/\//);
  return body;
}
