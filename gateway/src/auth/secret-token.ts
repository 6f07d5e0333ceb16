import { hash, randomBytes } from 'node:crypto';
import bs58 from 'bs58';

/** SHA-256 (hex) of a bearer secret: what the database stores instead of the secret. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/**
 * A new random secret with a recognisable prefix (`gwt_` management tokens): 192 bits in base58,
 * its hash for storage and its displayable start.
 */
export function generateSecret(prefix: string): { secret: string; hash: string; start: string } {
  const secret = `${prefix}${bs58.encode(randomBytes(24))}`;
  return { secret, hash: hashSecret(secret), start: secret.slice(0, prefix.length + 4) };
}

/** A one-time sign-in token: 256 bits, URL-safe. */
export function generateSignInToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecret(token) };
}
