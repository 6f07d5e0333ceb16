import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue, parseConfigFile } from './file.js';

const Schema = z.strictObject({
  routes: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes'),
        prefix: z.string().startsWith('/', 'must start with /'),
        timeoutMs: z.number().int().positive().default(30_000),
      }),
    )
    .default([]),
});

describe('parseConfigFile', () => {
  it('returns the validated value, defaults applied', () => {
    const result = parseConfigFile('routes:\n  - name: orders\n    prefix: /orders\n', Schema);
    expect(result).toEqual({ ok: true, value: { routes: [{ name: 'orders', prefix: '/orders', timeoutMs: 30_000 }] } });
  });

  it('an empty file is an empty configuration', () => {
    expect(parseConfigFile('', Schema)).toEqual({ ok: true, value: { routes: [] } });
    expect(parseConfigFile('# nothing yet\n', Schema)).toEqual({ ok: true, value: { routes: [] } });
  });

  it('names the line and column of every value the schema refuses, all at once', () => {
    const text = [
      'routes:',
      '  - name: Orders',
      '    prefix: orders',
      '  - name: ok',
      '    prefix: /ok',
      '    timeoutMs: -5',
      '',
    ].join('\n');
    const result = parseConfigFile(text, Schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => describeIssue(issue, 'gateway.yaml'))).toEqual([
      'gateway.yaml: line 2, column 11: routes[0].name: must be lower-case letters, digits and dashes',
      'gateway.yaml: line 3, column 13: routes[0].prefix: must start with /',
      'gateway.yaml: line 6, column 16: routes[1].timeoutMs: Too small: expected number to be >0',
    ]);
  });

  it('a missing field points at the item that lacks it; a misspelt one at itself', () => {
    const result = parseConfigFile('routes:\n  - name: a\n  - name: b\n    prefix: /b\n    timeout: 5\n', Schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => describeIssue(issue))).toEqual([
      'line 2, column 5: routes[0].prefix: Invalid input: expected string, received undefined',
      'line 5, column 5: routes[1].timeout: is not a known field',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line, without a stack trace', () => {
    const broken = parseConfigFile('routes:\n  - name: a\n   prefix: [\n', Schema);
    expect(broken.ok).toBe(false);
    if (!broken.ok) {
      expect(broken.issues[0]?.line).toBe(3);
      expect(broken.issues[0]?.message).not.toMatch(/\n|at line/);
    }
    const twice = parseConfigFile('routes:\n  - name: a\n    name: b\n    prefix: /a\n', Schema);
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.issues).toMatchObject([{ line: 3, message: expect.stringMatching(/unique/i) }]);
  });

  it('refuses a document that is not a mapping, and custom tags', () => {
    const list = parseConfigFile('- a\n- b\n', Schema);
    expect(list.ok).toBe(false);
    const tagged = parseConfigFile('routes: !!js/function "() => 1"\n', Schema);
    expect(tagged.ok).toBe(false);
  });
});
