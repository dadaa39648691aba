import { ConsoleLogger } from '@nestjs/common';
import { requestContext } from './request-context.js';

/** Nest's console logger with the request id of the current request on every line. */
export class RequestIdLogger extends ConsoleLogger {
  protected override formatContext(context: string): string {
    const requestId = requestContext.getStore()?.requestId;
    const base = super.formatContext(context);
    return requestId ? `${base}[req ${requestId}] ` : base;
  }
}
