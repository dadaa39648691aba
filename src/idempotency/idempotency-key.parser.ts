import { IdempotencyKeyInvalidError, IdempotencyKeyMissingError } from './idempotency.errors.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const MAX_KEY_LENGTH = 255;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Reads the Idempotency-Key from the raw header list (so a header sent twice is seen as such,
 * not as Node's comma-joined value). Returns null when the header is absent and optional.
 * The IETF draft's structured-field form `"abc"` names the same key as `abc`.
 */
export function parseIdempotencyKey(rawHeaders: string[], required: boolean): string | null {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === IDEMPOTENCY_KEY_HEADER) values.push(rawHeaders[i + 1]);
  }
  if (values.length === 0) {
    if (required) throw new IdempotencyKeyMissingError();
    return null;
  }
  if (values.length > 1) throw new IdempotencyKeyInvalidError('Send the Idempotency-Key header once');
  const raw = values[0];
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !VISIBLE_ASCII.test(key)) {
    throw new IdempotencyKeyInvalidError(`An Idempotency-Key is 1 to ${MAX_KEY_LENGTH} visible ASCII characters`);
  }
  return key;
}
