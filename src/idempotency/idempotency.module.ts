import { Module } from '@nestjs/common';
import { IdempotencyPurger } from './idempotency-purger.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyService } from './idempotency.service.js';
import { InFlightClaims } from './in-flight-claims.js';

/** Import it where a controller uses @Idempotent(). */
@Module({
  providers: [IdempotencyService, IdempotencyRepository, IdempotencyInterceptor, IdempotencyPurger, InFlightClaims],
  exports: [IdempotencyService, IdempotencyInterceptor, InFlightClaims],
})
export class IdempotencyModule {}
