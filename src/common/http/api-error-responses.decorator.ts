import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class ErrorBodyDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'ORDER_NOT_FOUND' }) code: string;
  @ApiProperty({ example: 'Order 42 does not exist' }) message: string;
  @ApiProperty({ example: 'Not Found' }) error: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON (INVALID_JSON) or a field that fails validation (VALIDATION_FAILED)',
  404: 'An id that does not exist',
  413: 'Body larger than the limit (PAYLOAD_TOO_LARGE)',
  422: 'The request is well-formed but cannot be carried out',
  503: 'Nothing changed, retry after Retry-After: the database is busy (DATABASE_BUSY) or cannot be reached (DATABASE_UNAVAILABLE), or the service is stopping (SHUTTING_DOWN)',
};

/** Declares the error statuses a route can answer, all in the contract's error shape; any route may answer 500 and 503. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator {
  const all = [...new Set([...statuses, 500, 503])];
  return applyDecorators(
    ...all.map((status) =>
      ApiResponse({ status, type: ErrorBodyDto, description: DESCRIPTIONS[status] ?? 'Unexpected fault (INTERNAL_ERROR), no details' }),
    ),
  );
}

/** One named error a route can answer, with an example body Swagger UI shows under the status. */
export function ApiError(status: number, code: string, description: string): MethodDecorator & ClassDecorator {
  const example = { statusCode: status, code, message: description, error: STATUS_CODES[status] ?? 'Error' };
  return ApiResponse({ status, type: ErrorBodyDto, description: `${code}: ${description}`, examples: { [code]: { summary: code, value: example } } });
}
