import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from './auth/auth.module.js';
import { CheckoutModule } from './checkout/checkout.module.js';
import { LogFlush } from './common/logging/index.js';
import { appConfig, authConfig, databaseConfig, idempotencyConfig } from './config/index.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OrderModule } from './order/order.module.js';
import { PaymentModule } from './payment/payment.module.js';
import { RuntimeModule } from './runtime/runtime.module.js';
import { ShutdownModule } from './shutdown/shutdown.module.js';
import { UserModule } from './user/user.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, load: [appConfig, authConfig, databaseConfig, idempotencyConfig] }),
    DatabaseModule,
    ShutdownModule,
    AuthModule,
    HealthModule,
    MetricsModule,
    UserModule,
    OrderModule,
    PaymentModule,
    CheckoutModule,
    RuntimeModule,
  ],
  providers: [LogFlush],
})
export class AppModule {}
