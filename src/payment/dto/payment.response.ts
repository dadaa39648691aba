import { ApiProperty } from '@nestjs/swagger';
import { PaymentStatus, type PaymentEntity } from '../payment.entity.js';

export class PaymentResponse {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 7 }) orderId: number;
  @ApiProperty({ example: 1 }) userId: number;
  @ApiProperty({ example: 9000 }) amount: number;
  @ApiProperty({ enum: PaymentStatus, example: PaymentStatus.COMPLETED }) status: PaymentStatus;
  @ApiProperty({ example: '2026-11-24T12:00:00.000Z' }) paidAt: string;

  static of(payment: PaymentEntity): PaymentResponse {
    return {
      id: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      amount: payment.amount,
      status: payment.status,
      paidAt: payment.paidAt.toISOString(),
    };
  }
}
