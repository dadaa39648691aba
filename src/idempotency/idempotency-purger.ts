import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TransactionRunner, type SqlSession } from '../common/transaction/index.js';
import { idempotencyConfig, type IdempotencyConfig } from '../config/idempotency.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseOutageMonitor } from '../database/database-outage.monitor.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** What one background run did; `reaped` is what a metrics counter of abandoned claims adds up. */
export interface PurgeRun {
  purged: number;
  reaped: number;
}

/** Purges expired keys and releases abandoned claims in the background, one bounded run at a time; beside the key's state machine (IdempotencyService), not in it. */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeRun>;

  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly transactions: TransactionRunner,
    private readonly metrics: MetricsService,
    private readonly outage: DatabaseOutageMonitor,
    @Inject(idempotencyConfig.KEY) private readonly config: IdempotencyConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.purgeIntervalMs === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.config.purgeIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run, skipped (the running one is returned) while the previous one still runs; a failed run counts nothing. */
  runOnce(): Promise<PurgeRun> {
    this.running ??= this.purgeAndReap()
      .catch((error: unknown) => {
        // An outage is logged once by the monitor, not once per run.
        if (!this.outage.observe(error)) this.logger.error(`purge failed: ${String(error)}`);
        return { purged: 0, reaped: 0 };
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAndReap(): Promise<PurgeRun> {
    const purged = await this.purgeExpired();
    this.metrics.countPurgedKeys(purged);
    if (purged > 0) this.logger.log(`purged ${purged} expired idempotency keys`);
    const reaped = await this.reapAbandoned();
    this.metrics.countReapedKeys(reaped);
    if (reaped > 0) this.logger.warn(`released ${reaped} abandoned idempotency claims (PROCESSING past their lease, no payment); a retry with the key runs again`);
    return { purged, reaped };
  }

  /** Deletes expired keys in bounded batches; returns how many went. */
  purgeExpired(maxBatches = 100): Promise<number> {
    return this.inBatches(maxBatches, (limit) => this.batch((session) => this.keys.deleteExpired(session, new Date(), limit)));
  }

  /**
   * Releases claims left PROCESSING past their lease by a process that died, in bounded batches;
   * returns how many (for a counter). Such a claim holds no payment: a payment commits together
   * with its key's completion.
   */
  reapAbandoned(maxBatches = 100): Promise<number> {
    return this.inBatches(maxBatches, (limit) => this.batch((session) => this.keys.releaseAbandoned(session, new Date(), limit)));
  }

  /** A batch of its own transaction: a deadlock with the requests writing keys meanwhile is run again, not a failed run. */
  private batch(work: (session: SqlSession) => Promise<number>): Promise<number> {
    return this.transactions.runNew(work);
  }

  private async inBatches(maxBatches: number, batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const done = await batch(this.config.purgeBatchSize);
      total += done;
      if (done < this.config.purgeBatchSize) break;
    }
    return total;
  }
}
