import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key.js';

describe('generateApiKey', () => {
  it('makes ak_-prefixed base58 keys whose hash and start match', () => {
    const { key, hash, start } = generateApiKey();
    expect(key).toMatch(/^ak_[1-9A-HJ-NP-Za-km-z]{30,34}$/);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.startsWith(start)).toBe(true);
    expect(start).toHaveLength(7);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateApiKey().key));
    expect(keys.size).toBe(2000);
  });
});

describe('isWellFormedApiKey', () => {
  it('accepts issued keys', () => {
    for (let i = 0; i < 200; i++) expect(isWellFormedApiKey(generateApiKey().key)).toBe(true);
  });

  it('rejects a key with one character changed (checksum)', () => {
    const { key } = generateApiKey();
    const last = key.at(-1) === 'a' ? 'b' : 'a';
    expect(isWellFormedApiKey(key.slice(0, -1) + last)).toBe(false);
  });

  it('rejects wrong prefixes, alphabets and lengths', () => {
    const { key } = generateApiKey();
    expect(isWellFormedApiKey(`xk_${key.slice(3)}`)).toBe(false);
    expect(isWellFormedApiKey(`${key}0`)).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, 20))).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
    expect(isWellFormedApiKey(`ak_${'1'.repeat(33)}`)).toBe(false);
  });
});
