import { describe, expect, it } from '@jest/globals';
import { CompletedResponseCache } from './completed-response.cache.js';
import { storeJson } from './stored-response.js';

const entry = (expiresAt: number, body: unknown = { ok: true }) => ({ fingerprint: 'f'.repeat(64), response: storeJson(200, body), expiresAt });
/** What one small entry under a one-letter key counts: body, key, fingerprint and the overhead. */
const ONE_ENTRY = '{"ok":true}'.length + 1 + 64 + 320;

describe('CompletedResponseCache', () => {
  it('returns what was stored until the row would expire, never after', () => {
    const cache = new CompletedResponseCache(10 * ONE_ENTRY);
    cache.set('k', entry(1000));
    expect(cache.get('k', 999)?.response.body.toString()).toBe('{"ok":true}');
    expect(cache.get('k', 1000)).toBeUndefined();
    expect(cache.get('k', 0)).toBeUndefined(); // an expired entry is dropped, not kept
    expect(cache.bytes).toBe(0);
  });

  it('counts hits and misses for /metrics; an expired entry is a miss', () => {
    const cache = new CompletedResponseCache(10 * ONE_ENTRY);
    cache.get('k', 0);
    cache.set('k', entry(1000));
    cache.get('k', 1);
    cache.get('k', 2);
    cache.get('k', 1000);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });
  });

  it('evicts the least recently used entries beyond its byte capacity', () => {
    const cache = new CompletedResponseCache(2 * ONE_ENTRY);
    cache.set('a', entry(10));
    cache.set('b', entry(10));
    cache.get('a', 0);
    cache.set('c', entry(10));
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBeDefined();
    expect(cache.get('c', 0)).toBeDefined();
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(2 * ONE_ENTRY);
  });

  it('counts bodies by their size: one large answer pushes out several small ones', () => {
    const cache = new CompletedResponseCache(4 * ONE_ENTRY);
    for (const key of ['a', 'b', 'c']) cache.set(key, entry(10));
    cache.set('big', entry(10, { text: 'x'.repeat(2 * ONE_ENTRY) }));
    expect(cache.get('big', 0)).toBeDefined();
    expect(cache.size).toBe(1); // the three small ones made room for it
    expect(cache.bytes).toBeLessThanOrEqual(4 * ONE_ENTRY);
    cache.set('huge', entry(10, { text: 'x'.repeat(10 * ONE_ENTRY) }));
    expect(cache.get('huge', 0)).toBeUndefined();
  });

  it('keeps its own copy of the bytes, not a view of a larger buffer', () => {
    const packet = Buffer.from(`${'#'.repeat(4096)}{"ok":true}`);
    const body = packet.subarray(4096);
    const cache = new CompletedResponseCache(10 * ONE_ENTRY);
    cache.set('k', { fingerprint: 'f'.repeat(64), response: { status: 200, contentType: 'application/json; charset=utf-8', body }, expiresAt: 10 });
    packet.fill(0);
    const kept = cache.get('k', 0)!.response.body;
    expect(kept.toString()).toBe('{"ok":true}');
    expect(kept.buffer).not.toBe(packet.buffer);
  });

  it('gives back every byte as it was stored, whatever the bytes, in a buffer of its own each time', () => {
    // All 256 byte values, and UTF-8 that is not latin1: the kept copy must not re-encode any of it.
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('{"name":"Zoë 💳 €"}')]);
    const cache = new CompletedResponseCache(10 * ONE_ENTRY);
    cache.set('k', { fingerprint: 'f'.repeat(64), response: { status: 422, contentType: 'application/problem+json', body }, expiresAt: 10 });
    const first = cache.get('k', 0)!;
    const second = cache.get('k', 0)!;
    expect(first.response.body.equals(body)).toBe(true);
    expect(first.response).toEqual({ status: 422, contentType: 'application/problem+json', body });
    first.response.body.fill(0); // a caller that writes into its copy changes nobody else's
    expect(second.response.body.equals(body)).toBe(true);
    expect(cache.get('k', 0)!.response.body.equals(body)).toBe(true);
  });

  it('holds nothing with a capacity of zero', () => {
    const cache = new CompletedResponseCache(0);
    cache.set('a', entry(10));
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
