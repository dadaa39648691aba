import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { idempotencyConfig, type IdempotencyConfig } from '../config/idempotency.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseOutageMonitor } from '../database/database-outage.monitor.js';
import { IdempotencyService } from './idempotency.service.js';

/** What one background run did; `reaped` is what a metrics counter of abandoned claims adds up. */
export interface PurgeRun {
  purged: number;
  reaped: number;
}

/** Purges expired keys and releases abandoned claims in the background, one bounded run at a time. */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeRun>;

  constructor(
    private readonly idempotency: IdempotencyService,
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
    const purged = await this.idempotency.purgeExpired();
    this.metrics.countPurgedKeys(purged);
    if (purged > 0) this.logger.log(`purged ${purged} expired idempotency keys`);
    const reaped = await this.idempotency.reapAbandoned();
    this.metrics.countReapedKeys(reaped);
    if (reaped > 0) this.logger.warn(`released ${reaped} abandoned idempotency claims (PROCESSING past their lease, no payment); a retry with the key runs again`);
    return { purged, reaped };
  }
}
