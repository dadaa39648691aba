import { applyDecorators, HttpCode, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiError } from '../common/http/api-error-responses.decorator.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotent.options.js';

/** Makes a route idempotent under the Idempotency-Key header with its success status (its @HttpCode), and says so in the OpenAPI document. */
export function Idempotent(options: IdempotentOptions): MethodDecorator {
  return applyDecorators(
    HttpCode(options.status),
    SetMetadata(IDEMPOTENT_OPTIONS, options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: options.required,
      description:
        'A unique key per intended operation (send a UUID v4), 1-255 visible ASCII characters. Repeating it ' +
        'replays the first response byte for byte with `Idempotent-Replayed: true`.',
      schema: { type: 'string', maxLength: 255, example: '9f1c6a2e-5b7d-4c1e-8f3a-2d6b7e9c0a41' },
    }),
    ...(options.required ? [ApiError(400, 'IDEMPOTENCY_KEY_MISSING', 'This endpoint requires an Idempotency-Key header')] : []),
    ApiError(400, 'IDEMPOTENCY_KEY_INVALID', 'An Idempotency-Key is 1 to 255 visible ASCII characters, sent once'),
    ApiError(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed', {
      'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
    }),
    ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request'),
  );
}
