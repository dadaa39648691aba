import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../config/index.js';

/**
 * Busier than this share of the wall clock in any of the last seconds, the process is left to V8's
 * own schedule: under load its full collections come often enough. Well under the ~0.5 of a process
 * at half its top rate, so that steady load is never paused; a 60 checkouts/s trickle is ~0.25.
 */
export const MAX_BUSY_SHARE = 0.35;
/**
 * Idler than this in any of the last seconds (an idle service is ~0.005), the process is left alone:
 * an idle heap does not grow. A forced collection also throws away the optimized code of the hot
 * paths (V8 marks it "weak objects"); under traffic it is compiled again at once, but in an idle
 * process the next burst of load would meet it cold (BENCHMARKS.md, tenth pass). V8's memory
 * reducer, whose collections do the same, is off in the service (--no-memory-reducer, eleventh pass).
 */
export const MIN_BUSY_SHARE = 0.02;
/** A last second busier than the ones before it by more than this may be load beginning: a pause now would land on its first requests. */
export const MAX_BUSY_RISE = 0.05;
/** How the event loop's busy share is sampled: a second at a time, the last five looked at, so a quiet minute does not hide load that just began. */
export const SAMPLE_MS = 1000;
export const RECENT_SAMPLES = 5;
/** Less growth than this since the last collection is not worth a pause. */
export const MIN_HEAP_GROWTH_BYTES = 2 * 1024 * 1024;

/** What the collector reads and calls: the process's own (processHeap), or a fake in its spec. */
export interface HeapProbe {
  now(): number;
  heapUsed(): number;
  /** The share of the wall clock the event loop was busy since the previous call. */
  busyShareSinceLastCall(): number;
  /** A full collection; absent when Node was started without --expose-gc. */
  collect?: () => void;
}

/** This process: heap from process.memoryUsage(), busy share from the event loop's utilization, gc() from --expose-gc. */
export function processHeap(): HeapProbe {
  let previous = performance.eventLoopUtilization();
  const gc = (globalThis as { gc?: () => void }).gc;
  return {
    now: () => performance.now(),
    heapUsed: () => process.memoryUsage().heapUsed,
    busyShareSinceLastCall: () => {
      const now = performance.eventLoopUtilization();
      const share = performance.eventLoopUtilization(now, previous).utilization;
      previous = now;
      return share;
    },
    collect: gc ? () => gc() : undefined,
  };
}

/**
 * A full collection now and then while the process is mostly idle but serving (a steady trickle,
 * between MIN_ and MAX_BUSY_SHARE), so its memory lies flat at low load. Under such a trickle V8
 * collects the old generation only when it has grown fourfold (the --heap-growing-percent=300 the
 * service runs with, and no memory reducer), so RSS saws with a period of many minutes; see the
 * README's "Node's flags". At most one collection every IDLE_GC_INTERVAL_MS.
 */
export class IdleHeapCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdleHeapCollector.name);
  private timer?: NodeJS.Timeout;
  private heapAfterLastCollection: number;
  private lastCollectionAt: number;
  private readonly recentBusyShares: number[] = [];

  constructor(
    private readonly config: Pick<AppConfig, 'idleGcIntervalMs'>,
    private readonly heap: HeapProbe,
  ) {
    this.heapAfterLastCollection = heap.heapUsed();
    this.lastCollectionAt = heap.now();
  }

  onApplicationBootstrap(): void {
    if (this.config.idleGcIntervalMs === 0) return;
    if (!this.heap.collect) {
      this.logger.log('no idle collections: Node runs without --expose-gc (npm start passes it; IDLE_GC_INTERVAL_MS=0 turns them off without this line)');
      return;
    }
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * One second's look: collects when the interval has passed since the last collection, each of the
   * last seconds was lightly loaded (between MIN_ and MAX_BUSY_SHARE), the latest no busier than the
   * others, and the heap grew enough; says whether it did.
   */
  sample(): boolean {
    this.recentBusyShares.push(this.heap.busyShareSinceLastCall());
    if (this.recentBusyShares.length > RECENT_SAMPLES) this.recentBusyShares.shift();
    const before = this.heap.heapUsed();
    const started = this.heap.now();
    if (
      !this.heap.collect ||
      started - this.lastCollectionAt < this.config.idleGcIntervalMs ||
      !this.steadyLightLoad() ||
      before - this.heapAfterLastCollection < MIN_HEAP_GROWTH_BYTES
    ) {
      return false;
    }
    this.heap.collect();
    this.heapAfterLastCollection = this.heap.heapUsed();
    this.lastCollectionAt = this.heap.now();
    const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
    const busiest = Math.max(...this.recentBusyShares);
    this.logger.debug(`full collection at light load (event loop at most ${(busiest * 100).toFixed(0)}% busy): heap ${mb(before)} -> ${mb(this.heapAfterLastCollection)} MB in ${(this.lastCollectionAt - started).toFixed(0)} ms`);
    return true;
  }

  /** Every one of the last RECENT_SAMPLES seconds between MIN_ and MAX_BUSY_SHARE, and the latest not rising above the others. */
  private steadyLightLoad(): boolean {
    const shares = this.recentBusyShares;
    if (shares.length < RECENT_SAMPLES) return false;
    const earlier = shares.slice(0, -1);
    const latest = shares[shares.length - 1];
    return Math.max(...shares) < MAX_BUSY_SHARE && Math.min(...shares) >= MIN_BUSY_SHARE && latest <= Math.max(...earlier) + MAX_BUSY_RISE;
  }
}
