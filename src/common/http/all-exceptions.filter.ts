import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logFieldsOf } from '../context/index.js';
import { toErrorResponse } from '../errors/index.js';
import { PreparedResponse } from './prepared-response.js';
import { sendJson } from './send-json.js';

/** The one place where every error becomes the contract's error body. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  /** `observe` sees every error first; it returns true for one it has logged itself (a database outage, logged once). */
  constructor(private readonly outage?: { observe(error: unknown): boolean }) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof PreparedResponse) return sendJson(reply, exception.status, exception.body, exception.headers);
    this.outage?.observe(exception);
    const { body, headers, unexpected } = toErrorResponse(exception);
    if (unexpected) {
      const msg = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error({ msg, ...logFieldsOf(host.switchToHttp().getRequest<FastifyRequest>().context) });
    }
    sendJson(reply, body.statusCode, JSON.stringify(body), headers);
  }
}
