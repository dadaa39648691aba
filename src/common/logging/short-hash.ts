import { createHash } from 'node:crypto';

/** 12 hex digits of SHA-256: enough to follow one Idempotency-Key through the logs, never the key itself. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
