import { registerAs } from '@nestjs/config';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env.js';

class IdempotencyEnv {
  /** How long a claimed key stays "in flight" before another request may take it over. */
  @IsInt() @Min(100) @Max(3_600_000) IDEMPOTENCY_LEASE_MS: number = 30_000;
  /** How long a key is remembered; after that it counts as never seen. */
  @IsInt() @Min(1) @Max(24 * 365) IDEMPOTENCY_TTL_HOURS: number = 24;
  /** How often expired keys are purged; 0 turns the background purge off. */
  @IsInt() @Min(0) IDEMPOTENCY_PURGE_INTERVAL_MS: number = 60_000;
  /** Rows deleted per statement, so a purge never holds many locks at once. */
  @IsInt() @Min(1) @Max(100_000) IDEMPOTENCY_PURGE_BATCH_SIZE: number = 1_000;
  /** Memory per process for completed responses kept for replays; 0 sends every replay to the database. */
  @IsInt() @Min(0) @Max(4 * 1024 ** 3) IDEMPOTENCY_CACHE_BYTES: number = 32 * 1024 ** 2;
}

export const idempotencyConfig = registerAs('idempotency', () => {
  const env = validateEnv(IdempotencyEnv);
  return {
    leaseMs: env.IDEMPOTENCY_LEASE_MS,
    ttlMs: env.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    purgeIntervalMs: env.IDEMPOTENCY_PURGE_INTERVAL_MS,
    purgeBatchSize: env.IDEMPOTENCY_PURGE_BATCH_SIZE,
    cacheBytes: env.IDEMPOTENCY_CACHE_BYTES,
  };
});
export type IdempotencyConfig = ReturnType<typeof idempotencyConfig>;
