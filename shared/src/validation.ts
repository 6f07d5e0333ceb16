import type { z } from 'zod';

/** One field-level error as it appears in a problem's `errors` array. */
export interface FieldError {
  path: string;
  message: string;
}

/** Turns zod issues into `{ path, message }` pairs that a UI can show next to its inputs. */
export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path: path || '(body)', message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path: path || '(body)', message: issue.message };
  });
}
