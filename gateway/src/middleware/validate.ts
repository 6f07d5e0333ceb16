import { IdSchema, toFieldErrors } from '@gateway/shared';
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

/**
 * A resource id from the path (`/keys/:id`). No resource has an id that is not a UUID, so a malformed
 * one is answered like any other unknown id: 404 "No API key with this id", not a 400 about "(body)".
 */
export function parseIdOrThrow(input: unknown, what: string): string {
  const result = IdSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiError('NOT_FOUND', `No ${what} with this id (${what} ids are UUIDs).`);
}
