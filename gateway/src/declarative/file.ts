import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/** One thing wrong with a configuration file, where it is. */
export interface FileIssue {
  /** 1-based; 0 when the file as a whole is wrong (empty, not a mapping). */
  line: number;
  column: number;
  /** Where in the document, e.g. `routes[2].prefix`; empty for the file as a whole. */
  path: string;
  message: string;
}

export type FileResult<T> = { ok: true; value: T } | { ok: false; issues: FileIssue[] };

// A file larger than this is not a configuration file someone keeps in a repository.
export const MAX_FILE_BYTES = 1024 * 1024;

/** `routes[2].prefix` from `['routes', 2, 'prefix']`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** "line 3, column 13: routes[0].prefix must start with /" — one line, as the CLI and the log print it. */
export function describeIssue(issue: FileIssue, file?: string): string {
  const where = issue.line > 0 ? `line ${issue.line}, column ${issue.column}` : 'the file';
  const at = file ? `${file}: ${where}` : where;
  return `${at}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/**
 * Parses YAML (JSON is YAML too) and validates it with `schema`. Every problem — a syntax error, a
 * duplicate mapping key, a value the schema refuses — comes back with the line and column it is at,
 * all of them at once, never a stack trace.
 */
export function parseConfigFile<S extends z.ZodType>(text: string, schema: S): FileResult<z.output<S>> {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    return { ok: false, issues: [{ line: 0, column: 0, path: '', message: `is larger than ${MAX_FILE_BYTES} bytes` }] };
  }
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) reports a key given twice in one mapping; merge keys and custom tags are
  // off: the file is data, and `<<` or `!!js/…` would only hide what it says.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: false, strict: true });
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    return {
      ok: false,
      issues: syntax.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return { line: pos.line, column: pos.col, path: '', message: firstLine(error.message) };
      }),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.flatMap((issue) => {
      const at = (path: PropertyKey[], message: string, pos = position(doc, lineCounter, path)): FileIssue => ({
        line: pos.line,
        column: pos.column,
        path: formatPath(path),
        message,
      });
      // A misspelt field is reported at the field's name, one issue each, not at its parent.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) =>
          at([...issue.path, key], 'is not a known field', keyPosition(doc, lineCounter, issue.path, key)),
        );
      }
      return [at(issue.path as PropertyKey[], issue.message)];
    }),
  };
}

function firstLine(message: string): string {
  // yaml's messages end with " at line L, column C:" and a code frame; the position is reported apart.
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

type Doc = ReturnType<typeof parseDocument>;

/** The position of the name `key` in the mapping at `path`; the mapping's when not found. */
function keyPosition(
  doc: Doc,
  lineCounter: LineCounter,
  path: PropertyKey[],
  key: string,
): { line: number; column: number } {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path as Array<string | number>, true);
  if (isMap(parent)) {
    for (const pair of parent.items) {
      if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
        const pos = lineCounter.linePos(pair.key.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  return position(doc, lineCounter, path);
}

/** The position of the deepest node of `path` that exists (a missing field points at its parent). */
function position(doc: Doc, lineCounter: LineCounter, path: PropertyKey[]): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const pos = lineCounter.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 0, column: 0 };
}
