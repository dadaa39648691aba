import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated } from '../auth/access.decorators.js';
import { callOf } from '../auth/caller.js';
import { DomainError } from '../common/errors/index.js';
import { CarriedCommitFailedError } from '../common/transaction/index.js';
import { ApiError, ApiErrorResponses } from '../common/http/api-error-responses.decorator.js';
import { ApiJsonBody, ApiSuccess } from '../common/http/api-examples.decorator.js';
import { ParseIdPipe } from '../common/validation/index.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CreatePaymentDto } from './dto/create-payment.dto.js';
import { PaymentResponse } from './dto/payment.response.js';
import { PaymentService } from './payment.service.js';

@ApiTags('payments')
@Authenticated()
@Controller('payments')
export class PaymentController {
  constructor(
    private readonly payments: PaymentService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @Idempotent({ required: true, status: HttpStatus.OK })
  @ApiOperation({
    summary: 'Pay an order from the user balance, exactly once',
    description: 'Business errors (403, 404, 409 ORDER_ALREADY_PAID, 422 INSUFFICIENT_BALANCE) are stored under the key and replayed like a success.',
  })
  @ApiJsonBody(CreatePaymentDto)
  @ApiSuccess(200, PaymentResponse, 'The payment, COMPLETED', { replayable: true })
  @ApiError(403, 'ORDER_NOT_OWNED', 'The order belongs to another user')
  @ApiError(404, 'ORDER_NOT_FOUND', 'The order does not exist (or is not the caller\'s)')
  @ApiError(409, 'ORDER_ALREADY_PAID', 'The order was already paid under another key')
  @ApiError(422, 'INSUFFICIENT_BALANCE', 'The balance is lower than the order total')
  @ApiErrorResponses(400, 413, 415)
  async pay(@Req() request: FastifyRequest, @Body() dto: CreatePaymentDto): Promise<PaymentResponse> {
    const { caller, context } = callOf(request);
    try {
      const payment = await this.payments.pay(context, caller, dto.orderId, dto.userId);
      this.metrics.countPayment(payment.status);
      return PaymentResponse.of(payment);
    } catch (error) {
      // Codes are a fixed list; anything else is one label, never an error message. A claim that lost its race paid nothing and is looked up again.
      if (!(error instanceof CarriedCommitFailedError)) this.metrics.countPayment(error instanceof DomainError ? error.code : 'ERROR');
      throw error;
    }
  }

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Read a payment' })
  @ApiSuccess(200, PaymentResponse, 'The payment')
  @ApiError(404, 'PAYMENT_NOT_FOUND', 'The payment does not exist')
  @ApiErrorResponses(400, 414)
  async get(@Req() request: FastifyRequest, @Param('id', ParseIdPipe) id: number): Promise<PaymentResponse> {
    const { caller, context } = callOf(request);
    return PaymentResponse.of(await this.payments.get(context, caller, id));
  }
}
