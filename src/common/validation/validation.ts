import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidatorOptions } from 'class-validator';
import { ValidationFailedError } from '../errors/index.js';
import { CompiledChecks } from './compiled-checks.js';

/** Largest id we accept: ids stay exact as JavaScript numbers. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Validates bodies only (synchronously). Nest's pipe would otherwise turn a path param typed `number` into
 * `Number(text)` before ParseIdPipe sees it, and `0x10`, `01` or `1e3` would name a record.
 */
class BodyValidationPipe extends ValidationPipe {
  /** Each DTO class's compiled checks (null: it has none), made at its first body. */
  private readonly compiled = new Map<Function, CompiledChecks | null>();

  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }

  /** No rule of ours is asynchronous: checked in one synchronous pass, not a promise per constraint. */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }

  /**
   * A JSON object body (what our parser hands every DTO route) is checked without a single await:
   * Nest's own path awaits four times and walks the value for array gaps and binary values that
   * JSON cannot hold, which cost a new payment 12% of its throughput. Anything else (a primitive,
   * an array, no body) takes Nest's path. Parameters with nothing to validate are handed back at once.
   */
  // Nest awaits what a pipe returns, so a plain value is as good as a promise of it.
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<any> {
    const metatype = metadata.metatype;
    // Nothing to validate (a caller, a context, an id that ParseIdPipe reads): as it is, like transformPrimitive above.
    if (!metatype || !this.toValidate(metadata)) return value as Promise<unknown>;
    if (metadata.type !== 'body' || !isJsonObject(value)) return super.transform(value, metadata);
    this.stripProtoKeys(value);
    const accepted = this.compiledChecksOf(metatype)?.accept(value);
    if (accepted) return accepted as Promise<object>;
    const entity = plainToInstance(metatype, value, this.transformOptions) as object;
    if (entity.constructor !== metatype) return super.transform(value, metadata);
    const errors = validateSync(entity, { ...this.validatorOptions, validationError: { target: false, ...this.validatorOptions.validationError } });
    if (errors.length > 0) {
      if (this.validatorOptions.validationError?.value === undefined) this.stripParentErrorValues(errors);
      throw this.exceptionFactory(errors);
    }
    return entity as unknown as Promise<object>;
  }

  private compiledChecksOf(metatype: Function): CompiledChecks | undefined {
    let checks = this.compiled.get(metatype);
    if (checks === undefined) {
      checks = CompiledChecks.of(metatype as new () => object, this.transformOptions) ?? null;
      this.compiled.set(metatype, checks);
    }
    return checks ?? undefined;
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
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
