import { ApiProperty } from '@nestjs/swagger';
import { OrderStatus, type OrderEntity } from '../order.entity.js';
import { OrderItemDto } from './create-order.dto.js';

export class OrderResponse {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ example: 1 }) userId: number;
  @ApiProperty({ type: [OrderItemDto] }) items: OrderItemDto[];
  @ApiProperty({ example: 9000 }) totalAmount: number;
  @ApiProperty({ enum: OrderStatus, example: OrderStatus.PENDING }) status: OrderStatus;
  @ApiProperty({ example: '2026-11-24T12:00:00.000Z' }) createdAt: string;

  static of(order: OrderEntity): OrderResponse {
    return {
      id: order.id,
      userId: order.userId,
      items: order.items.map(({ name, unitPrice, quantity }) => ({ name, unitPrice, quantity })),
      totalAmount: order.totalAmount,
      status: order.status,
      createdAt: order.createdAt.toISOString(),
    };
  }
}
