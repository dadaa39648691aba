import { sha256Hex } from '../sha256.js';

/** 12 hex digits of SHA-256: enough to follow one Idempotency-Key through the logs, never the key itself. */
export function shortHash(text: string): string {
  return sha256Hex(text).slice(0, 12);
}
