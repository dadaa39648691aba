import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { idempotencyConfig, type IdempotencyConfig } from '../config/idempotency.config.js';
import { GracefulShutdown } from '../shutdown/graceful-shutdown.service.js';

/** The work of claimed keys still running in this process, which shutdown waits for before the pool closes. */
@Injectable()
export class InFlightClaims implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightClaims.name);
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    @Inject(idempotencyConfig.KEY) private readonly config: IdempotencyConfig,
    private readonly shutdown: GracefulShutdown,
  ) {}

  /** Runs the work of a claimed key, counted so that shutdown can wait for it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.catch(() => undefined).finally(() => this.running.delete(work));
    return work;
  }

  /**
   * Before the HTTP server and the pool close, lets claimed requests finish (at most one lease,
   * and no longer than the shutdown drain): cut off mid-transaction they would leave their keys
   * PROCESSING until the lease runs out, even when the client has already gone.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    const waitMs = Math.min(this.config.leaseMs, this.shutdown.msLeftToDrain());
    this.logger.log(`waiting up to ${waitMs} ms for ${this.running.size} idempotent requests to finish`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    clearTimeout(timer);
  }
}
