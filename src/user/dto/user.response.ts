import { ApiProperty } from '@nestjs/swagger';
import type { UserEntity } from '../user.entity.js';

export class UserResponse {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'kim' }) name: string;
  @ApiProperty({ example: 0 }) balance: number;
  @ApiProperty({ example: '2026-11-24T12:00:00.000Z' }) createdAt: string;

  static of(user: UserEntity): UserResponse {
    return { id: user.id, name: user.name, balance: user.balance, createdAt: user.createdAt.toISOString() };
  }
}

export class BalanceResponse {
  @ApiProperty({ example: 1 }) userId: number;
  @ApiProperty({ example: 50000 }) balance: number;
}

export class UserTokenResponse {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', description: 'Send as Authorization: Bearer <token>' })
  token: string;

  @ApiProperty({ example: '2026-11-24T12:15:00.000Z' })
  expiresAt: string;
}
