import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../idempotency/idempotency.module.js';
import { UserModule } from '../user/user.module.js';
import { OrderItemEntity } from './order-item.entity.js';
import { OrderController } from './order.controller.js';
import { OrderEntity } from './order.entity.js';
import { OrderRepository } from './order.repository.js';
import { OrderService } from './order.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([OrderEntity, OrderItemEntity]), IdempotencyModule, UserModule],
  controllers: [OrderController],
  providers: [OrderService, OrderRepository],
  exports: [OrderService],
})
export class OrderModule {}
