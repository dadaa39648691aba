import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isDatabaseUnreachable } from '../transaction/mysql-errors.js';
import { DatabaseUnavailableError, DomainError } from './domain-error.js';
import { errorBody, INTERNAL_ERROR_MESSAGE, STATUS_OF_KIND, type ErrorBody } from './error-body.js';

export interface ErrorResponse {
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when nobody expected it: logged with its stack, answered without details. */
  unexpected: boolean;
}

/** Fastify's body-parsing failures, which reach us before any Nest code runs. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST' },
};

interface ErrorWithStatus {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
}

/** Turns anything thrown into the contract's error body; the only place that decides what a client sees. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof DomainError) return domainErrorResponse(exception);
  // Fail closed: without the database nothing ran, and the client is told to come back.
  if (isDatabaseUnreachable(exception)) return domainErrorResponse(new DatabaseUnavailableError());
  // Fastify's own errors arrive wrapped in an HttpException by Nest's adapter; the cause says what it was.
  const source = (exception instanceof HttpException && exception.cause ? exception.cause : exception ?? {}) as ErrorWithStatus;
  const known = typeof source.code === 'string' ? FASTIFY_CODES[source.code] : undefined;
  if (known) {
    const message = known.code === 'INVALID_JSON' ? 'The request body is not valid JSON' : String(source.message);
    return { body: errorBody(known.status, known.code, message), headers: {}, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 500) return internalError();
    // Any other server-side status keeps its code but never its details.
    if (status > 500) return { body: errorBody(status, undefined, STATUS_CODES[status] ?? 'Server error'), headers: {}, unexpected: false };
    const response = exception.getResponse();
    const details = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    const message = Array.isArray(details.message) ? details.message.join('; ') : String(details.message ?? exception.message);
    const code = typeof details.code === 'string' ? details.code : undefined;
    return { body: errorBody(status, code, message), headers: {}, unexpected: false };
  }
  // Other client errors raised by the HTTP layer (e.g. a malformed header) keep their 4xx status.
  if (typeof source.statusCode === 'number' && source.statusCode >= 400 && source.statusCode < 500) {
    return { body: errorBody(source.statusCode, undefined, String(source.message ?? 'Bad request')), headers: {}, unexpected: false };
  }
  return internalError();
}

function domainErrorResponse(error: DomainError): ErrorResponse {
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return { body: errorBody(STATUS_OF_KIND[error.kind], error.code, error.message), headers, unexpected: false };
}

function internalError(): ErrorResponse {
  return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'INTERNAL_ERROR', INTERNAL_ERROR_MESSAGE), headers: {}, unexpected: true };
}
