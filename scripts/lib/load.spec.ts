import { describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoop, openLoop, openLoopHttp, slowBursts, timeline } from './load.js';

describe('openLoop', () => {
  it('sends the warm-up first at the same spacing and counts only what follows it', async () => {
    const sentAt: number[] = [];
    const measuringAfter: number[] = [];
    const result = await openLoop({
      rate: 200,
      durationMs: 200,
      warmupMs: 100,
      onMeasuring: () => measuringAfter.push(sentAt.length),
      send: async (i: number) => {
        sentAt.push(performance.now());
        return i !== 25; // one measured send fails
      },
    });
    // Told once, just before the first measured send: a cost turn reads the CPU from there.
    expect(measuringAfter).toEqual([20]);
    expect(sentAt).toHaveLength(60);
    expect(result.sent).toBe(40);
    expect(result.failed).toBe(1);
    // Evenly spaced: 60 sends at 200/s span about 295 ms, with no pause after the warm-up.
    expect(sentAt[59] - sentAt[0]).toBeGreaterThan(280);
    expect(sentAt[59] - sentAt[0]).toBeLessThan(400);
  });
});

describe('closedLoop', () => {
  it('leaves the steps begun in the warm-up out of the rate and the latencies, but not out of the errors', async () => {
    let steps = 0;
    const result = await closedLoop({
      workers: 2,
      warmupMs: 150,
      durationMs: 150,
      step: async () => {
        if (steps++ === 0) throw new Error('the first step fails');
        await new Promise((resolve) => setTimeout(resolve, 10));
      },
    });
    // Two workers at ~10 ms a step: ~30 steps in each 150 ms, the warm-up's not counted.
    expect(result.done).toBeGreaterThan(10);
    expect(result.done).toBeLessThan(steps - 15);
    expect(result.latencies).toHaveLength(result.done);
    expect(result.errors).toBe(1);
    expect(result.seconds).toBeGreaterThanOrEqual(0.15);
    expect(result.seconds).toBeLessThan(0.3);
  });
});

describe('slowBursts', () => {
  it('groups slow answers sent close together, and names the worst burst and how late the driver was in it', () => {
    const fast = Array.from({ length: 100 }, (_, i) => ({ at: i * 40, ms: 2, late: 0 }));
    const slow = [
      { at: 1000, ms: 18, late: 0 },
      { at: 1040, ms: 22, late: 1 },
      { at: 2050, ms: 60, late: 9 },
      { at: 2100, ms: 30, late: 2 },
      { at: 3100, ms: 16, late: 0 },
    ];
    expect(slowBursts([...fast, ...slow])).toEqual({
      count: 3,
      medianIntervalMs: 1050,
      worst: { at: 2050, end: 2100, count: 2, worstMs: 60, lateMs: 9 },
    });
    expect(slowBursts(fast)).toEqual({ count: 0, medianIntervalMs: undefined, worst: undefined });
  });
});

describe('timeline', () => {
  it('bins answers by the moment they were due: how many, how many over 15 ms, the slowest and the latest send', () => {
    const answers = [
      { at: 10, ms: 2, late: 0 },
      { at: 90, ms: 16, late: 3 },
      { at: 250, ms: 40, late: 1 },
    ];
    expect(timeline(answers)).toEqual([
      { at: 0, count: 2, slow: 1, worstMs: 16, lateMs: 3 },
      { at: 200, count: 1, slow: 1, worstMs: 40, lateMs: 1 },
    ]);
  });
});

describe('openLoopHttp', () => {
  it('sends the given requests from its worker over kept-alive connections; non-200 answers fail', async () => {
    const seen: { path?: string; body: string; key?: string }[] = [];
    const sockets = new Set<unknown>();
    const server = createServer((req: IncomingMessage, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ path: req.url, body, key: req.headers['idempotency-key'] as string | undefined });
        const answer = '{}';
        res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json', 'content-length': String(answer.length) }).end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const requests = Array.from({ length: 30 }, (_, i) => ({
        method: 'POST',
        path: i === 29 ? '/fail' : '/pay',
        headers: { 'content-type': 'application/json', 'idempotency-key': `k${i}` },
        body: JSON.stringify({ n: i }),
      }));
      const seenWhenMeasuring: number[] = [];
      const result = await openLoopHttp({ targets: [target], rate: 100, durationMs: 200, warmupMs: 100, requests, onMeasuring: () => seenWhenMeasuring.push(seen.length) });
      // Told from the worker once, when its warm-up's 10 sends were out and before the measured ones were answered.
      expect(seenWhenMeasuring).toHaveLength(1);
      expect(seenWhenMeasuring[0]).toBeLessThanOrEqual(11);
      expect(result.sent).toBe(20);
      expect(result.failed).toBe(1); // request 29, the last measured one
      expect(seen).toHaveLength(30);
      expect(seen[3]).toEqual({ path: '/pay', body: '{"n":3}', key: 'k3' });
      expect(sockets.size).toBeLessThan(5);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
