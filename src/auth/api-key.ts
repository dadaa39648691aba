import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../common/sha256.js';

/** Every API key starts with this, so a leaked key is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'po_sk_';
const API_KEY_PATTERN = /^po_sk_[A-Za-z0-9_-]{43}$/;
/** What of a key may be shown or logged: the marker and the first 8 random characters. */
const DISPLAYED_LENGTH = API_KEY_PREFIX.length + 8;

export interface NewApiKey {
  /** The secret itself: shown once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

/** 256 random bits; at that entropy a fast hash is what is stored (no key can be guessed to match it). */
export function generateApiKey(): NewApiKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: displayPrefix(key), hash: hashApiKey(key) };
}

export function looksLikeApiKey(credential: string): boolean {
  return API_KEY_PATTERN.test(credential);
}

/** SHA-256, hex: what api_keys.key_hash holds. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAYED_LENGTH);
}

/** Constant-time comparison of two hex hashes of the same length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
