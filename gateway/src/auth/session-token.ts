import { createHmac, timingSafeEqual } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Session tokens are `<sessionId>.<expiresAtUnix>.<hmac>`: the signature lets forged or expired
 * tokens be refused without a database round trip; the session row (checked afterwards) makes
 * logout revoke a token before it expires.
 */
export function signSessionToken(secret: string, sessionId: string, expiresAt: Date): string {
  const payload = `${sessionId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The session id of a valid, unexpired token, else null. Constant-time signature comparison. */
export function verifySessionToken(secret: string, token: string, now = Date.now()): string | null {
  if (token.length > 200) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [sessionId, exp, signature] = parts as [string, string, string];
  if (!UUID.test(sessionId) || !/^\d{1,12}$/.test(exp)) return null;
  const expected = Buffer.from(mac(secret, `${sessionId}.${exp}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (Number(exp) * 1000 <= now) return null;
  return sessionId;
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** Constant-time comparison of two secrets of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHmac('sha256', 'compare').update(a).digest();
  const hb = createHmac('sha256', 'compare').update(b).digest();
  return timingSafeEqual(ha, hb);
}
