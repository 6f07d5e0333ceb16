import type { Failure, Result } from '../result.js';
import { CliExit, exitCodeOf } from './exit-codes.js';

export interface Output {
  /** `--json`: one JSON document on stdout, failures as JSON on stderr. */
  readonly json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export function processOutput(json: boolean): Output {
  return {
    json,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}

export type Cell = string | number | boolean | null | undefined;

/** A plain-text table: a header row, columns padded to their widest cell, `-` for empty cells. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** `Field:   value` lines, labels aligned. */
export function fields(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${cellText(value)}`).join('\n');
}

/** Prints a failure (the problem as JSON with `--json`) and ends the command with its exit code. */
export function fail(output: Output, failed: Failure): never {
  if (output.json) {
    output.err(
      JSON.stringify({
        error: {
          kind: failed.kind,
          status: failed.status,
          code: failed.code,
          message: failed.message,
          problem: failed.problem,
        },
      }),
    );
  } else {
    const where = [failed.code, failed.status === null ? null : `HTTP ${failed.status}`].filter(Boolean).join(', ');
    output.err(`error: ${failed.message}${where ? ` (${where})` : ''}`);
    for (const fieldError of failed.fieldErrors) output.err(`  ${fieldError.path || 'body'}: ${fieldError.message}`);
    if (failed.retryAfterSeconds !== null) output.err(`  retry after ${failed.retryAfterSeconds} s`);
    if (failed.problem?.requestId) output.err(`  request id: ${failed.problem.requestId}`);
  }
  throw new CliExit(exitCodeOf(failed));
}

/** The data of a result, or the failure printed and the command ended. */
export function must<T>(output: Output, result: Result<T>): T {
  if (!result.ok) fail(output, result);
  return result.data;
}

/** `--json` prints the value; otherwise `human` renders it. */
export function print<T>(output: Output, value: T, human: (value: T) => string): void {
  output.out(output.json ? JSON.stringify(value, null, 2) : human(value));
}
