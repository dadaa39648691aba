import { RequestMethod, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppModule } from './app.module.js';
import { BEARER_SCHEME } from './auth/access.decorators.js';
import { errorBody } from './common/errors/index.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { JSON_CONTENT_TYPE } from './common/http/send-json.js';
import { RequestIdLogger, requestContext, requestIdFor } from './common/logging/index.js';
import { createValidationPipe } from './common/validation/index.js';
import { appConfig, type AppConfig } from './config/index.js';

export const API_PREFIX = 'api/v1';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the application exactly as it serves traffic; main.ts and the e2e tests both use it. */
export async function createApp(): Promise<NestFastifyApplication> {
  const config = appConfig();
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdFor,
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    // JSON only, parsed by Fastify's own parser: a form or text body gets 415, not a best guess.
    bodyParser: false,
    logger: new RequestIdLogger({ logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) }),
  });
  configureApp(app, config);
  await app.init();
  return app;
}

function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // Every log line of a request carries its id, and the client gets it back.
  fastify.addHook('onRequest', (request, reply, done) => {
    requestContext.enterWith({ requestId: request.id });
    reply.header('x-request-id', request.id);
    done();
  });
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.GET }, { path: 'health/live', method: RequestMethod.GET }] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableCors({
    origin: config.corsOrigins,
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id'],
  });
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('payonce')
      .setDescription('Checkout payments that happen exactly once. Authorize with an API key (or a user token), and send an Idempotency-Key (a UUID v4) with every payment.')
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key (po_sk_…; `npm run apikey:create -- <account>`) or a user token from POST /api/v1/users/{id}/tokens' },
        BEARER_SCHEME,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}

/** Errors Node's HTTP parser finds (oversized or malformed headers) still get the contract's body. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  if (socket.writable) {
    const body = JSON.stringify(errorBody(status, undefined, STATUS_CODES[status] ?? 'Bad Request'));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
