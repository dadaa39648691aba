import { describe, expect, it, jest } from '@jest/globals';
import { IdleHeapCollector, MAX_BUSY_RISE, MAX_BUSY_SHARE, MIN_BUSY_SHARE, MIN_HEAP_GROWTH_BYTES, RECENT_SAMPLES, SAMPLE_MS, type HeapProbe } from './idle-heap-collector.js';

const INTERVAL_MS = 30_000;

/** A process whose clock, heap and busy share the test sets; a collection takes the heap back to `floor`. */
function fakeProcess(withGc = true) {
  const state = { now: 0, used: 40 * 1048576, busy: 0.1, floor: 40 * 1048576 };
  const probe: HeapProbe = {
    now: () => state.now,
    heapUsed: () => state.used,
    busyShareSinceLastCall: () => state.busy,
    collect: withGc
      ? () => {
          state.used = state.floor;
        }
      : undefined,
  };
  return { state, probe };
}

/** Seconds of samples, the heap growing by `growth` each; returns how many collected. */
function run(collector: IdleHeapCollector, state: ReturnType<typeof fakeProcess>['state'], seconds: number, growth = 100 * 1024) {
  let collected = 0;
  for (let i = 0; i < seconds; i++) {
    state.now += SAMPLE_MS;
    state.used += growth;
    if (collector.sample()) collected++;
  }
  return collected;
}

describe('IdleHeapCollector', () => {
  it('collects a mostly idle, growing heap once an interval', () => {
    const { state, probe } = fakeProcess();
    const collector = new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe);
    expect(run(collector, state, 29)).toBe(0);
    expect(run(collector, state, 1)).toBe(1);
    expect(state.used).toBe(state.floor);
    expect(run(collector, state, 90)).toBe(3);
  });

  it('waits for the heap to grow: an idle process that allocates nothing is never collected', () => {
    const { state, probe } = fakeProcess();
    const collector = new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe);
    expect(run(collector, state, 120, 0)).toBe(0);
    // Growth just short of the minimum over the interval is not worth a pause either.
    expect(run(collector, state, 30, Math.floor((MIN_HEAP_GROWTH_BYTES - 1) / 30))).toBe(0);
    expect(run(collector, state, 1, 1024 * 1024)).toBe(1);
  });

  it('leaves a process busy in any of the last seconds to V8, and collects once it has been quiet for all of them', () => {
    const { state, probe } = fakeProcess();
    const collector = new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe);
    run(collector, state, 29);
    state.busy = MAX_BUSY_SHARE;
    expect(run(collector, state, 60)).toBe(0);
    // Load just ended: the busy second is still among the last ones looked at.
    state.busy = 0.1;
    expect(run(collector, state, RECENT_SAMPLES - 1)).toBe(0);
    expect(run(collector, state, 1)).toBe(1);
  });

  it('holds off in the second that load begins, though that second was mostly idle, and collects once the load is steady', () => {
    const { state, probe } = fakeProcess();
    const collector = new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe);
    state.busy = 0.05;
    run(collector, state, 29);
    // More load began within the last second: its share is still low, but above the seconds before it.
    state.busy = 0.05 + 2 * MAX_BUSY_RISE;
    expect(run(collector, state, 1)).toBe(0);
    // The same share a second later is steady, and still mostly idle.
    expect(run(collector, state, 1)).toBe(1);
    // A second a little busier than the others, within the noise, does not hold it off.
    run(collector, state, 29);
    state.busy += MAX_BUSY_RISE / 2;
    expect(run(collector, state, 1)).toBe(1);
  });

  it('leaves an idle process to V8, and collects once a light load has run for all of the last seconds', () => {
    const { state, probe } = fakeProcess();
    const collector = new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe);
    state.busy = MIN_BUSY_SHARE / 4;
    expect(run(collector, state, 120)).toBe(0);
    state.busy = 0.1;
    expect(run(collector, state, RECENT_SAMPLES - 1)).toBe(0);
    expect(run(collector, state, 1)).toBe(1);
  });

  it('does nothing without gc() (node started without --expose-gc), and starts no timer when switched off', () => {
    const { state, probe } = fakeProcess(false);
    expect(run(new IdleHeapCollector({ idleGcIntervalMs: INTERVAL_MS }, probe), state, 120)).toBe(0);
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    new IdleHeapCollector({ idleGcIntervalMs: 0 }, fakeProcess().probe).onApplicationBootstrap();
    expect(setIntervalSpy).not.toHaveBeenCalled();
    setIntervalSpy.mockRestore();
  });
});
