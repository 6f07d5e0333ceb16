import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safeEqual, signSessionToken, verifySessionToken } from './session-token.js';

const secret = 'x'.repeat(48);

describe('session tokens', () => {
  it('round-trips the session id until expiry', () => {
    const id = randomUUID();
    const token = signSessionToken(secret, id, new Date(Date.now() + 60_000));
    expect(verifySessionToken(secret, token)).toBe(id);
    expect(verifySessionToken(secret, token, Date.now() + 61_000)).toBeNull();
  });

  it('refuses tokens signed with another secret or tampered with', () => {
    const id = randomUUID();
    const token = signSessionToken(secret, id, new Date(Date.now() + 60_000));
    expect(verifySessionToken('y'.repeat(48), token)).toBeNull();
    const [sid, , sig] = token.split('.');
    expect(verifySessionToken(secret, `${sid}.99999999999.${sig}`)).toBeNull();
    expect(verifySessionToken(secret, `${randomUUID()}.${token.split('.')[1]}.${sig}`)).toBeNull();
    expect(verifySessionToken(secret, 'garbage')).toBeNull();
    expect(verifySessionToken(secret, 'a.b.c')).toBeNull();
  });
});

describe('safeEqual', () => {
  it('compares secrets of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
