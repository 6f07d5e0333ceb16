import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';

// @balena/dockerignore implements Docker's own matching rules (Go filepath.Match plus `**` and `!`).
// It is CommonJS (`module.exports = factory`) while its types declare a default export; require it.
const factory = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => Ignore;

/** A matcher for a .dockerignore file's text: `ignores(path)` is true for excluded context paths. */
export function dockerignoreMatcher(text: string): Ignore {
  return factory().add(text.split('\n'));
}
