import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { MAX_ORDER_ITEMS, MAX_QUANTITY, MAX_UNIT_PRICE } from '../../common/money.js';
import { IsText, MAX_ID } from '../../common/validation/index.js';

export class OrderItemDto {
  @ApiProperty({ example: '아메리카노 ☕', minLength: 1, maxLength: 200, description: 'Up to 200 characters (code points), no control characters' })
  @IsText(200)
  name: string;

  @ApiProperty({ example: 4500, minimum: 0, maximum: MAX_UNIT_PRICE, description: 'Whole KRW' })
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE)
  unitPrice: number;

  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;
}

export class CreateOrderDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  userId: number;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_ORDER_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_ITEMS)
  // ValidateNested alone lets `[[]]` through (an array is validated as a list of items), and the total became NaN.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items: OrderItemDto[];
}
