import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validateSync, type ValidatorOptions } from 'class-validator';
import { ValidationFailedError } from '../errors/index.js';

/** Largest id we accept: ids stay exact as JavaScript numbers. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Validates bodies only (synchronously). Nest's pipe would otherwise turn a path param typed `number` into
 * `Number(text)` before ParseIdPipe sees it, and `0x10`, `01` or `1e3` would name a record.
 */
class BodyValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  /** No rule of ours is asynchronous: checked in one synchronous pass, not a promise per constraint. */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

/** The app-wide pipe: unknown fields are refused, not silently dropped, and types are not coerced. */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new ValidationFailedError([...new Set(describe(errors))].join('; ') || 'The request is not valid'),
  });
}

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => text.replace(error.property, path));
    return [...own, ...describe(error.children ?? [], path)];
  });
}
