import { describe, expect, it } from '@jest/globals';
import { totalOf } from './order.service.js';

describe('totalOf', () => {
  it('sums unit price times quantity over the items', () => {
    expect(totalOf([{ unitPrice: 4500, quantity: 2 }, { unitPrice: 3000, quantity: 1 }])).toBe(12000);
  });

  it('stays exact at the largest order validation allows', () => {
    const items = Array.from({ length: 100 }, () => ({ unitPrice: 1_000_000_000, quantity: 1_000 }));
    expect(totalOf(items)).toBe(100_000_000_000_000);
    expect(Number.isSafeInteger(totalOf(items))).toBe(true);
  });

  it('counts free items as zero', () => {
    expect(totalOf([{ unitPrice: 0, quantity: 5 }])).toBe(0);
  });
});
