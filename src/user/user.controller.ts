import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiKeyOnly, Authenticated } from '../auth/access.decorators.js';
import { callOf } from '../auth/caller.js';
import { UserTokenService } from '../auth/user-token.service.js';
import { ApiError, ApiErrorResponses } from '../common/http/api-error-responses.decorator.js';
import { ApiJsonBody, ApiSuccess } from '../common/http/api-examples.decorator.js';
import { ParseIdPipe } from '../common/validation/index.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { ChargeBalanceDto } from './dto/charge-balance.dto.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { BalanceResponse, UserResponse, UserTokenResponse } from './dto/user.response.js';
import { UserService } from './user.service.js';

@ApiTags('users')
@Authenticated()
@Controller('users')
export class UserController {
  constructor(
    private readonly users: UserService,
    private readonly tokens: UserTokenService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiKeyOnly()
  @ApiOperation({ summary: 'Create a user with a zero balance, in the calling account' })
  @ApiJsonBody(CreateUserDto)
  @ApiSuccess(201, UserResponse, 'The new user')
  @ApiErrorResponses(400, 413, 415)
  async create(@Req() request: FastifyRequest, @Body() dto: CreateUserDto): Promise<UserResponse> {
    const { caller, context } = callOf(request);
    return UserResponse.of(await this.users.create(context, caller, dto.name));
  }

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Read a user and their balance (a user token reads only its own user)' })
  @ApiSuccess(200, UserResponse, 'The user')
  @ApiError(404, 'USER_NOT_FOUND', 'User 42 does not exist')
  @ApiErrorResponses(400, 414)
  async get(@Req() request: FastifyRequest, @Param('id', ParseIdPipe) id: number): Promise<UserResponse> {
    const { caller, context } = callOf(request);
    return UserResponse.of(await this.users.get(context, caller, id));
  }

  @Post(':id/balance/charge')
  @ApiKeyOnly()
  @Idempotent({ required: false, status: HttpStatus.OK })
  @ApiOperation({ summary: "Top up a user's balance" })
  @ApiJsonBody(ChargeBalanceDto)
  @ApiSuccess(200, BalanceResponse, 'The balance after the charge', { replayable: true })
  @ApiError(404, 'USER_NOT_FOUND', 'User 42 does not exist')
  @ApiError(422, 'BALANCE_LIMIT_EXCEEDED', 'A balance may not exceed 1000000000000000')
  @ApiErrorResponses(400, 413, 414, 415)
  async charge(@Req() request: FastifyRequest, @Param('id', ParseIdPipe) id: number, @Body() dto: ChargeBalanceDto): Promise<BalanceResponse> {
    const { caller, context } = callOf(request);
    const user = await this.users.charge(context, caller, id, dto.amount);
    return { userId: user.id, balance: user.balance };
  }

  @Post(':id/tokens')
  @HttpCode(HttpStatus.CREATED)
  @ApiKeyOnly()
  @ApiOperation({
    summary: 'Mint a short-lived user token for a browser checkout',
    description: 'The token lets a browser act as this one user: read it, create and pay its orders, read its orders and payments. Never charge a balance, create users or mint tokens.',
  })
  @ApiSuccess(201, UserTokenResponse, 'A token for Authorization: Bearer <token>, valid until expiresAt')
  @ApiError(404, 'USER_NOT_FOUND', 'User 42 does not exist')
  @ApiErrorResponses(400, 414)
  async mintToken(@Req() request: FastifyRequest, @Param('id', ParseIdPipe) id: number): Promise<UserTokenResponse> {
    const { caller, context } = callOf(request);
    const user = await this.users.get(context, caller, id);
    return this.tokens.mint(user.accountId, user.id);
  }
}
