import { describe, expect, it } from '@jest/globals';
import { cpuMeter, cpuMicros, median, privateServerPid, rssMb } from './proc-stat.js';

const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('proc-stat', () => {
  it('reads the CPU this process spends, and divides what it spent after start() by the requests', () => {
    const before = cpuMicros(process.pid)!;
    const meter = cpuMeter({ self: process.pid, twice: [process.pid, process.pid] });
    spin(200); // before start(): not counted
    meter.start();
    spin(200);
    const micros = meter.perRequest(100);
    // 200 ms of spinning over 100 requests: about 2,000 µs each, give or take a tick of the clock.
    expect(micros.self).toBeGreaterThan(1500);
    expect(micros.self).toBeLessThan(3000);
    expect(micros.twice).toBeCloseTo(2 * micros.self, 5);
    expect(cpuMicros(process.pid)! - before).toBeGreaterThanOrEqual(350_000);
  });

  it('leaves out a process it cannot read instead of guessing', () => {
    expect(cpuMicros(2 ** 30)).toBeUndefined();
    const meter = cpuMeter({ gone: 2 ** 30, self: process.pid });
    meter.start();
    expect(Object.keys(meter.perRequest(1))).toEqual(['self']);
    expect(privateServerPid('/nonexistent/mysqld.pid')).toBeUndefined();
  });

  it('reads resident memory and takes medians', () => {
    expect(rssMb(process.pid)).toBeGreaterThan(10);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });
});
