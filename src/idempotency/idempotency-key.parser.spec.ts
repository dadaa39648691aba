import { describe, expect, it } from '@jest/globals';
import { parseIdempotencyKey } from './idempotency-key.parser.js';
import { IdempotencyKeyInvalidError, IdempotencyKeyMissingError } from './idempotency.errors.js';

const headers = (...values: string[]) => values.flatMap((v) => ['Idempotency-Key', v]);

describe('parseIdempotencyKey', () => {
  it('reads the key whatever the header name casing', () => {
    expect(parseIdempotencyKey(['idempotency-key', 'abc', 'Content-Type', 'application/json'], true)).toBe('abc');
    expect(parseIdempotencyKey(['IDEMPOTENCY-KEY', 'abc'], true)).toBe('abc');
  });

  it('takes the quoted form "abc" as abc', () => {
    expect(parseIdempotencyKey(headers('"abc"'), true)).toBe('abc');
  });

  it('returns null for an absent optional key and refuses an absent required one', () => {
    expect(parseIdempotencyKey([], false)).toBeNull();
    expect(() => parseIdempotencyKey([], true)).toThrow(IdempotencyKeyMissingError);
  });

  it.each([[''], ['""'], ['a b'], ['é'], ['\u0001'], ['k'.repeat(256)], ['"' + 'k'.repeat(256) + '"']])('refuses %j', (value) => {
    expect(() => parseIdempotencyKey(headers(value), false)).toThrow(IdempotencyKeyInvalidError);
  });

  it('refuses the header sent twice, even with equal values', () => {
    expect(() => parseIdempotencyKey(headers('abc', 'abc'), false)).toThrow(IdempotencyKeyInvalidError);
  });

  it('accepts 255 visible characters, punctuation included', () => {
    const key = '!~' + 'k'.repeat(253);
    expect(parseIdempotencyKey(headers(key), true)).toBe(key);
  });
});
