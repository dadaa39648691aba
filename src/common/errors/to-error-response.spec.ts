import { describe, expect, it } from '@jest/globals';
import { BadRequestException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { DatabaseBusyError, ShuttingDownError, ValidationFailedError } from './domain-error.js';
import { toErrorResponse } from './to-error-response.js';

describe('toErrorResponse', () => {
  it('maps a domain error to its status and code', () => {
    const { body, headers, unexpected } = toErrorResponse(new ValidationFailedError('amount must be an integer'));
    expect(body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'amount must be an integer', error: 'Bad Request' });
    expect(headers).toEqual({});
    expect(unexpected).toBe(false);
  });

  it('sends Retry-After for a busy database', () => {
    const { body, headers } = toErrorResponse(new DatabaseBusyError());
    expect(body.statusCode).toBe(503);
    expect(body.code).toBe('DATABASE_BUSY');
    expect(headers['retry-after']).toBe('1');
  });

  it('names malformed JSON that Fastify reports through Nest', () => {
    const fastifyError = Object.assign(new SyntaxError('Unexpected end of JSON input'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
    const wrapped = new HttpException('Unexpected end of JSON input', 400, { cause: fastifyError });
    expect(toErrorResponse(wrapped).body).toEqual({
      statusCode: 400,
      code: 'INVALID_JSON',
      message: 'The request body is not valid JSON',
      error: 'Bad Request',
    });
  });

  it('keeps the message of framework 4xx errors and gives them a code', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'Cannot GET /x',
      error: 'Not Found',
    });
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad'])).body.message).toBe('a is bad; b is bad');
  });

  it('hides everything about an unexpected fault, SQL included', () => {
    const sqlError = new QueryFailedError('SELECT secret FROM users', [], new Error("ER_NO_SUCH_TABLE: Table 'payonce.users' doesn't exist"));
    const { body, unexpected } = toErrorResponse(sqlError);
    expect(body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred', error: 'Internal Server Error' });
    expect(unexpected).toBe(true);
    expect(toErrorResponse('a thrown string').body.statusCode).toBe(500);
    expect(toErrorResponse(undefined).body.statusCode).toBe(500);
  });

  it('keeps a 503 from the framework without its details', () => {
    const { body, unexpected } = toErrorResponse(new ServiceUnavailableException({ details: { database: 'ECONNREFUSED 127.0.0.1:3307' } }));
    expect(body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'Service Unavailable', error: 'Service Unavailable' });
    expect(unexpected).toBe(false);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3307'), { code: 'ECONNREFUSED', fatal: true })],
    ['a query whose connection was lost', new QueryFailedError('SELECT 1', [], Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }))],
    ['a timed-out connect', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
    ['a closed pool', new Error('Pool is closed.')],
    ["TypeORM's pool that is gone", new Error('Connection is not established with mysql database')],
    ['a fatal driver error', Object.assign(new Error('Unexpected packet'), { fatal: true })],
    ['a server that is shutting down', new QueryFailedError('SELECT 1', [], Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }))],
  ])('answers %s with 503 DATABASE_UNAVAILABLE and Retry-After, not a 500', (_, error) => {
    const { body, headers, unexpected } = toErrorResponse(error);
    expect(body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', error: 'Service Unavailable' });
    expect(body.message).not.toMatch(/ECONN|127\.0\.0\.1|packet/i);
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    expect(unexpected).toBe(false);
  });

  it('tells a stopping process by its code, with Connection: close', () => {
    const { body, headers } = toErrorResponse(new ShuttingDownError());
    expect(body).toMatchObject({ statusCode: 503, code: 'SHUTTING_DOWN' });
    expect(headers).toEqual({ connection: 'close', 'retry-after': '1' });
  });
});
