import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpuMeter, cpuMicros, median, privateServerPid, rssMb, spinCpu, threadWaits, waitedBetween } from './proc-stat.js';

describe('proc-stat', () => {
  it('reads the CPU this process spends, and divides what it spent after start() by the requests', () => {
    const before = cpuMicros(process.pid)!;
    const meter = cpuMeter({ self: process.pid, twice: [process.pid, process.pid] });
    spinCpu(200_000); // before start(): not counted
    const beforeStart = cpuMicros(process.pid)!;
    meter.start();
    const afterStart = cpuMicros(process.pid)!;
    spinCpu(200_000);
    const beforeEnd = cpuMicros(process.pid)!;
    const micros = meter.perRequest(100);
    const afterEnd = cpuMicros(process.pid)!;
    // The meter's own reads fall between the ones around them, so what it divides lies between
    // the narrowest and the widest bracket: at least the 200 ms spun, never the 200 ms before.
    expect(micros.self).toBeGreaterThanOrEqual((beforeEnd - afterStart) / 100);
    expect(micros.self).toBeLessThanOrEqual((afterEnd - beforeStart) / 100);
    expect(micros.self).toBeGreaterThanOrEqual(2000);
    expect(micros.twice).toBeCloseTo(2 * micros.self, 5);
    expect(afterEnd - before).toBeGreaterThanOrEqual(400_000);
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
