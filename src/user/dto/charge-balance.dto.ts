import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_CHARGE_AMOUNT } from '../../common/money.js';

export class ChargeBalanceDto {
  @ApiProperty({ example: 50000, minimum: 1, maximum: MAX_CHARGE_AMOUNT, description: 'Whole KRW' })
  @IsInt()
  @Min(1)
  @Max(MAX_CHARGE_AMOUNT)
  amount: number;
}
