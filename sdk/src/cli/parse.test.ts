import { describe, expect, it } from 'vitest';
import { parseJsonObject, parseWindow } from './commands/parse.js';
import { parseWhen } from './commands/usage.js';
import { parseUrl, parseWhole } from './context.js';
import { fields, table } from './output.js';

describe('parseWindow', () => {
  it('reads unit:limit with optional scope and shadow, collecting repeats', () => {
    const first = parseWindow('minute:100', undefined);
    expect(parseWindow('day:10000:owner:shadow', first)).toEqual([
      { unit: 'minute', limit: 100, scope: 'key', shadow: false },
      { unit: 'day', limit: 10000, scope: 'owner', shadow: true },
    ]);
  });

  it('refuses anything else', () => {
    for (const bad of ['minute', 'week:5', 'minute:-1', 'minute:5:team', 'minute:5:shadow:key']) {
      expect(() => parseWindow(bad, undefined)).toThrow(/unit:limit/);
    }
  });
});

describe('parseWhen', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it('takes ISO date-times as they are and ages relative to now', () => {
    expect(parseWhen('2026-11-01T00:00:00Z', now)).toBe('2026-11-01T00:00:00Z');
    expect(parseWhen('7d', now)).toBe('2026-11-22T12:00:00.000Z');
    expect(parseWhen('90m', now)).toBe('2026-11-29T10:30:00.000Z');
  });
  it('refuses a date without a time and words', () => {
    expect(() => parseWhen('2026-11-01', now)).toThrow(/ISO 8601/);
    expect(() => parseWhen('yesterday', now)).toThrow(/ISO 8601/);
  });
});

describe('option parsers', () => {
  it('parseWhole takes whole numbers in range only', () => {
    expect(parseWhole(0, 10)('10')).toBe(10);
    for (const bad of ['11', '-1', '1.5', '1e3', '', 'ten']) expect(() => parseWhole(0, 10)(bad)).toThrow();
  });
  it('parseUrl takes http(s) URLs and drops the trailing slash', () => {
    expect(parseUrl('http://gw:3002/')).toBe('http://gw:3002');
    expect(() => parseUrl('gw:3002')).toThrow(/http/);
    expect(() => parseUrl('not a url')).toThrow(/URL/);
  });
  it('parseJsonObject takes objects only', () => {
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    for (const bad of ['[1]', 'null', '1', '{']) expect(() => parseJsonObject(bad)).toThrow(/JSON object/);
  });
});

describe('table', () => {
  it('pads columns to their widest cell and shows empty cells as -', () => {
    expect(
      table(
        ['ID', 'NAME', 'ACTIVE'],
        [
          ['1', 'a long name', true],
          ['22', null, false],
        ],
      ),
    ).toBe(['ID  NAME         ACTIVE', '1   a long name  yes', '22  -            no'].join('\n'));
  });
  it('fields aligns labels', () => {
    expect(
      fields([
        ['ID', 1],
        ['Name', undefined],
      ]),
    ).toBe('ID:    1\nName:  -');
  });
});
