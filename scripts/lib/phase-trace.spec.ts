import { describe, expect, it } from '@jest/globals';
import { summarizeTrace, tracePhase } from './phase-trace.js';
import { spinCpu } from './proc-stat.js';

/** A sample of summarizeTrace's input: `busy` and `idle` in ticks of all cores, `history` InnoDB's history list. */
const sample = (at: number, { busy = 10, idle = 10, steal = 0, app = 50_000, waited = 0, history = 500, flushed = 0, threads = 1 } = {}) => ({
  at,
  ms: 100,
  cpu: { app },
  waited: { app: waited },
  machine: { busy, iowait: 0, steal, idle },
  innodb: { Innodb_history_list_length: history, Innodb_buffer_pool_pages_flushed: flushed, Threads_running: threads },
});

describe('summarizeTrace', () => {
  it('sets the samples in which a slow answer was due against the others', () => {
    const samples = [
      sample(-100, { busy: 20, idle: 0 }), // the warm-up: left out
      sample(100, { history: 900 }),
      sample(200, { busy: 18, idle: 0, steal: 2, app: 90_000, waited: 40_000, history: 100, flushed: 7, threads: 12 }), // a purge, stolen cores, the app kept waiting
      sample(300, { history: 200 }),
      sample(1100, { history: 300 }),
    ];
    const timeline = [
      { at: 0, count: 50, slow: 0, worstMs: 5, lateMs: 0 },
      { at: 100, count: 50, slow: 30, worstMs: 80, lateMs: 1 },
      { at: 1000, count: 50, slow: 4, worstMs: 20, lateMs: 0 },
    ];
    const { slow, calm, slowAnswers, slowInFirstSecond } = summarizeTrace(samples, timeline);
    expect(slow).toEqual({
      samples: 2,
      busyPct: ((18 + 10) / 40) * 100,
      stealPct: (2 / 40) * 100,
      iowaitPct: 0,
      cpuPct: { app: 70 },
      waitedPct: { app: 20 },
      purged: 1,
      pagesFlushed: 7,
      threadsRunning: 12,
    });
    expect(calm).toMatchObject({ samples: 2, busyPct: 50, stealPct: 0, cpuPct: { app: 50 }, waitedPct: { app: 0 }, purged: 0, pagesFlushed: 0, threadsRunning: 1 });
    expect({ slowAnswers, slowInFirstSecond }).toEqual({ slowAnswers: 34, slowInFirstSecond: 30 });
  });
});

describe('tracePhase', () => {
  it("samples a process's CPU and the database's status, counted from the mark", async () => {
    const queries: string[] = [];
    let history = 1000;
    const database = {
      query: async (sql: string) => {
        queries.push(sql);
        history -= 10;
        return [[{ Variable_name: 'Innodb_history_list_length', Value: String(history) }, { Variable_name: 'Innodb_buffer_pool_pages_flushed', Value: String(1000 - history) }]];
      },
    };
    const tracer = tracePhase({ processes: { self: process.pid }, database, everyMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    tracer.mark();
    spinCpu(100_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const samples = await tracer.stop();
    expect(queries[0]).toMatch(/^SHOW GLOBAL STATUS WHERE Variable_name IN \(/);
    expect(samples.some((s) => s.at < 0)).toBe(true);
    const measured = samples.filter((s) => s.at > 0);
    // The 100 ms of CPU spun falls in the measured samples, give or take a tick of the clock.
    expect(measured.reduce((sum, s) => sum + s.cpu.self, 0)).toBeGreaterThanOrEqual(80_000);
    // The history list as read, the pages flushed as the change since the last sample.
    expect(measured.at(-1)!.innodb.Innodb_history_list_length).toBe(history);
    expect(measured.at(-1)!.innodb.Innodb_buffer_pool_pages_flushed).toBe(10);
    expect(measured.at(-1)!.machine.busy + measured.at(-1)!.machine.idle).toBeGreaterThan(0);
    expect(measured.every((s) => s.waited.self >= 0)).toBe(true);
  });
});
