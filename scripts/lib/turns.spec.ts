import { describe, expect, it } from '@jest/globals';
import { inTurns, pooled, ratioInTurns } from './turns.js';

describe('inTurns', () => {
  it('runs every contender once a round, the order turned by one each round, and files each slice under its round', async () => {
    const order: string[] = [];
    const contender = (name: string) => async () => {
      order.push(name);
      return { name, round: order.filter((n) => n === name).length - 1, rate: 1, seconds: 1 };
    };
    const slices = await inTurns({ a: contender('a'), b: contender('b'), c: contender('c') }, 3);
    expect(order.join('')).toBe('abc' + 'bca' + 'cab');
    // Each contender went first, second and third once.
    for (const name of ['a', 'b', 'c']) expect(new Set([0, 1, 2].map((round) => order.slice(round * 3, round * 3 + 3).indexOf(name))).size).toBe(3);
    expect(slices.b.map((slice) => slice.round)).toEqual([0, 1, 2]);
  });
});

describe('pooled', () => {
  it('weighs each slice by its seconds, keeps the lowest and highest rate, and pools latencies and counts', () => {
    const run = pooled([
      { rate: 100, seconds: 1, latencies: [5, 1], non2xx: 0, errors: 1, firstError: undefined },
      { rate: 300, seconds: 3, latencies: [2, 3, 4], non2xx: 2, errors: 0, firstError: 'boom', exhausted: true },
    ]);
    // 1,000 answers in 4 s, not the mean of the two rates (200).
    expect(run).toMatchObject({ rate: 250, seconds: 4, low: 100, high: 300, non2xx: 2, errors: 1, firstError: 'boom', exhausted: true });
    expect(run.latency).toEqual({ p50: 3, p99: 5, max: 5 });
  });
});

describe('ratioInTurns', () => {
  it('sees the same ratio in every round however fast the machine was in each', () => {
    const speed = [1, 0.5, 1.5];
    const b = speed.map((s) => ({ rate: 1000 * s, seconds: 2 }));
    const a = speed.map((s) => ({ rate: 800 * s, seconds: 2 }));
    const { ratio, low, high } = ratioInTurns(a, b);
    expect(ratio).toBeCloseTo(0.8, 10);
    expect(low).toBeCloseTo(0.8, 10);
    expect(high).toBeCloseTo(0.8, 10);
  });

  it('shows the spread of the rounds when the contenders do not keep one ratio', () => {
    const b = [{ rate: 1000, seconds: 2 }, { rate: 1000, seconds: 2 }];
    const a = [{ rate: 700, seconds: 2 }, { rate: 900, seconds: 2 }];
    expect(ratioInTurns(a, b)).toEqual({ ratio: 0.8, low: 0.7, high: 0.9 });
  });
});
