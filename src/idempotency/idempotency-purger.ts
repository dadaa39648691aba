import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { idempotencyConfig, type IdempotencyConfig } from '../config/idempotency.config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { IdempotencyService } from './idempotency.service.js';

/** Purges expired keys in the background, one bounded run at a time. */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
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

  /** One purge, skipped while the previous one still runs. */
  runOnce(): Promise<void> {
    this.running ??= this.idempotency
      .purgeExpired()
      .then((deleted) => {
        this.metrics.countPurgedKeys(deleted);
        if (deleted > 0) this.logger.log(`purged ${deleted} expired idempotency keys`);
      })
      .catch((error: unknown) => this.logger.error(`purge failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
