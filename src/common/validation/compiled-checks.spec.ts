import { describe, expect, it } from '@jest/globals';
import { plainToInstance, Transform } from 'class-transformer';
import { getMetadataStorage, IsInt, IsOptional, Min, validateSync } from 'class-validator';
import { CreateOrderDto } from '../../order/dto/create-order.dto.js';
import { CreatePaymentDto } from '../../payment/dto/create-payment.dto.js';
import { ChargeBalanceDto } from '../../user/dto/charge-balance.dto.js';
import { CreateUserDto } from '../../user/dto/create-user.dto.js';
import { CompiledChecks } from './compiled-checks.js';
import { createValidationPipe } from './validation.js';

class WithOptional {
  @IsOptional()
  @IsInt()
  count?: number;
}

class WithTransform {
  @Transform(({ value }) => (typeof value === 'number' ? value * 100 : value))
  @IsInt()
  cents: number;
}

class WithEach {
  @IsInt({ each: true })
  ids: number[];
}

class Plain {
  @IsInt()
  @Min(1)
  amount: number;
}

const FLAT_DTOS = [CreatePaymentDto, ChargeBalanceDto, CreateUserDto];
const OPTIONS = { enableImplicitConversion: false };

/** What class-validator itself says of a body, with the pipe's options. */
function classValidatorVerdict(metatype: new () => object, body: Record<string, unknown>) {
  const entity = plainToInstance(metatype, body, OPTIONS);
  return { entity, errors: validateSync(entity, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }) };
}

/** Every body of the class's fields (each absent or one of these values), with and without a field it does not have. */
function bodiesFor(fields: string[]): Record<string, unknown>[] {
  const values: unknown[] = [1, 7, 0, -1, -0, 1.5, 2 ** 53 - 1, 2 ** 53, 1e300, '1', '', 'kim', 'a\u0000b', 'x'.repeat(101), '❤️'.repeat(60), null, true, [], [1], {}, { a: 1 }];
  let bodies: Record<string, unknown>[] = [{}];
  for (const field of fields) bodies = bodies.flatMap((body) => [body, ...values.map((value) => ({ ...body, [field]: value }))]);
  return bodies.flatMap((body) => [body, { ...body, extra: 1 }, { ...body, constructor: 1 }]);
}

describe('CompiledChecks', () => {
  it('compiles the flat DTOs, and not a nested DTO, an optional field, a transform or an `each` rule', () => {
    for (const dto of [...FLAT_DTOS, Plain]) expect(CompiledChecks.of(dto, OPTIONS)).toBeDefined();
    for (const dto of [CreateOrderDto, WithOptional, WithTransform, WithEach]) expect(CompiledChecks.of(dto, OPTIONS)).toBeUndefined();
  });

  it.each(FLAT_DTOS.map((dto) => [dto.name, dto] as const))('accepts exactly the %s bodies class-validator finds valid, as the same instance', (_name, dto) => {
    const checks = CompiledChecks.of(dto, OPTIONS)!;
    const fields = [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((metadata) => metadata.propertyName))];
    let accepted = 0;
    for (const body of bodiesFor(fields)) {
      const fast = checks.accept(body);
      const { entity, errors } = classValidatorVerdict(dto, body);
      // Never valid where class-validator is not; and valid wherever it is, but for a `constructor` field,
      // which class-transformer drops and the compiled checks hand to class-validator (slower, same answer).
      if (fast || !Object.hasOwn(body, 'constructor')) expect({ body, valid: fast !== undefined }).toEqual({ body, valid: errors.length === 0 });
      if (fast) {
        accepted++;
        expect(fast).toBeInstanceOf(dto);
        expect(fast).toEqual(entity);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('leaves refusals to class-validator: the pipe says why, field by field', () => {
    const pipe = createValidationPipe();
    const metadata = { type: 'body' as const, metatype: CreatePaymentDto };
    expect(pipe.transform({ orderId: 7, userId: 1 }, metadata)).toEqual(Object.assign(new CreatePaymentDto(), { orderId: 7, userId: 1 }));
    expect(() => pipe.transform({ orderId: 0, userId: 1 }, metadata)).toThrow('orderId must not be less than 1');
    expect(() => pipe.transform({ orderId: 7, userId: 1, extra: true }, metadata)).toThrow('property extra should not exist');
  });
});
