import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import bs58 from 'bs58';

/** Prefix that makes keys recognisable in logs and to secret scanners. */
export const API_KEY_PREFIX = 'ak_';
const RANDOM_BYTES = 20; // 160 bits of randomness (≥ 128 required)
const CHECKSUM_BYTES = 4;
const START_LENGTH = API_KEY_PREFIX.length + 4;
/** Issued keys are 33–37 characters; anything much longer is not even hashed, only rejected. */
export const MAX_RAW_KEY_LENGTH = 64;
// 24 bytes of base58 are 32–33 characters; anything else is malformed without decoding.
const SHAPE = /^ak_[1-9A-HJ-NP-Za-km-z]{30,34}$/;

export interface GeneratedKey {
  key: string;
  hash: string;
  start: string;
}

/** A new raw key: `ak_` + base58(160 random bits + CRC-32 of them). Only its hash is ever stored. */
export function generateApiKey(): GeneratedKey {
  const body = Buffer.allocUnsafe(RANDOM_BYTES + CHECKSUM_BYTES);
  randomBytes(RANDOM_BYTES).copy(body);
  body.writeUInt32BE(crc32(body.subarray(0, RANDOM_BYTES)), RANDOM_BYTES);
  const key = API_KEY_PREFIX + bs58.encode(body);
  return { key, hash: hashApiKey(key), start: key.slice(0, START_LENGTH) };
}

/**
 * True when `key` has the shape and checksum of a key we issued. Runs before any cache or database
 * lookup, so typos and random guesses cost a regex and a CRC, nothing more.
 */
export function isWellFormedApiKey(key: string): boolean {
  if (!SHAPE.test(key)) return false;
  let body: Uint8Array;
  try {
    body = bs58.decode(key.slice(API_KEY_PREFIX.length));
  } catch {
    return false;
  }
  if (body.length !== RANDOM_BYTES + CHECKSUM_BYTES) return false;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length);
  return crc32(buf.subarray(0, RANDOM_BYTES)) === buf.readUInt32BE(RANDOM_BYTES);
}

/** SHA-256 (hex) — what the database stores and what lookups use. Keys are random, so no salt is needed. */
// crypto.hash (one-shot, Node ≥ 20.12) is ~4× cheaper than createHash().update().digest() per call.
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}
