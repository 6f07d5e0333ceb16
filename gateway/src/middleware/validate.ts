import { toFieldErrors } from '@gateway/shared';
import type { z } from 'zod';
import { ApiError } from '../errors.js';

/** Parses `input` with a contract schema or throws a 400 that lists every invalid field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = toFieldErrors(result.error);
  const summary = errors.map((e) => `${e.path} ${e.message}`).join('; ');
  throw new ApiError('VALIDATION_FAILED', `Invalid ${what}: ${summary}`, { errors });
}
