import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class ErrorBodyDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'ORDER_NOT_FOUND' }) code: string;
  @ApiProperty({ example: 'Order 42 does not exist' }) message: string;
  @ApiProperty({ example: 'Not Found' }) error: string;
}

/** The errors any route of their kind can answer, by status: each code with the message it comes with. */
const COMMON_ERRORS: Record<number, [code: string, message: string][]> = {
  400: [
    ['INVALID_JSON', 'The request body is not valid JSON'],
    ['VALIDATION_FAILED', 'id must be a positive integer in canonical decimal, at most 9007199254740991'],
  ],
  413: [['PAYLOAD_TOO_LARGE', 'Request body is too large']],
  414: [['URI_TOO_LONG', "'/api/v1/users/1111…' is exceeding the max param length"]],
  415: [['UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type']],
  500: [['INTERNAL_ERROR', 'An unexpected error occurred']],
  503: [
    ['DATABASE_BUSY', 'The database is busy; nothing was changed, please retry'],
    ['DATABASE_UNAVAILABLE', 'The database cannot be reached; nothing ran. Retry after Retry-After'],
    ['SHUTTING_DOWN', 'The service is stopping; retry after Retry-After on another connection'],
  ],
};
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

/** Declares the common error statuses a route can answer (500 and 503 always), each with example bodies in the contract's shape. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  const all = [...new Set([...statuses, 500, 503])];
  return applyDecorators(
    ...all.flatMap((status) => {
      const errors = COMMON_ERRORS[status];
      if (!errors) throw new Error(`No common errors for status ${status}: declare it with ApiError`);
      return errors.map(([code, message]) => ApiError(status, code, message, status === 503 ? RETRY_AFTER : undefined));
    }),
  );
}

/** One named error a route can answer, with an example body Swagger UI shows under the status. */
export function ApiError(status: number, code: string, description: string, headers?: Record<string, unknown>): MethodDecorator & ClassDecorator {
  const example = { statusCode: status, code, message: description, error: STATUS_CODES[status] ?? 'Error' };
  return ApiResponse({
    status,
    type: ErrorBodyDto,
    description: `${code}: ${description}`,
    examples: { [code]: { summary: code, value: example } },
    ...(headers && { headers }),
  } as Parameters<typeof ApiResponse>[0]);
}
