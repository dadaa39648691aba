import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { IdempotencyPurger } from './idempotency-purger.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { InFlightClaims } from './in-flight-claims.js';
import { MemoryReplays } from './memory-replays.js';

/** Import it where a controller uses @Idempotent(). */
@Module({
  imports: [AuthModule],
  providers: [IdempotencyService, IdempotencyRepository, IdempotencyInterceptor, IdempotencyPurger, InFlightClaims, MemoryReplays],
  exports: [IdempotencyService, IdempotencyInterceptor, InFlightClaims, MemoryReplays],
})
export class IdempotencyModule {}
