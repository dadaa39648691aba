import { ApiProperty } from '@nestjs/swagger';
import { IsText } from '../../common/validation/index.js';

export class CreateUserDto {
  @ApiProperty({ example: 'kim', minLength: 1, maxLength: 100, description: 'Up to 100 characters (code points), no control characters' })
  @IsText(100)
  name: string;
}
