import { describe, expect, it } from '@jest/globals';
import { canonicalJson, requestFingerprint } from './request-fingerprint.js';

describe('requestFingerprint', () => {
  it('does not depend on the order of object keys, at any depth', () => {
    const a = requestFingerprint('POST', '/api/v1/orders', { userId: 1, items: [{ name: 'x', unitPrice: 1, quantity: 2 }] });
    const b = requestFingerprint('POST', '/api/v1/orders', { items: [{ quantity: 2, unitPrice: 1, name: 'x' }], userId: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells apart another body, another path, another method and another array order', () => {
    const base = requestFingerprint('POST', '/api/v1/payments', { orderId: 1, userId: 2 });
    expect(requestFingerprint('POST', '/api/v1/payments', { orderId: 1, userId: 3 })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/users/2/balance/charge', { orderId: 1, userId: 2 })).not.toBe(base);
    expect(requestFingerprint('PUT', '/api/v1/payments', { orderId: 1, userId: 2 })).not.toBe(base);
    expect(requestFingerprint('POST', '/x', { a: [1, 2] })).not.toBe(requestFingerprint('POST', '/x', { a: [2, 1] }));
  });

  it('keeps types apart: 1 and "1" are different requests', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ b: [null, true], a: '한글' })).toBe('{"a":"한글","b":[null,true]}');
  });
});
