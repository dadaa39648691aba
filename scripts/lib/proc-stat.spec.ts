import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpuMeter, cpuMicros, median, privateServerPid, rssMb, threadWaits, waitedBetween } from './proc-stat.js';

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

  it("reads how long a process's threads waited for a core: two spinners on one core each wait for the other", async () => {
    // Pinned to one core (taskset execs node, so the pid is node's), so the other cores, and the
    // tests running beside this one, are left alone. Each spins 300 ms of the clock, then idles.
    const spinner = () => spawn('taskset', ['-c', '0', process.execPath, '-e', 'const t = Date.now() + 300; while (Date.now() < t); setTimeout(() => {}, 10_000);']);
    const spinners = [spinner(), spinner()];
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const waits = threadWaits(spinners[0].pid!)!;
      expect(Object.keys(waits)).toContain(String(spinners[0].pid));
      // Sharing one core for 300 ms, each spent about half of it waiting for the other.
      expect(waitedBetween({}, waits)).toBeGreaterThan(50_000);
    } finally {
      for (const child of spinners) child.kill();
    }
    expect(threadWaits(2 ** 30)).toBeUndefined();
  });

  it('counts a thread that ended as waiting no longer, and one that began from its start', () => {
    expect(waitedBetween({ 1: 100, 2: 500 }, { 1: 150, 3: 20 })).toBe(70);
  });

  it('reads resident memory and takes medians', () => {
    expect(rssMb(process.pid)).toBeGreaterThan(10);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });
});
