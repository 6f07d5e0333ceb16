import { describe, expect, it } from 'vitest';
import { parseByteSize } from './json-body.js';

describe('parseByteSize', () => {
  it('reads sizes the way body-parser reads its limit', () => {
    expect(parseByteSize('100kb')).toBe(102_400);
    expect(parseByteSize('1MB')).toBe(1_048_576);
    expect(parseByteSize('512')).toBe(512);
    expect(parseByteSize('1.5kb')).toBe(1_536);
  });
  it('gives up on what it cannot read (body-parser still enforces the limit)', () => {
    expect(parseByteSize('lots')).toBeUndefined();
    expect(parseByteSize('')).toBeUndefined();
  });
});
