import { describe, expect, it } from '@jest/globals';
import { API_KEY_PREFIX, displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey, sameHash } from './api-key.js';

describe('API keys', () => {
  it('are random, recognisable and stored only as a SHA-256 hash', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.key)).size).toBe(200);
    for (const { key, prefix, hash } of keys) {
      expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(looksLikeApiKey(key)).toBe(true);
      // 32 random bytes in base64url: 43 characters after the marker.
      expect(key).toHaveLength(API_KEY_PREFIX.length + 43);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(hashApiKey(key));
      expect(hash).not.toContain(key.slice(API_KEY_PREFIX.length));
      expect(prefix).toBe(displayPrefix(key));
      expect(prefix).toHaveLength(API_KEY_PREFIX.length + 8);
    }
  });

  it('hash the same key the same way and different keys differently', () => {
    const { key } = generateApiKey();
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`));
  });

  it('compare hashes without taking a shortcut on length or content', () => {
    const a = hashApiKey('po_sk_a');
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, hashApiKey('po_sk_b'))).toBe(false);
    expect(sameHash(a, a.slice(0, 62))).toBe(false);
    expect(sameHash(a, '')).toBe(false);
  });

  it('tell a key from a user token or junk', () => {
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe(false);
    expect(looksLikeApiKey('po_sk_short')).toBe(false);
    expect(looksLikeApiKey(`po_sk_${'a'.repeat(43)} `)).toBe(false);
    expect(looksLikeApiKey(`po_sk_${'a'.repeat(43)}`)).toBe(true);
  });
});
