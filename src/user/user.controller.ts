import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/http/api-error-responses.decorator.js';
import { ParseIdPipe } from '../common/validation/index.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { ChargeBalanceDto } from './dto/charge-balance.dto.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { BalanceResponse, UserResponse } from './dto/user.response.js';
import { UserService } from './user.service.js';

@ApiTags('users')
@Controller('users')
export class UserController {
  constructor(private readonly users: UserService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a user with a zero balance' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrorResponses(400, 413)
  async create(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return UserResponse.of(await this.users.create(dto.name));
  }

  @Get(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Read a user and their balance' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrorResponses(400, 404)
  async get(@Param('id', ParseIdPipe) id: number): Promise<UserResponse> {
    return UserResponse.of(await this.users.get(id));
  }

  @Post(':id/balance/charge')
  @HttpCode(HttpStatus.OK)
  @Idempotent({ required: false })
  @ApiOperation({ summary: "Top up a user's balance" })
  @ApiOkResponse({ type: BalanceResponse })
  @ApiErrorResponses(400, 404, 413, 422, 503)
  async charge(@Param('id', ParseIdPipe) id: number, @Body() dto: ChargeBalanceDto): Promise<BalanceResponse> {
    const user = await this.users.charge(id, dto.amount);
    return { userId: user.id, balance: user.balance };
  }
}
