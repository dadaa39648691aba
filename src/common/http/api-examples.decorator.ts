import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBody, ApiResponse, DECORATORS } from '@nestjs/swagger';

interface PropertyMetadata {
  type?: unknown;
  isArray?: boolean;
  example?: unknown;
}

/** An example object built from the `example` of each @ApiProperty of a DTO (nested DTOs too), so no example is written twice. */
export function exampleOf(type: Type<unknown>): Record<string, unknown> {
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, type.prototype) as string[] | undefined) ?? [];
  return Object.fromEntries(
    names.map((stored) => {
      const name = stored.replace(/^:/, '');
      const property = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, type.prototype, name) as PropertyMetadata;
      if (property.example !== undefined) return [name, property.example];
      const nested = Array.isArray(property.type) ? property.type[0] : property.type;
      const value = typeof nested === 'function' && Reflect.hasMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, nested.prototype) ? exampleOf(nested as Type<unknown>) : null;
      return [name, property.isArray || Array.isArray(property.type) ? [value] : value];
    }),
  );
}

/** The success answer of a route, with its example; `replayable` routes say that a retry with the key gets the same bytes back. */
export function ApiSuccess(status: number, type: Type<unknown>, description: string, options: { replayable?: boolean } = {}): MethodDecorator {
  return ApiResponse({
    status,
    type,
    description: options.replayable ? `${description}. A retry with the same Idempotency-Key gets these bytes again, with Idempotent-Replayed: true` : description,
    example: exampleOf(type),
    ...(options.replayable && {
      headers: { 'Idempotent-Replayed': { description: '"true" on a replayed answer; absent on the first one', schema: { type: 'string', enum: ['true'] } } },
    }),
  });
}

/** A JSON request body with its example, which Swagger UI's "Try it out" starts from. */
export function ApiJsonBody(type: Type<unknown>): MethodDecorator {
  return applyDecorators(ApiBody({ type, examples: { example: { summary: 'A valid request', value: exampleOf(type) } } }));
}
