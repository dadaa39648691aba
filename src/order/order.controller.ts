import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated } from '../auth/access.decorators.js';
import { callOf } from '../auth/caller.js';
import { ApiError, ApiErrorResponses } from '../common/http/api-error-responses.decorator.js';
import { ApiJsonBody, ApiSuccess } from '../common/http/api-examples.decorator.js';
import { ParseIdPipe } from '../common/validation/index.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { CreateOrderDto } from './dto/create-order.dto.js';
import { OrderResponse } from './dto/order.response.js';
import { OrderService } from './order.service.js';

@ApiTags('orders')
@Authenticated()
@Controller('orders')
export class OrderController {
  constructor(private readonly orders: OrderService) {}

  @Post()
  @Idempotent({ required: false, status: HttpStatus.CREATED })
  @ApiOperation({ summary: 'Create a PENDING order for one of your users (a user token: for itself); the total is computed from the items' })
  @ApiJsonBody(CreateOrderDto)
  @ApiSuccess(201, OrderResponse, 'The new PENDING order', { replayable: true })
  @ApiError(404, 'USER_NOT_FOUND', 'User 42 does not exist')
  @ApiErrorResponses(400, 413, 415)
  async create(@Req() request: FastifyRequest, @Body() dto: CreateOrderDto): Promise<OrderResponse> {
    const { caller, context } = callOf(request);
    return OrderResponse.of(await this.orders.create(context, caller, dto));
  }

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Read an order' })
  @ApiSuccess(200, OrderResponse, 'The order')
  @ApiError(404, 'ORDER_NOT_FOUND', 'Order 42 does not exist')
  @ApiErrorResponses(400, 414)
  async get(@Req() request: FastifyRequest, @Param('id', ParseIdPipe) id: number): Promise<OrderResponse> {
    const { caller, context } = callOf(request);
    return OrderResponse.of(await this.orders.get(context, caller, id));
  }
}
