import { describe, expect, it } from '@jest/globals';
import { CompletedResponseCache } from './completed-response.cache.js';
import { storeJson } from './stored-response.js';

const entry = (expiresAt: number) => ({ fingerprint: 'f', response: storeJson(200, { ok: true }), expiresAt });

describe('CompletedResponseCache', () => {
  it('returns what was stored until the row would expire, never after', () => {
    const cache = new CompletedResponseCache(10);
    cache.set('k', entry(1000));
    expect(cache.get('k', 999)?.response.body.toString()).toBe('{"ok":true}');
    expect(cache.get('k', 1000)).toBeUndefined();
    expect(cache.get('k', 0)).toBeUndefined(); // an expired entry is dropped, not kept
  });

  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new CompletedResponseCache(2);
    cache.set('a', entry(10));
    cache.set('b', entry(10));
    cache.get('a', 0);
    cache.set('c', entry(10));
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBeDefined();
    expect(cache.get('c', 0)).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('holds nothing with a capacity of zero', () => {
    const cache = new CompletedResponseCache(0);
    cache.set('a', entry(10));
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
