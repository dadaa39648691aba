import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_ID } from '../../common/validation/index.js';

export class CreatePaymentDto {
  @ApiProperty({ example: 7 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  orderId: number;

  @ApiProperty({ example: 1, description: 'Must be the owner of the order' })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  userId: number;
}
